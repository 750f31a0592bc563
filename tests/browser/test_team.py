"""The team's journeys in Chromium, signed in for real through a local OpenID Connect provider.

One app server per store (real seed data, no tiles): the journeys run on SQLite, then again on a
fresh PostgreSQL schema (deselected without ``TEST_DATABASE_URL``, failing with
``REQUIRE_POSTGRES=1``). Its secrets file (a temporary one, given with ``--secrets.files``) has
an ``[auth]`` section pointing at an ``oidc-provider-mock`` started here, and an allow-list of
two editors. Each test signs in through the provider's own authorisation page, as a person would.
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy import processes
from deploy.processes import AppServer
from solidarity.model import INITIATIVE_COLUMNS
from solidarity.suggestions import MIN_FILL_S
from tests.browser.conftest import (
    REAL_SEED,
    act,
    new_page,
    poll,
    screenshot,
    server_env,
    stop_server,
    wait_for_map,
    wait_for_run,
)

EDITORS = {"an@saamo.be": "admin", "piet@saamo.be": "editor"}
USERS = {"an": "an@saamo.be", "piet": "piet@saamo.be", "iemand": "iemand@example.org"}
TIMEOUT = 30_000


@pytest.fixture(scope="session")
def oidc_provider(browser: Any) -> Iterator[str]:
    """A real OpenID Connect provider on a free port (its users: an, piet, iemand); its issuer URL."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims={"email": email, "email_verified": True}) for sub, email in USERS.items()]
    with run_server_in_thread(port=processes.free_port(), user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def store_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """The team server's store: "" for its own SQLite file, or the URL of a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield ""
        return
    from tests.conftest import PgSchemas, need_postgres

    need_postgres()
    schemas = PgSchemas()
    try:
        yield schemas.new()
    finally:
        schemas.drop_all()


@pytest.fixture(scope="session")
def app_team(oidc_provider: str, store_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app on the real seed with sign-in through ``oidc_provider``; never touches the repository's .streamlit/."""
    tmp = tmp_path_factory.mktemp("server-team")
    port = processes.free_port()
    secrets_file = tmp / "secrets.toml"
    editors = "\n".join(f'"{email}" = "{role}"' for email, role in EDITORS.items())
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "solidariteitskaart-test"\n'
        'client_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n'
        f"[team.editors]\n{editors}\n"
    )
    env = server_env(tmp, REAL_SEED, tiles=False) | {"AUTHLIB_INSECURE_TRANSPORT": "1"}  # the provider speaks http
    if store_db:
        env["DATABASE_URL"] = store_db
    server = processes.start_server("team", tmp / "streamlit.log", env, port=port,
                                         extra_args=["--secrets.files", str(secrets_file)])  # fmt: skip
    server.url = f"http://localhost:{port}"  # the redirect_uri's host: the sign-in cookie belongs to it
    yield server
    stop_server(server)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies: its own sign-in)."""
    made = browser.new_context(viewport={"width": 1366, "height": 900}, service_workers="block")
    yield made
    made.close()


def the_store(server: AppServer) -> Any:
    from solidarity.store import Store

    store = Store(server.env["DATABASE_URL"])
    store.ensure_seeded(Path(server.env["SEED_DIR"]))  # as the server does on its first page (seeded once)
    return store


def sign_in(context: Any, server: AppServer, user: str = "an", path: str = "/beheer") -> Any:
    """Sign in on /beheer through the provider's page, as ``user``; returns the recorded page on ``path``."""
    opened = new_page(context, server.page_url("/beheer"))
    page = opened.page
    wait_for_run(page, timeout=60)
    page.locator(".st-key-tm_oidc_login button").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=TIMEOUT)
    page.locator(f'button[name="sub"][value="{user}"]').first.click()
    page.wait_for_url(f"{server.url}/**", timeout=TIMEOUT)
    page.goto(server.page_url(path), wait_until="domcontentloaded")
    wait_for_run(page, timeout=60)
    return opened


