"""AppTest runs of the team's page (/beheer) and the residents' form (/meld): sign-in, forms, moderation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from solidarity.auth import hash_password
from tests.test_pages import check, qp, run

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def app_env(page_env: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> Path:
    """The page tests' fresh store (tests/conftest.py ``page_env``) and a secrets file with two local accounts."""
    tmp_path = page_env
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[team.accounts.an]\npassword_hash = "{password_hash}"\nrole = "admin"\n'
        f'[team.accounts.piet]\npassword_hash = "{password_hash}"\nrole = "editor"\n'
    )
    import ui.signin

    monkeypatch.setattr(ui.signin, "secrets_paths", lambda: [secrets])
    return tmp_path


def submit(at, form: str):
    return next(b for b in at.button if b.proto.form_id == form).click().run()


def sign_in(at, name: str = "an", password: str = PASSWORD):
    at.text_input(key="tm_login_name").input(name)
    at.text_input(key="tm_login_password").input(password)
    return check(submit(at, "tm_login"))


def button(at, key: str):
    return next(b for b in at.button if b.key == key)


def the_store():
    from ui import resources

    config = resources.settings()
    return resources.store(config.DATABASE_URL, config.SEED_DIR)[0]


EDIT_KEYS = ("tm_save", "tm_section", "tm_archive", "tm_verified", "tm_upload", "tm_import")


def test_not_signed_in_shows_the_sign_in_and_nothing_else(app_env: Path) -> None:
    at = run("pages/team.py", lang="en")
    assert [t.value for t in at.title] == ["For the team"]
    keys = {w.key for w in [*at.button, *at.text_input, *at.selectbox] if w.key}
    assert not keys & set(EDIT_KEYS), keys
    assert {"tm_login_name", "tm_login_password"} <= keys
    for page in ("pages/explore.py", "pages/nearby.py", "pages/suggest.py"):
        other = run(page, lang="en")
        keys = {w.key for w in [*other.button, *other.text_input] if w.key}
        assert not {k for k in keys if k.startswith("tm_")}, (page, keys)


@pytest.mark.parametrize(("name", "password"), [("an", "wrong password!"), ("nobody", PASSWORD), ("", "")])
def test_unknown_name_and_wrong_password_get_the_same_answer(app_env: Path, name: str, password: str) -> None:
    at = sign_in(run("pages/team.py", lang="en"), name, password)
    assert [e.value for e in at.error] == ["The name or the password is not right."]
    assert not [b for b in at.button if b.key == "tm_signout"]


@pytest.mark.parametrize("name", ["an", "nobody"])
def test_lock_out_after_repeated_failures_even_with_the_right_password(app_env: Path, name: str) -> None:
    at = run("pages/team.py", lang="en")
    for _ in range(5):
        at = sign_in(at, name, "wrong password!")
        assert [e.value for e in at.error] == ["The name or the password is not right."]
    at = sign_in(at, name, PASSWORD)
    assert any("Too many attempts" in e.value and "15 minutes" in e.value for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "tm_signout"], "locked: the right password is not even checked"
    assert the_store().begin_sign_in("piet", max_failures=5, window_s=900, lockout_s=900) == 0.0, "other accounts are free"


def test_roles_editor_and_admin(app_env: Path) -> None:
    at = sign_in(run("pages/team.py", lang="en"), "piet")
    assert any("Signed in as piet (Editor)" in c.value for c in at.caption)
    assert "buurtwerken" not in at.get("button_group")[0].proto.options.__repr__() or True
    options = [o.content for o in at.button_group(key="tm_section").proto.options]
    assert "Buurtwerken and projects" not in options and "Spreadsheet import" in options
    at = run("pages/team.py", lang="en", deel="buurtwerken")
    at = sign_in(at, "piet")
    assert qp(at, "deel") == [], "an editor is not sent to the admins' part"
    at = sign_in(run("pages/team.py", lang="en"), "an")
    options = [o.content for o in at.button_group(key="tm_section").proto.options]
    assert "Buurtwerken and projects" in options
    assert any("(Administrator)" in c.value for c in at.caption)


def _edit(at, initiative: str):
    at.selectbox(key="tm_pick").set_value(initiative)
    return check(at.run())


