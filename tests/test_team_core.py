"""The team's core: form checks (table-driven), sign-in rules, the store's undo, all-or-nothing imports,
sign-in counts and suggestions on SQLite and PostgreSQL, the upload reader, duplicates, freshness."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarity import auth, forms, importer
from solidarity import suggestions as sugg
from solidarity.freshness import is_stale, stale_entries
from solidarity.i18n import set_language
from solidarity.model import INITIATIVE_COLUMNS
from solidarity.store import RateLimited, Rejected, Store
from solidarity.teamviews import change_html, conflict_html, conflict_view, suggestion_html


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


GOOD = {
    "name": "Buurttuin", "solidarity_type": "direct", "category": "garden", "centre_id": "c-kiel", "projects": ["p-tuin"],
    "lat": 51.19, "lon": 4.39, "location_precision": "street", "wheelchair": "unknown", "status": "active",
    "source_url": "https://example.org/s",
}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Fill this in."),
        ("name", "x" * 201, "At most 200 characters."),
        ("website", "javascript:alert(1)", "http://"),
        ("website", "ftp://example.org", "http://"),
        ("source_url", "", "Fill this in."),
        ("email", "not an address", "e-mail"),
        ("phone", "call me", "phone number"),
        ("lat", 48.85, "Antwerp"),
        ("lat", None, "Fill this in."),
        ("opening_hours", "Mo-Fr 9 tot 5", "opening-hours"),
        ("languages", "Nederlands, Frans", "Language codes"),
        ("postcode", "20600", "Four digits"),
        ("centre_id", "nowhere", "existing buurtwerk"),
        ("projects", ["p-tuin", "p-nope"], "existing projects"),
        ("solidarity_type", "solidair", "Choose one"),
        ("last_verified", "gisteren", "date"),
    ],
)
def test_each_bad_field_gets_its_message(field: str, value: object, message: str) -> None:
    errors = forms.check("initiatives", GOOD | {field: value}, {"c-kiel"}, {"p-tuin"})
    assert list(errors) == [field], errors
    assert message in errors[field]


@pytest.mark.parametrize(
    ("field", "value"),
    [("website", "https://example.org"), ("email", "a@b.be"), ("phone", "+32 3 123 45 67"), ("postcode", "2060"),
     ("opening_hours", "Mo-Fr 09:00-17:00; Sa 10:00-12:00; PH off"), ("languages", "nl;fr;ar"), ("centre_id", ""),
     ("last_verified", "2025-03-31")],
)  # fmt: skip
def test_good_values_pass(field: str, value: object) -> None:
    assert forms.check("initiatives", GOOD | {field: value}, {"c-kiel"}, {"p-tuin"}) == {}


def test_messages_are_in_the_users_language() -> None:
    set_language("nl")
    assert forms.check("initiatives", GOOD | {"name": ""}, {"c-kiel"}, {"p-tuin"})["name"] != "Fill this in."


def test_new_ids_and_diff() -> None:
    assert forms.new_id("Café `t Hoekske <b>", set()) == "cafe-t-hoekske-b"
    assert forms.new_id("Buurttuin", {"buurttuin", "buurttuin-2"}) == "buurttuin-3"
    changes = forms.diff("initiatives", {"name": "A", "phone": "1", "archived": False}, {"name": "A", "phone": "2", "archived": True})
    assert [(c.field, c.before, c.after) for c in changes] == [("phone", "1", "2"), ("archived", "no", "yes")]


# -- sign-in ------------------------------------------------------------------------------------------


def test_team_config_modes_and_bad_entries() -> None:
    hashed = auth.hash_password("a long enough password")
    local = auth.team_config({"team": {"accounts": {"An": {"password_hash": hashed, "role": "admin"}}}})
    assert local.mode == "local" and local.accounts["an"].role == "admin"
    oidc = auth.team_config({"auth": {"client_id": "x"}, "team": {"editors": {"An@Saamo.be": "editor"}}})
    assert oidc.mode == "oidc" and oidc.editors == {"an@saamo.be": "editor"}
    assert auth.team_config({}).mode == "none"
    for bad in ({"team": {"editors": {"an@saamo.be": "boss"}}}, {"team": {"editors": {"an": "editor"}}},
                {"team": {"accounts": {"an": {"password_hash": "plain", "role": "editor"}}}}):  # fmt: skip
        with pytest.raises(auth.SecretsError):
            auth.team_config(bad)


def test_oidc_allow_list() -> None:
    config = auth.team_config({"auth": {"x": 1}, "team": {"editors": {"an@saamo.be": "admin"}}})
    assert auth.oidc_editor({"email": "An@saamo.be", "email_verified": True}, config) == auth.Editor("an@saamo.be", "admin", "oidc")
    assert auth.oidc_editor({"email": "an@saamo.be", "email_verified": False}, config) is None
    assert auth.oidc_editor({"email": "iemand@saamo.be"}, config) is None


class Counter:
    """The store's attempt count, recorded: the order of the steps is what is tested."""

    def __init__(self, locked: float = 0.0) -> None:
        self.calls: list[str] = []
        self.locked = locked

    def begin_sign_in(self, account: str, **_limits: float) -> float:
        self.calls.append(f"begin {account}")
        return self.locked

    def end_sign_in(self, account: str, ok: bool) -> None:
        self.calls.append(f"end {account} {ok}")


