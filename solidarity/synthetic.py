"""Synthetic initiative data sets for tests and benchmarks, never mixed with the real data."""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import sys
from pathlib import Path

import numpy as np

from solidarity.model import INITIATIVE_COLUMNS, SOLIDARITY_TYPES, WHEELCHAIR_VALUES

#: Categories drawn from.
CATEGORIES: tuple[str, ...] = ("food", "garden", "housing", "work", "digital", "meeting", "rights", "mobility", "other")
#: Buurtwerk ids drawn from; ``""`` means no centre.
CENTRE_IDS: tuple[str, ...] = ("de-wijk", "borgerbaan", "dinamo", "t-pleintje", "de-stek", "")
#: Project ids drawn from (up to three per initiative).
PROJECT_IDS: tuple[str, ...] = (
    "sociale-bescherming",
    "bruggen-naar-werk",
    "sociale-kruidenier",
    "samen-op-straat",
    "digitaal-inclusieve-wijk",
    "ruimte-publiek-maken",
    "woonlab",
    "solidariteit",
    "urbaan",
    "belangenbond",
)
#: Points are uniform in this box (south, west, north, east): mostly land inside the city.
BOX = (51.17, 4.36, 51.27, 4.48)
#: Antwerp postcodes drawn from (independent of the point: the data is not real).
POSTCODES: tuple[str, ...] = ("2000", "2018", "2020", "2030", "2050", "2060", "2100", "2140", "2170", "2180", "2600")
LANGUAGE_SETS: tuple[str, ...] = ("nl", "nl;en", "nl;fr", "nl;en;fr", "nl;ar;tr", "")
TARGET_GROUPS: tuple[str, ...] = ("everyone", "families", "young people", "seniors", "newcomers", "")
OPENING_HOURS = "Mo-Fr 09:00-17:00"
SOURCE_URL = "https://example.org/synthetic"
#: ``last_verified`` dates are drawn from this many days before :data:`LAST_DATE`.
LAST_DATE = _dt.date(2025, 6, 30)
DATE_SPAN_DAYS = 540

#: Where the real data lives; :func:`write_csv` refuses to write there.
REAL_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def generate(n: int, seed: int = 0) -> list[dict[str, str]]:
    """``n`` synthetic initiative rows, the same for the same ``n`` and ``seed``.

    Every row has exactly :data:`~solidarity.model.INITIATIVE_COLUMNS`, all values strings
    as read from CSV, and passes :func:`~solidarity.model.validate_initiatives` (with
    ``centre_ids`` = :data:`CENTRE_IDS` and ``project_ids`` = :data:`PROJECT_IDS`).

    Parameters
    ----------
    n
        Number of rows (``0`` gives an empty list).
    seed
        Seed of the random generator.

    Returns
    -------
    list of dict
        Rows with ids ``syn-000001``, ``syn-000002``, ... and names ``Testinitiatief 1``, ...
    """
    if n < 0:
        raise ValueError("n must be zero or more")
    # One row of uniforms per initiative, drawn row by row: generate(m) is a prefix of generate(n).
    draws = np.random.default_rng(seed).random((n, 13 + len(PROJECT_IDS)))

    def pick(column: int, choices: int) -> list[int]:
        return np.minimum((draws[:, column] * choices).astype(np.int64), choices - 1).tolist()

    south, west, north, east = BOX
    lats = (south + draws[:, 0] * (north - south)).tolist()
    lons = (west + draws[:, 1] * (east - west)).tolist()
    solidarity = pick(2, len(SOLIDARITY_TYPES))
    category = pick(3, len(CATEGORIES))
    centre = pick(4, len(CENTRE_IDS))
    project_count = pick(5, 4)
    postcode = pick(6, len(POSTCODES))
    languages = pick(7, len(LANGUAGE_SETS))
    target = pick(8, len(TARGET_GROUPS))
    wheelchair = pick(9, len(WHEELCHAIR_VALUES))
    has_hours = (draws[:, 10] < 0.4).tolist()
    active = (draws[:, 11] < 0.9).tolist()
    days_ago = pick(12, DATE_SPAN_DAYS)
    project_picks = np.argsort(draws[:, 13:], axis=1)[:, :3].tolist()
    dates = [(LAST_DATE - _dt.timedelta(days=days)).isoformat() for days in range(DATE_SPAN_DAYS)]

    rows: list[dict[str, str]] = []
    for i in range(n):
        number = i + 1
        projects = ";".join(PROJECT_IDS[j] for j in sorted(project_picks[i][: project_count[i]]))
        row = {
            "id": f"syn-{number:06d}",
            "name": f"Testinitiatief {number}",
            "description": "Synthetic test data, not a real initiative.",
            "solidarity_type": SOLIDARITY_TYPES[solidarity[i]],
            "category": CATEGORIES[category[i]],
            "centre_id": CENTRE_IDS[centre[i]],
            "projects": projects,
            "address": "",
            "postcode": POSTCODES[postcode[i]],
            "lat": f"{lats[i]:.6f}",
            "lon": f"{lons[i]:.6f}",
            "location_precision": "approximate",
            "website": "",
            "email": "",
            "phone": "",
            "opening_hours": OPENING_HOURS if has_hours[i] else "",
            "languages": LANGUAGE_SETS[languages[i]],
            "wheelchair": WHEELCHAIR_VALUES[wheelchair[i]],
            "target_group": TARGET_GROUPS[target[i]],
            "source_url": SOURCE_URL,
            "last_verified": dates[days_ago[i]],
            "status": "active" if active[i] else "inactive",
        }
        rows.append({col: row[col] for col in INITIATIVE_COLUMNS})
    return rows


def write_csv(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write :func:`generate` ``(n, seed)`` as a CSV with a header row; return the path.

    Parameters
    ----------
    path
        Output file. It may not lie in the project's real ``data/`` folder.
    n, seed
        As for :func:`generate`.

    Returns
    -------
    pathlib.Path
        The file written (UTF-8, columns in :data:`~solidarity.model.INITIATIVE_COLUMNS` order).
    """
    target = Path(path)
    if target.resolve().parent == REAL_DATA_DIR:
        raise ValueError(f"refusing to write synthetic data into the real data folder {REAL_DATA_DIR}")
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(INITIATIVE_COLUMNS))
        writer.writeheader()
        writer.writerows(generate(n, seed))
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m solidarity.synthetic N OUT.csv [--seed S]``."""
    parser = argparse.ArgumentParser(prog="python -m solidarity.synthetic", description=__doc__)
    parser.add_argument("n", type=int, help="number of initiatives")
    parser.add_argument("out", type=Path, help="CSV file to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be zero or more")
    try:
        written = write_csv(args.out, args.n, args.seed)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.n} synthetic initiatives to {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