def field(page: Any, name: str) -> Any:
    return page.locator(f".st-key-tm_f_{name} input, .st-key-tm_f_{name} textarea").first


def click(page: Any, key: str) -> None:
    act(page, lambda: page.locator(f".st-key-{key} button").first.click(), timeout=60)


def fill(page: Any, key: str, value: str) -> None:
    """Type into a text widget and leave it (Streamlit takes the value on blur)."""
    box = page.locator(f".st-key-{key} input, .st-key-{key} textarea").first
    box.fill(value)
    act(page, lambda: box.press("Tab"), timeout=60)


def public_list_text(context: Any, server: AppServer, query: str) -> str:
    """The explore page's list for the search ``query`` (what a visitor sees), as text."""
    opened = new_page(context, server.page_url("/", q=query, lang="nl"))
    wait_for_run(opened.page, timeout=60)
    wait_for_map(opened.page, points=False)
    text = opened.page.locator("[data-testid='stMain']").inner_text()
    opened.page.close()
    return text


EDIT_WORDS = ("Bewaren", "Archiveren", "Importeren", "Nog juist", "Goedkeuren en publiceren", "Initiatief toevoegen")


def test_a_visitor_finds_no_way_to_change_anything(app_team: AppServer, context: Any) -> None:
    from ui.nav import url_paths

    for path in url_paths():
        opened = new_page(context, app_team.page_url(path))
        page = opened.page
        wait_for_run(page, timeout=60)
        main = page.locator("[data-testid='stMain']")
        buttons = {b.strip() for b in main.locator("button").all_inner_texts()}
        assert not buttons & set(EDIT_WORDS), (path, buttons)
        assert page.locator("[data-testid='stFileUploader']").count() == 0, path
        if path == "/beheer":
            assert page.locator(".st-key-tm_oidc_login button").count() == 1, "the sign-in, and nothing else"
            inputs = page.evaluate(
                "() => [...document.querySelectorAll('[data-testid=stMain] input, [data-testid=stMain] textarea')]"
                ".filter((e) => !e.closest('.st-key-language_picker')).length"
            )
            assert inputs == 0, "no field to fill in but the language"
        assert opened.errors == [], (path, opened.errors)
        page.close()


def test_sign_in_through_the_provider_and_the_allow_list(app_team: AppServer, browser: Any) -> None:
    outsider = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = sign_in(outsider, app_team, "iemand").page
        page.get_by_text("iemand@example.org staat niet op de lijst van het team").wait_for(timeout=TIMEOUT)
        assert page.locator(".st-key-tm_section").count() == 0, "signed in but not on the list: no edit controls"
    finally:
        outsider.close()
    member = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = sign_in(member, app_team, "an").page
        page.get_by_text("Aangemeld als an@saamo.be (Beheerder)").wait_for(timeout=TIMEOUT)
        assert page.locator(".st-key-tm_section").count() == 1
        page.locator(".st-key-tm_signout button").click()  # Streamlit signs out at the provider too
        page.wait_for_url("**/oauth2/end_session**", timeout=TIMEOUT)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(f"{app_team.url}/**", timeout=TIMEOUT)
        page.goto(app_team.page_url("/beheer"), wait_until="domcontentloaded")
        wait_for_run(page, timeout=60)
        page.locator(".st-key-tm_oidc_login button").wait_for(timeout=TIMEOUT)
        assert page.locator(".st-key-tm_section").count() == 0, "signed out: the sign-in again"
    finally:
        member.close()


def test_add_an_initiative_by_address_and_see_it_on_the_public_map(app_team: AppServer, context: Any) -> None:
    page = sign_in(context, app_team, "piet", "/beheer?id=%2B").page
    field(page, "name").wait_for(timeout=TIMEOUT)
    fill(page, "tm_f_name", "Repaircafé Willy")
    fill(page, "tm_f_address", "Buurtwerk De Wijk")
    click(page, "tm_lookup")
    poll(page, lambda: field(page, "lat").input_value().startswith("51.22"), timeout=20)
    fill(page, "tm_f_source_url", "https://example.org/repaircafe-willy")
    click(page, "tm_save")
    page.get_by_text("Bewaard. De publieke kaart toont het nu.").wait_for(timeout=TIMEOUT)
    assert "Repaircafé Willy" in public_list_text(context, app_team, "Repaircafé Willy")
    record = the_store(app_team).record("initiatives", "repaircafe-willy")
    assert record is not None and abs(record.row["lat"] - 51.2245) < 0.001, "the looked-up point was saved"
    assert the_store(app_team).history("repaircafe-willy")[-1].who == "piet@saamo.be"