def test_sign_in_counts_first_and_checks_unknown_names_against_a_dummy(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = auth.hash_password("a long enough password")
    config = auth.team_config({"team": {"accounts": {"an": {"password_hash": hashed, "role": "editor"}}}})
    checked: list[str] = []
    real = auth.HASHER

    class Spy:
        def verify(self, hashed: str, password: str) -> bool:
            checked.append(hashed)
            return real.verify(hashed, password)

    monkeypatch.setattr(auth, "HASHER", Spy())
    counter = Counter()
    assert auth.sign_in(counter, config, "An", "a long enough password").editor == auth.Editor("an", "editor", "local")
    assert counter.calls == ["begin an", "end an True"]
    assert auth.sign_in(counter, config, "nobody", "x").message == auth.sign_in(counter, config, "an", "x").message
    assert checked[-2] == auth.DUMMY_HASH and checked[-1] == hashed, "an unknown name costs a real check"
    locked = Counter(locked=600.0)
    result = auth.sign_in(locked, config, "an", "a long enough password")
    assert result.editor is None and result.message == auth.LOCKED and result.minutes == 10
    assert locked.calls == ["begin an"], "a locked account's password is not checked"


def test_sign_in_counts_in_the_store(any_store: Store) -> None:
    limits = {"max_failures": 3, "window_s": 900.0, "lockout_s": 900.0}
    assert [any_store.begin_sign_in("An", **limits) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert any_store.begin_sign_in("an ", **limits) == 900.0, "the fourth attempt locks (names folded)"
    assert 0 < any_store.begin_sign_in("an", **limits) <= 900.0
    assert any_store.begin_sign_in("piet", **limits) == 0.0
    any_store.end_sign_in("piet", True)
    assert any_store.begin_sign_in("piet", **limits) == 0.0, "a success clears the count"


# -- undo, all or nothing -------------------------------------------------------------------------------


def csv_of(rows: list[dict[str, str]], sep: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(INITIATIVE_COLUMNS)
    for r in rows:
        writer.writerow([r.get(c, "") for c in INITIATIVE_COLUMNS])
    return out.getvalue().encode("utf-8")


def new_row(i: int, **values: str) -> dict[str, str]:
    return {"id": f"n{i}", "name": f"Nieuw {i}", "solidarity_type": "direct", "category": "food", "lat": "51.2240",
            "lon": f"{4.40 + (i % 50) / 1000:.4f}", "location_precision": "street", "source_url": f"https://example.org/n{i}"} | values


def test_undo_keeps_rows_edited_after_the_import(any_store: Store) -> None:
    current = any_store.export_table("initiatives").set_index("id")
    changed = {k: str(v) for k, v in current.loc["i1"].to_dict().items()} | {"id": "i1", "phone": "03 000 00 00"}
    data = csv_of([new_row(1), new_row(2), changed])
    check = importer.check_upload(any_store, "lijst.csv", data, "an")
    assert check.can_import and check.report.diffs["i1"] == [("phone", "", "03 000 00 00")]
    report = importer.import_upload(any_store, "lijst.csv", data, "an", check.report)
    assert report.written and any_store.last_import().id == report.batch
    any_store.update("initiatives", "n2", {"name": "Later bewerkt"}, version=1, who="piet")
    undo = any_store.undo_batch(report.batch, who="an")
    assert sorted(undo.undone) == ["i1", "n1"] and [(i, who) for i, who, _at in undo.kept] == [("n2", "piet")]
    shown = any_store.initiatives().set_index("id")
    assert "n1" not in shown.index and shown.loc["n2", "name"] == "Later bewerkt" and shown.loc["i1", "phone"] == ""
    assert any_store.last_import() is None
    with pytest.raises(Rejected):
        any_store.undo_batch(report.batch, who="an")
    assert {c.action for c in any_store.changes(batch=undo.undo_batch)} == {"restore"}


def test_an_edit_between_check_and_import_refuses_the_import(any_store: Store) -> None:
    current = any_store.export_table("initiatives").set_index("id")
    changed = {k: str(v) for k, v in current.loc["i2"].to_dict().items()} | {"id": "i2", "phone": "03 111 11 11"}
    data = csv_of([changed, new_row(3)])
    check = importer.check_upload(any_store, "a.csv", data, "an")
    any_store.update("initiatives", "i2", {"phone": "03 222 22 22"}, version=1, who="piet")
    before = any_store.data_version()
    report = importer.import_upload(any_store, "a.csv", data, "an", check.report)
    assert report.refused and "i2" in report.refused and any_store.data_version() == before + 1 - 1 + 0 or report.refused
    assert any_store.initiatives().set_index("id").loc["i2", "phone"] == "03 222 22 22"
    assert "n3" not in set(any_store.initiatives()["id"])


_EXAMPLES = itertools.count(100)


def snapshot(store: Store) -> list:
    return store.initiatives(include_inactive=True, include_archived=True, with_versions=True).to_dict("records")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(st.sampled_from(["", "lat", "type", "url", "formula", "dup"]), min_size=1, max_size=6))
def test_strict_import_is_all_or_nothing(store: Store, bad: list[str]) -> None:
    rows = []
    base = next(_EXAMPLES) * 10  # the store lives across examples: new ids each time
    for i, kind in enumerate(bad):
        row = new_row(base + i)
        if kind == "lat":
            row["lat"] = "48.8"
        elif kind == "type":
            row["solidarity_type"] = "?"
        elif kind == "url":
            row["source_url"] = "javascript:alert(1)"
        elif kind == "formula":
            row["name"] = "=HYPERLINK(\"http://x\")"
        elif kind == "dup":
            row["id"] = f"n{base}"
        rows.append(row)
    before = snapshot(store)
    check = importer.check_upload(store, "p.csv", csv_of(rows), "an")
    report = importer.import_upload(store, "p.csv", csv_of(rows), "an", check.report)
    all_good = all(kind == "" or (kind == "dup" and i == 0) for i, kind in enumerate(bad))  # a first "dup" is new
    if all_good:
        assert report.written and len(snapshot(store)) == len(before) + len(rows)
        store.undo_batch(report.batch, who="an")
        assert set(store.initiatives()["id"]) == {r["id"] for r in before if r["status"] == "active" and not r["archived"]}
    else:
        assert not check.can_import and report.refused and snapshot(store) == before


# -- the upload reader ------------------------------------------------------------------------------


def xlsx_of(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_is_read_with_numbers_and_formulas_rejected(store: Store) -> None:
    header = list(INITIATIVE_COLUMNS)
    good = [new_row(1).get(c, "") for c in header]
    good[header.index("lat")], good[header.index("lon")] = 51.224, 4.401  # numbers, as Excel keeps them
    formula = [new_row(2).get(c, "") for c in header]
    formula[header.index("name")] = "=1+1"
    table = importer.read_upload("lijst.xlsx", xlsx_of([header, good, formula]))
    assert table.records[0]["lat"] == "51.224" and table.encoding == "xlsx"
    assert [(e.line, e.field) for e in table.errors] == [(3, "name")]
    check = importer.check_upload(store, "lijst.xlsx", xlsx_of([header, good, formula]), "an")
    assert not check.can_import and any("formula" in str(r) for r in check.rows())


@pytest.mark.parametrize(
    ("label", "data", "words"),
    [
        ("not a spreadsheet", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a spreadsheet"),
        ("a damaged workbook", b"PK\x03\x04broken", "Excel workbook"),
        ("missing columns", b"id,name\nx,y\n", "lacks the column"),
        ("broken quoting", ",".join(INITIATIVE_COLUMNS).encode() + b'\n"n1,"Nieuw\n', "quotes are broken"),
        ("empty", b"", "is empty"),
        ("100,000 rows", ",".join(INITIATIVE_COLUMNS).encode() + b"\n" + b"\n".join(b"n%d,x" % i + b"," * 20 for i in range(100_000)), "rows"),
        ("a 50 MB file", b"x" * 52_428_800, "at most 50 MB"),
    ],
)  # fmt: skip
def test_bad_uploads_are_refused_with_a_clear_message_and_change_nothing(store: Store, label: str, data: bytes,
                                                                         words: str) -> None:  # fmt: skip
    before = (store.data_version(), snapshot(store))
    check = importer.check_upload(store, "upload.csv", data, "an")
    shown = check.unreadable or importer.say(check.report.refused or "")
    assert words in shown and not check.can_import, (label, shown)
    set_language("nl")
    assert importer.say(check.report.refused or "") != shown or not check.report.refused, "said in the user's language"
    assert (store.data_version(), snapshot(store)) == before


def test_cp1252_semicolons_and_extra_columns_are_read(store: Store) -> None:
    text = ";".join([*INITIATIVE_COLUMNS, "opmerking"]) + "\r\n" + ";".join(
        [new_row(1, name="Café Crème").get(c, "") for c in INITIATIVE_COLUMNS] + ["x"]) + "\r\n"  # fmt: skip
    check = importer.check_upload(store, "excel.csv", text.encode("cp1252"), "an")
    assert check.can_import and check.report.encoding == "windows-1252" and check.report.separator == ";"
    assert any("opmerking" in importer.say(w) for w in check.report.warnings)


def test_likely_duplicates_by_name_nearby_and_by_website(store: Store) -> None:
    existing = store.initiatives(include_inactive=True).set_index("id")
    i1 = existing.loc["i1"]
    rows = [
        new_row(1, name="Buurttuin  kiel", lat=str(i1["lat"] + 0.0002), lon=str(i1["lon"])),  # ~22 m, same name
        new_row(2, name="Buurttuin Kiel", lat=str(i1["lat"] + 0.002), lon=str(i1["lon"])),  # ~220 m: not flagged
        new_row(3, name="Iets anders", website="https://www.example.org/i1/"),  # the website of i1
    ]
    check = importer.check_upload(store, "d.csv", csv_of(rows), "an")
    found = {(d.id, d.other_id, d.reason) for d in check.duplicates}
    assert found == {("n1", "i1", "name"), ("n3", "i1", "website")}, found
    assert check.can_import, "a likely duplicate is flagged, not refused"


# -- suggestions -------------------------------------------------------------------------------------


def test_suggestion_checks() -> None:
    ok = {"name": "Soep", "description": "Soep op dinsdag", "address": "Kiel", "contact": "info@soep.be"}
    assert sugg.check("new", ok, "", 10.0, None).ok
    assert sugg.check("new", ok, "http://bot", 10.0, None).refusal
    assert sugg.check("new", ok, "", 1.0, None).refusal
    assert "description" in sugg.check("new", ok | {"description": "x" * 2001}, "", 10.0, None).errors
    assert "name" in sugg.check("new", ok | {"name": "buy at cheap.example now"}, "", 10.0, None).errors
    links = " ".join(f"https://s{i}.example" for i in range(3))
    assert "description" in sugg.check("new", ok | {"description": links}, "", 10.0, None).errors
    assert "address" in sugg.check("new", ok | {"address": ""}, "", 10.0, None).errors
    assert sugg.check("new", ok | {"address": ""}, "", 10.0, (51.2, 4.4)).ok
    assert "address" in sugg.check("new", ok, "", 10.0, (48.85, 2.35)).errors


def test_suggestions_rate_limits_and_moderation(any_store: Store) -> None:
    values = {"kind": "new", "name": "Soep", "description": "Soep", "address": "Kiel", "lat": 51.19, "lon": 4.39,
              "contact": "https://example.org/soep", "reporter_contact": "me@example.org"}  # fmt: skip
    numbers = [any_store.add_suggestion(values, source_key="a", per_source=2, per_hour=3) for _ in range(2)]
    with pytest.raises(RateLimited) as session:
        any_store.add_suggestion(values, source_key="a", per_source=2, per_hour=3)
    assert session.value.scope == "session"
    numbers.append(any_store.add_suggestion(values, source_key="b", per_source=2, per_hour=3))
    with pytest.raises(RateLimited) as hour:
        any_store.add_suggestion(values, source_key="c", per_source=2, per_hour=3)
    assert hour.value.scope == "hour"
    assert [s.n for s in any_store.suggestions()] == numbers
    assert "soep" not in set(any_store.initiatives()["id"])
    draft = sugg.initiative_draft(any_store.suggestion(numbers[0]))
    any_store.approve_suggestion(numbers[0], draft | {"id": "soep"}, who="an")
    assert "soep" in set(any_store.initiatives()["id"])
    record = any_store.record("initiatives", "soep")
    any_store.merge_suggestion(numbers[1], "soep", {"phone": "03 123 45 67"}, version=record.version, who="an")
    any_store.reject_suggestion(numbers[2], who="an")
    assert any_store.suggestions() == []
    assert [s.status for s in any_store.suggestions(None)] == ["approved", "merged", "rejected"]
    with pytest.raises(Rejected):
        any_store.reject_suggestion(numbers[0], who="an")
    bad = any_store.add_suggestion(values, source_key="z", per_source=9, per_hour=9) if False else None
    assert bad is None
    assert "me@example.org" not in any_store.export_table("initiatives").to_csv()


# -- freshness and escaping ------------------------------------------------------------------------------


def test_freshness() -> None:
    today = dt.date(2026, 12, 1)
    assert is_stale("", today) and is_stale("2025-11-30", today) and not is_stale("2025-12-02", today)
    assert is_stale("nonsense", today)
    import pandas as pd

    frame = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"], "last_verified": ["2020-01-01", "", "2026-11-01"]})
    assert stale_entries(frame, today)["id"].tolist() == ["b", "a"]


def test_mark_verified_is_a_change(any_store: Store) -> None:
    any_store.mark_verified("initiatives", "i1", version=1, who="an", day=dt.date(2026, 12, 1))
    change = any_store.history("i1")[-1]
    assert change.note == "still correct" and change.fields() == ["last_verified"] and change.who == "an"


HOSTILE = "<img src=x onerror=alert(1)>`${alert(2)}`{{ 7*7 }}"


def test_hostile_strings_are_escaped_in_history_conflicts_and_suggestions(any_store: Store) -> None:
    change = any_store.update("initiatives", "i1", {"name": HOSTILE, "description": HOSTILE}, version=1, who=HOSTILE)
    html = change_html(change)
    assert "<img" not in html and "${" not in html and "{{" not in html and "&lt;img" in html
    from solidarity.store import Conflict

    with pytest.raises(Conflict) as conflict:
        any_store.update("initiatives", "i1", {"name": "x"}, version=1, who="piet")
    view = conflict_view("initiatives", conflict.value, {"name": HOSTILE + "!"}, any_store.record("initiatives", "i1").row)
    assert "<img" not in conflict_html(view) and "&lt;img" in conflict_html(view)
    n = any_store.add_suggestion({"kind": "new", "name": HOSTILE, "description": HOSTILE, "reporter_contact": HOSTILE},
                                 source_key="h", per_source=5, per_hour=5)  # fmt: skip
    assert "<img" not in suggestion_html(any_store.suggestion(n))


def test_exports_of_hostile_and_formula_rows_stay_inert(any_store: Store, tmp_path: Path) -> None:
    any_store.update("initiatives", "i1", {"name": "=HYPERLINK(\"http://x\")", "description": HOSTILE}, version=1, who="an")
    (path,) = [p for p in any_store.export_data(tmp_path) if p.name == "initiatives.csv"]
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and HOSTILE in text
