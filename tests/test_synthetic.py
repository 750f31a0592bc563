"""Tests of the synthetic initiative generator."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from solidarity import synthetic
from solidarity.model import (
    INITIATIVE_COLUMNS,
    SOLIDARITY_TYPES,
    WHEELCHAIR_VALUES,
    split_list,
    validate_initiatives,
)
from solidarity.synthetic import CATEGORIES, CENTRE_IDS, PROJECT_IDS, generate, write_csv

ROOT = Path(__file__).resolve().parent.parent


def test_thousand_rows_validate_without_errors() -> None:
    rows = generate(1000)
    result = validate_initiatives(rows, centre_ids={c for c in CENTRE_IDS if c}, project_ids=set(PROJECT_IDS))
    assert result.errors == []
    assert len(result.rows) == 1000


def test_rows_have_exactly_the_initiative_columns_as_strings() -> None:
    for row in generate(50, seed=3):
        assert tuple(row) == INITIATIVE_COLUMNS
        assert all(isinstance(value, str) for value in row.values())


def test_ids_and_names() -> None:
    rows = generate(12)
    assert rows[0]["id"] == "syn-000001" and rows[0]["name"] == "Testinitiatief 1"
    assert rows[11]["id"] == "syn-000012" and rows[11]["name"] == "Testinitiatief 12"
    assert len({row["id"] for row in generate(5000)}) == 5000


def test_values_come_from_the_vocabularies() -> None:
    rows = generate(2000, seed=7)
    for row in rows:
        assert row["solidarity_type"] in SOLIDARITY_TYPES
        assert row["category"] in CATEGORIES
        assert row["centre_id"] in CENTRE_IDS
        assert set(split_list(row["projects"])) <= set(PROJECT_IDS)
        assert len(split_list(row["projects"])) <= 3
        assert row["wheelchair"] in WHEELCHAIR_VALUES
        assert 51.17 <= float(row["lat"]) <= 51.27 and 4.36 <= float(row["lon"]) <= 4.48
        assert row["location_precision"] == "approximate"
        assert row["source_url"] == "https://example.org/synthetic"
        assert row["opening_hours"] in ("", "Mo-Fr 09:00-17:00")
        assert row["status"] in ("active", "inactive")
    active = sum(row["status"] == "active" for row in rows)
    assert active > 0.75 * len(rows)
    assert any(row["opening_hours"] for row in rows) and any(not row["opening_hours"] for row in rows)
    assert {row["centre_id"] for row in rows} == set(CENTRE_IDS)


def test_deterministic_per_seed_and_prefix_stable() -> None:
    assert generate(200, seed=4) == generate(200, seed=4)
    assert generate(200, seed=4) != generate(200, seed=5)
    assert generate(1000, seed=4)[:200] == generate(200, seed=4)


def test_zero_and_negative() -> None:
    assert generate(0) == []
    with pytest.raises(ValueError):
        generate(-1)


def test_write_csv_round_trips(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "syn.csv", 25, seed=2)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == INITIATIVE_COLUMNS
        assert list(reader) == generate(25, seed=2)


def test_write_csv_refuses_the_real_data_folder() -> None:
    with pytest.raises(ValueError, match="real data"):
        write_csv(synthetic.REAL_DATA_DIR / "initiatives.csv", 3)


def test_command_line(tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    done = subprocess.run(
        [sys.executable, "-m", "solidarity.synthetic", "30", str(out), "--seed", "9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == generate(30, seed=9)


def test_categories_are_known_to_the_model() -> None:
    from solidarity import model

    known = getattr(model, "CATEGORIES", None)
    if known is None:
        pytest.skip("solidarity.model has no CATEGORIES vocabulary")
    assert set(CATEGORIES) <= set(known)