def csv_file(tmp: Path, name: str, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")  # as a Belgian Excel writes it
    writer.writerow(INITIATIVE_COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in INITIATIVE_COLUMNS])
    path = tmp / name
    path.write_bytes(out.getvalue().encode("cp1252"))
    return path


def import_rows(broken: bool) -> list[dict[str, str]]:
    rows = []
    for i in range(3):
        rows.append({"id": f"import-{i}", "name": f"Geïmporteerd initiatief {i}", "solidarity_type": "direct",
                     "category": "food", "lat": "51.2201", "lon": f"{4.41 + i / 100:.4f}", "location_precision": "street",
                     "source_url": f"https://example.org/import-{i}"})  # fmt: skip
    if broken:
        rows[1]["lat"] = "48.85"  # Paris
        rows[2]["source_url"] = "javascript:alert(1)"
    return rows


def upload(page: Any, path: Path) -> None:
    """Choose the file (its upload causes a run), wait until the uploader names it, then check it."""
    act(page, lambda: page.locator(".st-key-tm_upload input[type=file]").set_input_files(str(path)), timeout=60)
    page.locator(".st-key-tm_upload").get_by_text(path.name, exact=True).wait_for(timeout=TIMEOUT)
    page.locator(".st-key-tm_check button").wait_for(timeout=TIMEOUT)
    click(page, "tm_check")


def test_import_with_errors_fix_import_and_undo(app_team: AppServer, context: Any, tmp_path: Path) -> None:
    page = sign_in(context, app_team, "an", "/beheer?deel=import").page
    before = the_store(app_team).data_version()
    upload(page, csv_file(tmp_path, "lijst.csv", import_rows(broken=True)))
    page.get_by_text("1 toe te voegen, 0 te wijzigen, 0 ongewijzigd, 2 met fouten").wait_for(timeout=TIMEOUT)
    assert page.locator(".st-key-tm_import").count() == 0, "no import while the file has errors"
    assert the_store(app_team).data_version() == before, "the check changed nothing"
    upload(page, csv_file(tmp_path, "lijst-verbeterd.csv", import_rows(broken=False)))
    page.get_by_text("Geen fouten: het bestand kan geïmporteerd worden.").wait_for(timeout=TIMEOUT)
    click(page, "tm_import")
    page.get_by_text("Geïmporteerd: 3 toegevoegd, 0 gewijzigd").wait_for(timeout=TIMEOUT)
    assert "Geïmporteerd initiatief 1" in public_list_text(context, app_team, "Geïmporteerd initiatief")
    page.get_by_text("lijst-verbeterd.csv, 3 rijen, door an@saamo.be").wait_for(timeout=TIMEOUT)
    click(page, "tm_undo")
    page.get_by_text("Import ongedaan gemaakt: 3 rijen zijn weer zoals ervoor.").wait_for(timeout=TIMEOUT)
    assert "Geïmporteerd initiatief" not in public_list_text(context, app_team, "Geïmporteerd initiatief")


