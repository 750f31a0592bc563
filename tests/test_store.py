"""Loading and validation into the store: good rows load, bad rows are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from solidarity.model import INITIATIVE_COLUMNS, validate_initiatives
from solidarity.store import Store


def test_seed_loads_good_rows_and_reports_bad_ones(store: Store) -> None:
    initiatives = store.initiatives()
    assert list(initiatives.columns) == list(INITIATIVE_COLUMNS)
    assert set(initiatives["id"]) == {"i1", "i2", "i3", "i4", "i8"}  # i5 inactive, i6 and i7 rejected
    assert set(store.initiatives(include_inactive=True)["id"]) == {"i1", "i2", "i3", "i4", "i5", "i8"}
    errors = store.load_errors()
    where = {(e.source, e.line, e.field) for e in errors}
    assert ("initiatives.csv", 7, "lat") in where
    assert ("initiatives.csv", 8, "solidarity_type") in where
    assert ("projects.csv", 4, "url") in where  # javascript: link rejected
    assert all(str(e).split(":")[0] in ("initiatives.csv", "projects.csv", "translations.csv") for e in errors)


def test_types_and_lists(store: Store) -> None:
    frame = store.initiatives()
    assert frame["lat"].dtype == "float64"
    assert frame.set_index("id").loc["i3", "projects"] == "p-rechten;p-tuin"
    assert len(store.centres()) == 2
    assert set(store.projects()["id"]) == {"p-tuin", "p-rechten"}


def test_reference_to_unknown_centre_or_project_is_an_error() -> None:
    row = {c: "" for c in INITIATIVE_COLUMNS} | {
        "id": "x", "name": "X", "solidarity_type": "direct", "lat": "51.2", "lon": "4.4",
        "location_precision": "street", "source_url": "https://e.org", "centre_id": "nope", "projects": "p1;zz",
    }
    result = validate_initiatives([row], centre_ids={"c"}, project_ids={"p1"})
    assert {e.field for e in result.errors} == {"centre_id", "projects"}
    assert result.rows == []


def test_duplicate_ids_and_bad_dates() -> None:
    base = {c: "" for c in INITIATIVE_COLUMNS} | {
        "id": "x", "name": "X", "solidarity_type": "direct", "lat": "51.2", "lon": "4.4",
        "location_precision": "street", "source_url": "https://e.org",
    }
    result = validate_initiatives([base, base, base | {"id": "y", "last_verified": "2024-13-45"}])
    assert len(result.rows) == 1
    assert [(e.line, e.field) for e in result.errors] == [(3, "id"), (4, "last_verified")]


def test_missing_file_is_reported_and_app_data_still_loads(tmp_path: Path, seed_dir: Path) -> None:
    for name in ("centres.csv", "projects.csv"):
        shutil.copy(seed_dir / name, tmp_path / name)
    instance = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    report = instance.ensure_seeded(tmp_path)
    assert report is not None and report.counts["centres"] == 2
    assert any(e.source == "initiatives.csv" and e.field == "(file)" for e in report.errors)
    assert instance.initiatives().empty


def test_not_utf8_file_is_reported(tmp_path: Path, seed_dir: Path) -> None:
    for name in ("centres.csv", "projects.csv"):
        shutil.copy(seed_dir / name, tmp_path / name)
    (tmp_path / "initiatives.csv").write_bytes("id,name\n1,caf\xe9\n".encode("latin-1"))
    report = Store(f"sqlite:///{tmp_path / 's.sqlite3'}").ensure_seeded(tmp_path)
    assert report is not None and any(e.field == "(file)" for e in report.errors)


def test_seed_once_then_reseed_when_seed_files_change(tmp_path: Path, seed_dir: Path) -> None:
    work = tmp_path / "seed"
    shutil.copytree(seed_dir, work)
    instance = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    assert instance.ensure_seeded(work) is not None
    version = instance.data_version()
    assert instance.ensure_seeded(work) is None  # unchanged: nothing loaded
    frame = pd.read_csv(work / "initiatives.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["id"] == "i1", "name"] = "Buurttuin Kiel (nieuw)"
    frame.to_csv(work / "initiatives.csv", index=False)
    assert instance.ensure_seeded(work) is not None
    assert instance.data_version() == version + 1
    assert "Buurttuin Kiel (nieuw)" in set(instance.initiatives()["name"])


def test_wal_mode(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


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
