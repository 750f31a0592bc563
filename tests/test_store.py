"""The store: the seed (a one-time import), the read API, the write path with history and
conflict checks, the key/value cache; table-driven, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from solidarity.model import CENTRE_COLUMNS, INITIATIVE_COLUMNS, PROJECT_COLUMNS, validate_initiatives
from solidarity.store import Conflict, NotFound, Rejected, Store

# -- seed and read API --------------------------------------------------------------------------


def test_seed_loads_good_rows_and_reports_bad_ones(any_store: Store) -> None:
    store = any_store
    initiatives = store.initiatives()
    assert list(initiatives.columns) == list(INITIATIVE_COLUMNS)
    assert list(store.centres().columns) == list(CENTRE_COLUMNS)
    assert list(store.projects().columns) == list(PROJECT_COLUMNS)
    assert set(initiatives["id"]) == {"i1", "i2", "i3", "i4", "i8"}  # i5 inactive, i6 and i7 rejected
    assert set(store.initiatives(include_inactive=True)["id"]) == {"i1", "i2", "i3", "i4", "i5", "i8"}
    errors = store.load_errors()
    where = {(e.source, e.line, e.field) for e in errors}
    assert ("initiatives.csv", 7, "lat") in where
    assert ("initiatives.csv", 8, "solidarity_type") in where
    assert ("projects.csv", 4, "url") in where  # javascript: link rejected
    assert all(str(e).split(":")[0] in ("initiatives.csv", "projects.csv", "translations.csv") for e in errors)


def test_types_lists_and_order(any_store: Store) -> None:
    frame = any_store.initiatives()
    assert frame["lat"].dtype == "float64"
    assert list(frame["id"]) == sorted(frame["id"])
    assert frame.set_index("id").loc["i3", "projects"] == "p-rechten;p-tuin"  # the order of the list is kept
    assert frame.set_index("id").loc["i4", "centre_id"] == "c-noord"
    assert list(any_store.centres()["id"]) == ["c-noord", "c-kiel"]  # the seed file's order
    assert set(any_store.projects()["id"]) == {"p-tuin", "p-rechten"}
    versions = any_store.initiatives(with_versions=True)
    assert list(versions.columns) == [*INITIATIVE_COLUMNS, "version", "archived"]
    assert set(versions["version"]) == {1} and not versions["archived"].any()


def test_seed_is_recorded_as_one_batch(any_store: Store) -> None:
    changes = any_store.changes()
    assert {c.who for c in changes} == {"seed"} and len({c.batch for c in changes}) == 1
    assert {c.table for c in changes} == {"centres", "projects", "initiatives", "translations"}
    assert len([c for c in changes if c.table == "initiatives"]) == 6
    (first,) = any_store.history("i1")
    assert first.action == "create" and first.before is None and first.after["name"] == "Buurttuin Kiel"


def test_reference_to_unknown_centre_or_project_is_an_error() -> None:
    row = {c: "" for c in INITIATIVE_COLUMNS} | {
        "id": "x", "name": "X", "solidarity_type": "direct", "lat": "51.2", "lon": "4.4",
        "location_precision": "street", "source_url": "https://e.org", "centre_id": "nope", "projects": "p1;zz",
    }  # fmt: skip
    result = validate_initiatives([row], centre_ids={"c"}, project_ids={"p1"})
    assert {e.field for e in result.errors} == {"centre_id", "projects"}
    assert result.rows == []


def test_duplicate_ids_and_bad_dates() -> None:
    base = {c: "" for c in INITIATIVE_COLUMNS} | {
        "id": "x", "name": "X", "solidarity_type": "direct", "lat": "51.2", "lon": "4.4",
        "location_precision": "street", "source_url": "https://e.org",
    }  # fmt: skip
    result = validate_initiatives([base, base, base | {"id": "y", "last_verified": "2024-13-45"}])
    assert len(result.rows) == 1
    assert [(e.line, e.field) for e in result.errors] == [(3, "id"), (4, "last_verified")]


def copy_seed(seed_dir: Path, target: Path, leave_out: tuple[str, ...] = ()) -> Path:
    target.mkdir()
    for path in seed_dir.iterdir():
        if path.name not in leave_out:
            shutil.copy(path, target / path.name)
    return target


def test_missing_seed_file_refuses_the_seed_and_the_next_start_seeds(tmp_path: Path, seed_dir: Path) -> None:
    work = copy_seed(seed_dir, tmp_path / "seed", leave_out=("initiatives.csv",))
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    report = store.ensure_seeded(work)
    assert report is not None and report.refused and "initiatives.csv" in report.refused
    assert store.is_empty() and store.centres().empty  # all or nothing
    assert [(e.source, e.field) for e in store.load_errors()] == [("initiatives.csv", "(file)")]
    shutil.copy(seed_dir / "initiatives.csv", work / "initiatives.csv")
    report = store.ensure_seeded(work)  # the next start, with the file back
    assert report is not None and report.refused is None and report.counts["initiatives"] == 6


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"\x81\x8d\x8f\x90 not text", "neither UTF-8 nor Windows-1252"),
        (b"PK\x03\x04 workbook", "workbook"),
        (b"", "is empty"),
        ((b"id,name,solidarity_type,lat,lon,location_precision,source_url\n"
          b"x,Bad,solidair,51.2,4.4,street,https://e.org\n"), "none of its 1 rows"),
    ],
    ids=["not-text", "xlsx", "empty", "all-rows-fail"],
)  # fmt: skip
def test_unreadable_or_all_failing_seed_file_is_refused(tmp_path: Path, seed_dir: Path, content: bytes,
                                                        expect: str) -> None:  # fmt: skip
    work = copy_seed(seed_dir, tmp_path / "seed")
    (work / "initiatives.csv").write_bytes(content)
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    report = store.ensure_seeded(work)
    assert report is not None and expect in (report.refused or ""), report.refused
    assert store.is_empty()
    assert any(e.source == "initiatives.csv" and e.field == "(file)" for e in store.load_errors())


def test_seed_in_windows_1252_with_semicolons_reads_correctly(tmp_path: Path, seed_dir: Path) -> None:
    work = copy_seed(seed_dir, tmp_path / "seed")
    frame = pd.read_csv(seed_dir / "initiatives.csv", dtype=str, keep_default_na=False)
    frame.to_csv(work / "initiatives.csv", sep=";", index=False, encoding="cp1252", errors="replace")
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    store.ensure_seeded(work)
    assert store.initiatives().set_index("id").loc["i8", "name"] == "Rue Accentuée Café"


def test_seed_once_and_an_edited_store_is_never_reseeded(db_url: str, tmp_path: Path, seed_dir: Path) -> None:
    work = copy_seed(seed_dir, tmp_path / "seed")
    store = Store(db_url)
    assert store.ensure_seeded(work) is not None
    assert store.ensure_seeded(work) is None  # unchanged: nothing loaded
    store.update("initiatives", "i2", {"phone": "03 123 45 67"}, version=1, who="team@example.org")
    version = store.data_version()
    frame = pd.read_csv(work / "initiatives.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["id"] == "i1", "name"] = "Buurttuin Kiel (nieuw)"
    frame = frame[frame["id"] != "i2"]
    frame.to_csv(work / "initiatives.csv", index=False)
    assert store.ensure_seeded(work) is None  # the seed changed: the store keeps its data
    assert Store(db_url).ensure_seeded(work) is None  # and so does a restart
    assert store.data_version() == version
    shown = store.initiatives().set_index("id")
    assert shown.loc["i2", "phone"] == "03 123 45 67"
    assert shown.loc["i1", "name"] == "Buurttuin Kiel"


def test_two_seeds_at_once_seed_once(db_url: str, seed_dir: Path) -> None:
    first, second = Store(db_url), Store(db_url)
    assert first.load_seed(seed_dir).refused is None
    assert "not empty" in second.load_seed(seed_dir).refused
    assert len([c for c in first.changes() if c.table == "initiatives"]) == 6


def test_wal_mode(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_project_seed_files_load_without_errors(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parent.parent / "data"
    report = Store(f"sqlite:///{tmp_path / 'p.sqlite3'}").ensure_seeded(data)
    assert report is not None
    assert report.errors == []
    assert report.counts["centres"] == 5


def test_translations_load_and_reach_the_catalogue(store: Store) -> None:
    from solidarity.catalog import build_catalog
    from solidarity.nearby import localized

    frame = store.translations()
    assert set(zip(frame["id"], frame["language"], strict=True)) == {("i1", "en"), ("i1", "ar")}
    fields = {e.field for e in store.load_errors() if e.source == "translations.csv"}
    assert fields == {"language", "id"}
    row = build_catalog(store).initiatives.set_index("id").loc["i1"].to_dict()
    assert localized(row, "description", "en") == "Gardening together in the neighbourhood."
    assert localized(row, "description", "fr") == "Samen tuinieren in de buurt."


# -- the write path -----------------------------------------------------------------------------

NEW_INITIATIVE = {
    "id": "i9", "name": "Repair Café Noord", "solidarity_type": "direct", "category": "other", "centre_id": "c-noord",
    "projects": "p-tuin", "lat": "51.2241", "lon": "4.4291", "location_precision": "street",
    "source_url": "https://example.org/i9",
}  # fmt: skip

#: (action, table, id, arguments, changed fields): each a change with its history row.
ACTIONS = [
    ("create", "initiatives", "i9", {"row": NEW_INITIATIVE}, None),
    ("update", "initiatives", "i1", {"values": {"name": "Buurttuin Kiel-Oost", "projects": "p-tuin;p-rechten"}},
     ["name", "projects"]),
    ("update", "initiatives", "i2", {"values": {"centre_id": ""}}, ["centre_id"]),
    ("archive", "initiatives", "i1", {}, ["archived"]),
    ("create", "centres", "c-zuid", {"row": {"id": "c-zuid", "name": "Centrum Zuid", "wijk": "Zuid", "lat": "51.19",
                                              "lon": "4.39", "location_precision": "approximate"}}, None),
    ("update", "centres", "c-kiel", {"values": {"address": "Kielplein 1"}}, ["address"]),
    ("create", "projects", "p-new", {"row": {"id": "p-new", "name": "Nieuw project", "kind": "project"}}, None),
    ("update", "projects", "p-rechten", {"values": {"description": "Rechten samen."}}, ["description"]),
]  # fmt: skip


@pytest.mark.parametrize(("action", "table", "row_id", "args", "fields"), ACTIONS,
                         ids=[f"{a[0]}-{a[1]}-{a[2]}" for a in ACTIONS])  # fmt: skip
def test_each_action_writes_its_history_row(any_store: Store, action: str, table: str, row_id: str, args: dict,
                                            fields: list[str] | None) -> None:  # fmt: skip
    store = any_store
    version = store.data_version()
    before = store.record(table, row_id)
    if action == "create":
        change = store.create(table, args["row"], who="team@example.org", note="new")
    elif action == "update":
        change = store.update(table, row_id, args["values"], version=before.version, who="team@example.org")
    else:
        change = store.archive(table, row_id, version=before.version, who="team@example.org")
    assert store.data_version() == version + 1
    history = store.history(row_id, table)
    assert history[-1] == change
    assert change.who == "team@example.org" and change.action == action and change.table == table
    assert change.at.tzinfo is not None and abs(change.at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    after = store.record(table, row_id)
    assert after.version == change.version == (1 if before is None else before.version + 1)
    assert change.after == after.row | {"archived": after.archived}
    if before is None:
        assert change.before is None and len(history) == 1
    else:
        assert change.before == before.row | {"archived": before.archived}
        assert change.fields() == fields


def test_update_reaches_the_read_api_and_the_link_table(any_store: Store) -> None:
    any_store.update("initiatives", "i1", {"projects": "p-rechten;p-tuin", "centre_id": "c-noord"}, version=1,
                     who="t")  # fmt: skip
    row = any_store.initiatives().set_index("id").loc["i1"]
    assert row["projects"] == "p-rechten;p-tuin" and row["centre_id"] == "c-noord"


def test_archive_hides_from_the_public_map_and_unarchive_brings_back(any_store: Store) -> None:
    from solidarity.catalog import build_catalog

    any_store.archive("initiatives", "i2", version=1, who="t")
    assert "i2" not in set(build_catalog(any_store).initiatives["id"])
    assert "i2" not in set(any_store.initiatives(include_inactive=True)["id"])
    assert "i2" not in set(any_store.export_table("initiatives")["id"])
    assert "i2" in set(any_store.initiatives(include_archived=True)["id"])
    any_store.unarchive("initiatives", "i2", version=2, who="t")
    assert "i2" in set(build_catalog(any_store).initiatives["id"])
    assert [c.action for c in any_store.history("i2")] == ["create", "archive", "unarchive"]


def test_version_check_refuses_with_the_other_change(any_store: Store) -> None:
    any_store.update("initiatives", "i1", {"name": "Eerste"}, version=1, who="ann@example.org")
    with pytest.raises(Conflict) as caught:
        any_store.update("initiatives", "i1", {"name": "Tweede"}, version=1, who="bob@example.org")
    conflict = caught.value
    assert (conflict.expected, conflict.current) == (1, 2)
    assert conflict.change.who == "ann@example.org" and conflict.change.after["name"] == "Eerste"
    assert "ann@example.org" in str(conflict)
    assert any_store.initiatives().set_index("id").loc["i1", "name"] == "Eerste"
    assert len(any_store.history("i1")) == 2  # the refused update left no trace


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.update("initiatives", "i1", {"solidarity_type": "solidair"}, version=1, who="t"), Rejected),
        (lambda s: s.update("initiatives", "i1", {"lat": "50.0"}, version=1, who="t"), Rejected),
        (lambda s: s.update("initiatives", "i1", {"projects": "p-vb"}, version=1, who="t"), Rejected),
        (lambda s: s.update("initiatives", "i1", {"name": "a\x00b"}, version=1, who="t"), Rejected),
        (lambda s: s.update("initiatives", "i1", {"id": "other"}, version=1, who="t"), Rejected),
        (lambda s: s.update("initiatives", "nope", {"name": "x"}, version=1, who="t"), NotFound),
        (lambda s: s.update("initiatives", "i1", {"name": "x"}, version=1, who=""), ValueError),
        (lambda s: s.create("initiatives", NEW_INITIATIVE | {"id": "i1"}, who="t"), Rejected),
        (lambda s: s.create("initiatives", NEW_INITIATIVE | {"centre_id": "c-gone"}, who="t"), Rejected),
        (lambda s: s.archive("centres", "c-noord", version=1, who="t"), Rejected),  # still named by initiatives
        (lambda s: s.archive("projects", "p-tuin", version=1, who="t"), Rejected),
        (lambda s: s.unarchive("initiatives", "i1", version=1, who="t"), Rejected),  # not archived
        (lambda s: s.update("load_errors", "1", {}, version=1, who="t"), ValueError),
    ],
    ids=["vocabulary", "outside-antwerp", "unknown-project", "nul", "id-change", "not-found", "no-actor", "dup-id",
         "unknown-centre", "archive-used-centre", "archive-used-project", "unarchive-shown", "other-table"],
)  # fmt: skip
def test_bad_writes_are_refused_and_change_nothing(any_store: Store, call, error) -> None:
    version, changes = any_store.data_version(), len(any_store.changes())
    with pytest.raises(error):
        call(any_store)
    assert any_store.data_version() == version and len(any_store.changes()) == changes


def test_update_without_difference_writes_nothing(any_store: Store) -> None:
    version = any_store.data_version()
    assert any_store.update("initiatives", "i1", {"name": "Buurttuin Kiel"}, version=1, who="t") is None
    assert any_store.data_version() == version and len(any_store.history("i1")) == 1


def test_restore_brings_back_an_earlier_version_as_a_new_change(any_store: Store) -> None:
    any_store.update("initiatives", "i1", {"name": "Tweede naam", "phone": "03 000 00 00"}, version=1, who="a")
    any_store.archive("initiatives", "i1", version=2, who="b")
    first = any_store.history("i1")[0]
    change = any_store.restore("i1", first, who="c", version=3)
    assert change.action == "restore" and change.version == 4 and "change #" in change.note
    record = any_store.record("initiatives", "i1")
    assert record.row == {k: v for k, v in first.after.items() if k != "archived"} and not record.archived
    assert [c.action for c in any_store.history("i1")] == ["create", "update", "archive", "restore"]
    with pytest.raises(Conflict):
        any_store.restore("i1", first, who="c", version=3)
    with pytest.raises(ValueError, match="not a version"):
        any_store.restore("i2", first, who="c")


def test_archived_centre_can_be_archived_once_unused(any_store: Store) -> None:
    any_store.update("initiatives", "i1", {"centre_id": ""}, version=1, who="t")
    any_store.update("initiatives", "i8", {"centre_id": ""}, version=1, who="t")
    any_store.archive("centres", "c-kiel", version=1, who="t")
    assert list(any_store.centres()["id"]) == ["c-noord"]
    with pytest.raises(Rejected):  # an archived buurtwerk cannot be named
        any_store.update("initiatives", "i1", {"centre_id": "c-kiel"}, version=2, who="t")


# -- key/value cache ----------------------------------------------------------------------------


def test_cache_get_put_max_age_and_purge(any_store: Store) -> None:
    store = any_store
    assert store.cache_get("geocode", "k") is None
    store.cache_put("geocode", "k", "one")
    store.cache_put("geocode", "k", "two")
    store.cache_put("other", "k", "three")
    assert store.cache_get("geocode", "k") == "two" and store.cache_get("other", "k") == "three"
    assert store.cache_get("geocode", "k", max_age=dt.timedelta(days=30)) == "two"
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cache SET created = created - 40 * 86400 WHERE namespace = 'geocode'")
    assert store.cache_get("geocode", "k", max_age=dt.timedelta(days=30)) is None
    assert store.cache_get("geocode", "k") == "two"
    assert store.cache_purge("geocode", dt.timedelta(days=30)) == 1
    assert store.cache_get("geocode", "k") is None and store.cache_get("other", "k") == "three"
    version = store.data_version()
    store.cache_put("geocode", "x", "y")
    assert store.data_version() == version  # the cache is not the data


def test_the_geocoder_keeps_its_answers_in_the_store_for_at_most_the_days_set(any_store: Store) -> None:
    """The app's geocode cache: the store's plain key/value cache, read while young, then deleted."""
    from geo.gazetteer import Place
    from geo.geocode import KeyValueGeocodeCache

    clock = [0.0]
    cache = KeyValueGeocodeCache(any_store, max_age=dt.timedelta(days=30), clock=lambda: clock[0])
    place = Place("Schijfstraat, 2020 Antwerpen", 51.19, 4.375, "street", "2020", "nominatim")
    cache.put("v1:schijfstraat", [place])
    assert cache.get("v1:schijfstraat") == [place]
    assert cache.get("v1:other") is None
    with any_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cache SET created = created - 31 * 86400 WHERE namespace = 'geocode'")
    assert cache.get("v1:schijfstraat") is None, "older than GEOCODE_CACHE_DAYS: not used"
    assert any_store.cache_get("geocode", "v1:schijfstraat") is not None, "still there until the next purge"
    clock[0] += KeyValueGeocodeCache.PURGE_EVERY_S
    cache.put("v1:kiel", [place])
    assert any_store.cache_get("geocode", "v1:schijfstraat") is None, "deleted on a later write"
    assert cache.get("v1:kiel") == [place]


def test_reserve_slot_spaces_requests_and_refuses_beyond_max_wait(any_store: Store) -> None:
    slots = [any_store._reserve("nominatim", 1.0, 10.0) for _ in range(3)]
    times = [slot for _wait, slot in slots]
    assert [round(b - a, 6) for a, b in zip(times, times[1:], strict=False)] == [1.0, 1.0]
    assert slots[0][0] == pytest.approx(0.0, abs=0.5)
    assert any_store.reserve_slot("nominatim", 1.0, 0.5) is None  # the next is ~3 s away
    assert any_store._reserve("nominatim", 1.0, 10.0)[1] == pytest.approx(times[-1] + 1.0)  # nothing was taken
    assert any_store.reserve_slot("other", 1.0, 0.5) == pytest.approx(0.0, abs=0.5)


def test_initiative_index_holds_every_initiative_archived_ones_too(any_store: Store) -> None:
    """The team's light index (read through the driver's cursor): every row, typed like the frames."""
    any_store.archive("initiatives", "i2", version=1, who="t")
    index = any_store.initiative_index()
    assert list(index.columns) == ["id", "name", "address", "centre_id", "last_verified", "status", "version", "archived"]
    full = any_store.initiatives(include_inactive=True, include_archived=True)
    assert sorted(index["id"]) == sorted(full["id"]) and list(index["id"]) == sorted(index["id"])
    assert index["archived"].dtype == bool and index.set_index("id")["archived"].to_dict()["i2"] is True
    assert index.set_index("id").loc["i2", "version"] == 2
    assert not index["centre_id"].isna().any()
