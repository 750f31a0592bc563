"""Checks of the seed data in ``data/``: columns, validation, coverage and locations."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from solidarity import model
from solidarity.model import (
    CENTRE_COLUMNS,
    INITIATIVE_COLUMNS,
    PROJECT_COLUMNS,
    split_list,
    validate_centres,
    validate_initiatives,
    validate_projects,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
WIJKEN_FILE = "antwerpen_wijken_stad.geojson"

#: The category slugs of the seed data (the model's vocabulary when it defines one).
CATEGORY_SLUGS = frozenset(
    getattr(model, "CATEGORIES", None)
    or (
        "food",
        "garden",
        "housing",
        "work",
        "digital",
        "meeting",
        "rights",
        "mobility",
        "other",
    )
)


def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of one seed file."""
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def centres() -> list[dict[str, str]]:
    return read("centres.csv")[1]


@pytest.fixture(scope="module")
def projects() -> list[dict[str, str]]:
    return read("projects.csv")[1]


@pytest.fixture(scope="module")
def initiatives() -> list[dict[str, str]]:
    return read("initiatives.csv")[1]


@pytest.mark.parametrize(
    ("name", "columns"),
    [("centres.csv", CENTRE_COLUMNS), ("projects.csv", PROJECT_COLUMNS), ("initiatives.csv", INITIATIVE_COLUMNS)],
)
def test_header_is_exactly_the_model_columns(name, columns):
    assert read(name)[0] == list(columns)


def test_centres_validate(centres):
    result = validate_centres(centres)
    assert result.errors == []
    assert len(result.rows) == len(centres)


def test_projects_validate(projects):
    result = validate_projects(projects)
    assert result.errors == []
    assert len(result.rows) == len(projects)


def test_initiatives_validate_against_centres_and_projects(initiatives, centres, projects):
    result = validate_initiatives(
        initiatives,
        centre_ids={c["id"] for c in centres},
        project_ids={p["id"] for p in projects},
    )
    assert [str(e) for e in result.errors] == []
    assert len(result.rows) == len(initiatives)


def test_five_centres_ten_projects_four_practices(centres, projects):
    assert len(centres) == 5
    assert {c["id"] for c in centres} == {"de-wijk", "borgerbaan", "dinamo", "t-pleintje", "de-stek"}
    kinds = [p["kind"] for p in projects]
    assert kinds.count("project") == 10
    assert kinds.count("practice") == 4
    assert len({p["id"] for p in projects}) == len(projects)


def test_project_centres_are_known(centres, projects):
    known = {c["id"] for c in centres}
    for project in projects:
        assert set(split_list(project["centres"])) <= known, project["id"]


def test_at_least_fifteen_active_initiatives(initiatives):
    active = [r for r in initiatives if (r["status"] or "active") == "active"]
    assert len(active) >= 15


def test_direct_and_indirect_solidarity_present(initiatives):
    types = {r["solidarity_type"] for r in initiatives}
    assert "direct" in types or "both" in types
    assert "indirect" in types or "both" in types
    assert types <= {"direct", "indirect", "both"}


def test_every_initiative_has_a_source(initiatives):
    missing = [r["id"] for r in initiatives if not r["source_url"].strip()]
    assert missing == []


def test_categories_are_in_the_vocabulary(initiatives):
    assert {r["category"] for r in initiatives} <= CATEGORY_SLUGS


def test_approximate_centres_have_no_house_number(centres):
    for centre in centres:
        if centre["location_precision"] == "approximate":
            address = centre["address"].strip()
            assert not any(ch.isdigit() for ch in address), (centre["id"], address)


def test_approximate_initiatives_have_no_house_number(initiatives):
    for row in initiatives:
        if row["location_precision"] == "approximate":
            assert not any(ch.isdigit() for ch in row["address"]), (row["id"], row["address"])


def _wijk_areas():
    """The union of the wijk polygons of each centre, from ``$GEODATA_DIR``; skip without it."""
    folder = os.environ.get("GEODATA_DIR", "").strip()
    if not folder:
        pytest.skip("GEODATA_DIR is not set")
    path = Path(folder) / WIJKEN_FILE
    if not path.is_file():
        pytest.skip(f"{path} not found")
    shapely_geometry = pytest.importorskip("shapely.geometry")
    shapely_ops = pytest.importorskip("shapely.ops")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    polygons = {str(f["properties"]["wijkcode"]).strip(): shapely_geometry.shape(f["geometry"]) for f in features}
    areas = {}
    for centre in read("centres.csv")[1]:
        codes = split_list(centre["wijkcodes"])
        assert codes and all(code in polygons for code in codes), centre["id"]
        areas[centre["id"]] = shapely_ops.unary_union([polygons[code] for code in codes])
    return areas, shapely_geometry.Point


@pytest.mark.geodata
def test_points_lie_in_their_centres_wijken(centres, initiatives):
    areas, point = _wijk_areas()
    outside = []
    checked = [row for row in initiatives if row["centre_id"]]
    assert checked, "no initiative has a centre_id"
    for centre in centres:
        if not areas[centre["id"]].contains(point(float(centre["lon"]), float(centre["lat"]))):
            outside.append(("centre", centre["id"]))
    for row in checked:
        if not areas[row["centre_id"]].contains(point(float(row["lon"]), float(row["lat"]))):
            outside.append(("initiative", row["id"]))
    assert outside == []