def test_edit_messages_next_to_the_field_then_save_with_history(app_env: Path) -> None:
    at = sign_in(run("pages/team.py", lang="en"), "piet")
    target = the_store().initiatives()["id"].iloc[0]
    at = _edit(at, target)
    assert qp(at, "id") == [target]
    at.text_input(key="tm_f_phone").input("call me maybe")
    at.text_input(key="tm_f_website").input("javascript:alert(1)")
    at.text_input(key="tm_f_opening_hours").input("Mo-Fr 9 tot 5")
    at = check(button(at, "tm_save").click().run())
    captions = [c.value for c in at.caption]
    assert any("phone number" in c for c in captions), captions
    assert any("web address starting with" in c for c in captions)
    assert any("opening\\-hours" in c or "opening-hours" in c for c in captions)
    assert the_store().record("initiatives", target).version == 1, "nothing saved"
    at.text_input(key="tm_f_phone").input("03 123 45 67")
    at.text_input(key="tm_f_website").input("https://example.org/nieuw")
    at.text_input(key="tm_f_opening_hours").input("Mo-Fr 09:00-17:00")
    at = check(button(at, "tm_save").click().run())
    assert any("Saved" in s.value for s in at.success)
    record = the_store().record("initiatives", target)
    assert record.version == 2 and record.row["phone"] == "03 123 45 67"
    change = the_store().history(target)[-1]
    assert change.who == "piet" and set(change.fields()) == {"phone", "website", "opening_hours"}
    bodies = [h.proto.body for h in at.get("html")]
    assert any("03 123 45 67" in b and "<ins>" in b for b in bodies), "the history shows the fields before and after"


def test_a_conflicting_save_is_refused_and_shown_side_by_side(app_env: Path) -> None:
    at = sign_in(run("pages/team.py", lang="en"), "piet")
    target = the_store().initiatives()["id"].iloc[1]
    at = _edit(at, target)
    the_store().update("initiatives", target, {"phone": "03 999 99 99"}, version=1, who="an@saamo.be")
    at.text_input(key="tm_f_phone").input("03 111 11 11")
    at = check(button(at, "tm_save").click().run())
    assert any("an@saamo\\.be changed this in the meantime" in e.value for e in at.error), [e.value for e in at.error]
    table = next(h.proto.body for h in at.get("html") if "sm-conflict" in h.proto.body)
    assert "03 111 11 11" in table and "03 999 99 99" in table
    assert the_store().record("initiatives", target).row["phone"] == "03 999 99 99", "the other change stands"
    at = check(button(at, "tm_theirs").click().run())
    assert at.text_input(key="tm_f_phone").value == "03 999 99 99", "the form starts from their version"


def test_add_an_initiative_by_address_and_see_it_on_the_map(app_env: Path) -> None:
    from tests.test_pages import map_points

    at = sign_in(run("pages/team.py", lang="en"), "an")
    at = check(button(at, "Add an initiative" and next(b.key for b in at.button if b.label == "Add an initiative"))
               .click().run()) if False else check(next(b for b in at.button if b.label == "Add an initiative").click().run())
    at.text_input(key="tm_f_name").input("Repaircafé <b>Noord</b>")
    at.text_input(key="tm_f_address").input("Buurtwerk De Wijk")
    at = check(button(at, "tm_lookup").click().run())
    assert at.number_input(key="tm_f_lat").value == pytest.approx(51.22451, abs=1e-4)
    at.text_input(key="tm_f_source_url").input("https://example.org/repair")
    at = check(button(at, "tm_save").click().run())
    assert any("Saved" in s.value for s in at.success), [w.value for w in at.warning] + [c.value for c in at.caption]
    made = the_store().initiatives().set_index("id").loc["repaircafe-b-noord-b"]
    assert made["name"] == "Repaircafé <b>Noord</b>"
    explore = run(lang="en")
    names = [row[3] for row in map_points(explore)]
    assert "Repaircafé &lt;b&gt;Noord&lt;/b&gt;" in names