def test_a_suggestion_through_moderation_to_the_map(app_team: AppServer, context: Any, browser: Any) -> None:
    resident = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        opened = new_page(resident, app_team.page_url("/meld"))
        page = opened.page
        wait_for_run(page, timeout=60)
        shown = time.monotonic()  # the first run has stored when the form was shown (ui.suggest.SHOWN_AT)
        fill(page, "sg_name", "Soepbar Sint-Jan")
        fill(page, "sg_description", "Elke vrijdag soep en een praatje.")
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        frame.locator(".leaflet-container").first.wait_for(timeout=TIMEOUT)
        act(page, lambda: frame.locator(".leaflet-container").first.click(position={"x": 180, "y": 120}), timeout=60)
        page.get_by_text("Het punt:").wait_for(timeout=TIMEOUT)
        fill(page, "sg_contact", "https://example.org/soepbar")
        fill(page, "sg_reporter_contact", "bewoner@example.org")
        # The form refuses what is sent faster than a person types (solidarity.suggestions.MIN_FILL_S).
        page.wait_for_timeout(max(0.0, MIN_FILL_S + 1.0 - (time.monotonic() - shown)) * 1000)
        click(page, "sg_send")
        page.get_by_text("Dank je! Het team bekijkt het.").wait_for(timeout=TIMEOUT)
    finally:
        resident.close()
    assert "Soepbar Sint-Jan" not in public_list_text(context, app_team, "Soepbar"), "nothing public before approval"
    (pending,) = [s for s in the_store(app_team).suggestions() if s.name == "Soepbar Sint-Jan"]
    page = sign_in(context, app_team, "piet", f"/beheer?deel=meldingen&melding={pending.n}").page
    page.get_by_text("bewoner@example.org").wait_for(timeout=TIMEOUT)
    poll(page, lambda: field(page, "source_url").input_value() == "https://example.org/soepbar", timeout=20)
    click(page, "tm_save")
    page.get_by_text("Bewaard. De publieke kaart toont het nu.").wait_for(timeout=TIMEOUT)
    listed = public_list_text(context, app_team, "Soepbar")
    assert "Soepbar Sint-Jan" in listed and "bewoner@example.org" not in listed


def test_a_second_editors_conflicting_edit_is_refused_and_shown(app_team: AppServer, browser: Any) -> None:
    target = the_store(app_team).initiatives()["id"].iloc[3]
    contexts = [browser.new_context(viewport={"width": 1366, "height": 900}) for _ in range(2)]
    try:
        first = sign_in(contexts[0], app_team, "an", f"/beheer?id={target}").page
        second = sign_in(contexts[1], app_team, "piet", f"/beheer?id={target}").page
        for page in (first, second):
            field(page, "phone").wait_for(timeout=TIMEOUT)
        fill(first, "tm_f_phone", "03 111 11 11")
        click(first, "tm_save")
        first.get_by_text("Bewaard.").wait_for(timeout=TIMEOUT)
        fill(second, "tm_f_phone", "03 222 22 22")
        click(second, "tm_save")
        second.get_by_text("an@saamo.be wijzigde dit intussen").wait_for(timeout=TIMEOUT)
        table = second.locator(".sm-conflict").inner_text()
        assert "03 111 11 11" in table and "03 222 22 22" in table
        assert the_store(app_team).record("initiatives", target).row["phone"] == "03 111 11 11"
        click(second, "tm_theirs")
        poll(second, lambda: field(second, "phone").input_value() == "03 111 11 11", timeout=20)
    finally:
        for made in contexts:
            made.close()


@pytest.mark.parametrize("store_db", ["sqlite"], indirect=True)  # what the page looks like does not depend on the store
@pytest.mark.parametrize("lang", ["nl", "ar"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_screenshots_of_the_team_page_and_the_form(app_team: AppServer, browser: Any, lang: str, viewport: str) -> None:
    size = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}[viewport]
    made = browser.new_context(viewport=size)
    try:
        opened = new_page(made, app_team.page_url("/meld", lang=lang))
        wait_for_run(opened.page, timeout=60)
        wait_for_map(opened.page, points=False)
        screenshot(opened.page, f"meld-{lang}-{viewport}")
        page = sign_in(made, app_team, "an", f"/beheer?lang={lang}&id=co-nova").page
        field(page, "name").wait_for(timeout=TIMEOUT)
        wait_for_map(page, points=False)
        assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
        screenshot(page, f"beheer-{lang}-{viewport}")
        assert opened.errors == []
    finally:
        made.close()