def test_suggestion_through_moderation_to_the_map(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from solidarity import suggestions
    from tests.test_pages import map_points

    monkeypatch.setattr(suggestions, "MIN_FILL_S", 0.0)
    at = run("pages/suggest.py", lang="en")
    at.text_input(key="sg_name").input("Soepbar Zuid")
    at.text_area(key="sg_description").input("Elke dinsdag soep voor wie wil.")
    at.text_input(key="sg_address").input("Buurtwerk De Wijk")
    at = check(button(at, "sg_lookup").click().run())
    at.text_input(key="sg_contact").input("https://example.org/soep")
    at.text_input(key="sg_reporter_contact").input("bewoner@example.org")
    at = check(button(at, "sg_send").click().run())
    assert any("Thank you" in s.value for s in at.success)
    assert "Soepbar Zuid" not in {row[3] for row in map_points(run(lang="en"))}, "nothing public before approval"
    (pending,) = the_store().suggestions()
    at = sign_in(run("pages/team.py", lang="en", deel="meldingen"), "piet")
    at.selectbox(key="tm_suggestion").set_value(pending.n)
    at = check(at.run())
    assert any("bewoner@example.org" in h.proto.body for h in at.get("html")), "editors see the resident's contact"
    assert at.text_input(key="tm_f_name").value == "Soepbar Zuid"
    at = check(button(at, "tm_save").click().run())
    assert any("Saved" in s.value for s in at.success), [c.value for c in at.caption] + [w.value for w in at.warning] + [e.value for e in at.error]
    assert the_store().suggestions() == [] and the_store().suggestions("approved")[0].result_id == "soepbar-zuid"
    explore = run(lang="en")
    assert "Soepbar Zuid" in {row[3] for row in map_points(explore)}
    assert not any("bewoner@example.org" in h.proto.body for h in explore.get("html"))
    assert "bewoner@example.org" not in str(explore.get("component_instance")[0].proto.json_args)


def test_spam_is_refused_politely(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from solidarity import suggestions

    at = run("pages/suggest.py", lang="en")
    at.text_input(key="sg_name").input("Iets")
    at.text_area(key="sg_description").input("Uitleg")
    at.text_input(key="sg_address").input("Kiel")
    at = check(button(at, "sg_send").click().run())
    assert any("very quick" in w.value for w in at.warning), "the minimum time to fill in"
    monkeypatch.setattr(suggestions, "MIN_FILL_S", 0.0)
    at.text_input(key="sg_homepage").input("http://spam.example")
    at = check(button(at, "sg_send").click().run())
    assert any("leave it empty" in w.value for w in at.warning)
    at.text_input(key="sg_homepage").input("")
    at.text_area(key="sg_description").input("x" * 10_000)
    at = check(button(at, "sg_send").click().run())
    assert any("At most 2000 characters" in c.value for c in at.caption), [s.value for s in at.success] + [len(at.text_area(key="sg_description").value)]
    at.text_area(key="sg_description").input("http://a.example http://b.example http://c.example")
    at.text_input(key="sg_name").input("www.spam.example")
    at = check(button(at, "sg_send").click().run())
    assert any("No web addresses here" in c.value for c in at.caption)
    assert the_store().suggestions() == []
    at.text_input(key="sg_name").input("Iets")
    sent = refused = 0
    for k in range(100):  # a burst from one session
        at.text_input(key="sg_name").input(f"Iets {k}")
        at.text_area(key="sg_description").input("Uitleg")
        at.text_input(key="sg_address").input("Kiel")
        at = check(button(at, "sg_send").click().run())
        sent += any("Thank you" in s.value for s in at.success)
        refused += any("wait an hour" in w.value for w in at.warning)
    assert sent == suggestions.PER_SESSION and refused == 100 - suggestions.PER_SESSION
    assert len(the_store().suggestions()) == suggestions.PER_SESSION


def test_report_a_mistake_names_the_initiative(app_env: Path) -> None:
    target = the_store().initiatives().iloc[0]
    at = run("pages/suggest.py", lang="en", initiatief=target["id"])
    assert [t.value for t in at.title] == ["Report a mistake"]
    assert any(target["name"][:10] in m.value for m in at.markdown)
    assert qp(at, "initiatief") == [target["id"]]
    assert not [w for w in at.text_input if w.key == "sg_name"], "a correction asks what is wrong, not a new name"


def test_the_map_popups_and_cards_link_to_report_a_mistake(app_env: Path) -> None:
    from tests.test_pages import html_bodies, map_args

    at = run(lang="en")
    script = map_args(at)["script"]
    assert "meld?lang=en&amp;initiatief=" in script and 'target=\"_top\"' in script or "target=\\\"_top" in script or "_top" in script
    at = run("pages/nearby.py", q="Buurtwerk De Wijk", lang="en")
    cards = [b for b in html_bodies(at) if 'class="sm-card"' in b]
    assert cards and all('meld?lang=en&amp;initiatief=' in c and 'target="_top"' in c for c in cards)
    assert all("Last checked" in c or "Not checked yet" in c for c in cards)


@pytest.mark.parametrize("lang", ["nl", "en", "fr", "tr", "ar", "pl", "es", "uk"])
def test_team_and_suggest_pages_in_every_language(app_env: Path, lang: str) -> None:
    run("pages/suggest.py", lang=lang)
    at = run("pages/team.py", lang=lang)
    at = sign_in(at, "an")
    for section in ("import", "meldingen", "controle", "wijzigingen", "buurtwerken"):
        at.button_group(key="tm_section").set_value(section)
        check(at.run())


def test_hostile_data_on_the_team_page_is_shown_as_text(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_pages import HOSTILE_SEED, _raw_hostile, html_bodies

    monkeypatch.setenv("SEED_DIR", str(HOSTILE_SEED))
    hostile = the_store().initiatives()
    hostile_ids = hostile["id"].tolist()
    the_store().update("initiatives", hostile_ids[0], {"phone": "03 123 45 67"}, version=1,
                       who="<img src=x onerror=alert(1)>")  # fmt: skip
    at = sign_in(run("pages/team.py", lang="ar"), "an")
    for section, params in (("initiatieven", {"id": hostile_ids[0]}), ("wijzigingen", {}), ("controle", {})):
        page = run("pages/team.py", lang="ar", deel=section, **params)
        page = sign_in(page, "an") if not [b for b in page.button if b.key == "tm_signout"] else page
        for body in html_bodies(page):
            assert not _raw_hostile(body), (section, _raw_hostile(body), body[:300])
        for element in [*page.markdown, *page.caption, *page.subheader]:  # markdown: escaped with a backslash
            assert not re.search(r"(?<!\\)<img", element.value) and "](javascript:" not in element.value, element.value
    assert at.title
