"""The domain model: the columns, vocabularies and validation of the seed and store rows."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any

from geo.area import ANTWERP_BBOX
from solidarity.i18n import N_
from solidarity.safety import safe_url

#: Columns of ``initiatives.csv``, in order. Other tools depend on exactly these.
INITIATIVE_COLUMNS: tuple[str, ...] = (
    "id", "name", "description", "solidarity_type", "category", "centre_id", "projects",
    "address", "postcode", "lat", "lon", "location_precision", "website", "email", "phone",
    "opening_hours", "languages", "wheelchair", "target_group", "source_url",
    "last_verified", "status",
)
CENTRE_COLUMNS: tuple[str, ...] = (
    "id", "name", "wijk", "wijkcodes", "address", "postcode", "lat", "lon",
    "location_precision", "website", "source_url",
)
PROJECT_COLUMNS: tuple[str, ...] = ("id", "name", "kind", "description", "url", "centres", "source_url")
#: Columns of the optional ``translations.csv``: content of an initiative in another language.
TRANSLATION_COLUMNS: tuple[str, ...] = ("id", "language", "field", "text")
TRANSLATABLE_FIELDS: tuple[str, ...] = ("name", "description")

SOLIDARITY_TYPES: tuple[str, ...] = ("direct", "indirect", "both")
LOCATION_PRECISIONS: tuple[str, ...] = ("exact", "street", "approximate")
WHEELCHAIR_VALUES: tuple[str, ...] = ("yes", "no", "unknown")
STATUSES: tuple[str, ...] = ("active", "inactive")

#: Translatable labels of the vocabularies (msgids; pass through ``_`` to show).
SOLIDARITY_LABELS = {
    "direct": N_("Direct solidarity"),
    "indirect": N_("Indirect solidarity"),
    "both": N_("Direct and indirect"),
}
PRECISION_LABELS = {
    "exact": N_("Exact address"),
    "street": N_("Street (no house number)"),
    "approximate": N_("Approximate location"),
}
WHEELCHAIR_LABELS = {
    "yes": N_("Wheelchair accessible"),
    "no": N_("Not wheelchair accessible"),
    "unknown": N_("Wheelchair access unknown"),
}


@dataclass(frozen=True)
class RowError:
    """One problem with one field of one row of a source file."""

    source: str
    line: int
    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{self.source}:{self.line}: {self.field}: {self.message} ({shown!r})"


@dataclass
class Validated:
    """The result of validating a table: the good rows and the errors of the bad ones."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _coordinate(raw: str, low: float, high: float) -> float | None:
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(number) or not low <= number <= high:
        return None
    return number


def split_list(value: str) -> list[str]:
    """Split a ``;``-separated list field into its trimmed, non-empty parts."""
    return [part.strip() for part in _text(value).split(";") if part.strip()]


def _collector(errors: list[RowError], source: str, line: int, row: dict[str, str]):
    """A function that records an error about one field of ``row``."""

    def bad(col: str, message: str) -> None:
        errors.append(RowError(source, line, col, message, row.get(col, "")))

    return bad


def _check_url(raw: str) -> bool:
    return safe_url(raw) is not None


def validate_initiatives(
    records: list[dict[str, Any]],
    source: str = "initiatives.csv",
    centre_ids: set[str] | None = None,
    project_ids: set[str] | None = None,
    first_line: int = 2,
) -> Validated:
    """Validate initiative records; keep the good rows, report each bad field.

    Parameters
    ----------
    records
        Raw rows (as read from CSV, all values strings).
    source
        File name used in error reports.
    centre_ids, project_ids
        Known ids; references to others are errors. ``None`` skips the check.
    first_line
        Line number of the first record in ``source`` (2 for a CSV with a header).
    """
    result = Validated()
    seen: set[str] = set()
    for offset, raw in enumerate(records):
        line = first_line + offset
        row = {col: _text(raw.get(col)) for col in INITIATIVE_COLUMNS}
        errors: list[RowError] = []
        bad = _collector(errors, source, line, row)

        if not row["id"]:
            bad("id", "missing")
        elif row["id"] in seen:
            bad("id", "duplicate id")
        if not row["name"]:
            bad("name", "missing")
        elif len(row["name"]) > 200:
            bad("name", "longer than 200 characters")
        if row["solidarity_type"] not in SOLIDARITY_TYPES:
            bad("solidarity_type", "must be one of " + ", ".join(SOLIDARITY_TYPES))
        if row["location_precision"] not in LOCATION_PRECISIONS:
            bad("location_precision", "must be one of " + ", ".join(LOCATION_PRECISIONS))
        if row["wheelchair"] == "":
            row["wheelchair"] = "unknown"
        if row["wheelchair"] not in WHEELCHAIR_VALUES:
            bad("wheelchair", "must be one of " + ", ".join(WHEELCHAIR_VALUES))
        if row["status"] == "":
            row["status"] = "active"
        if row["status"] not in STATUSES:
            bad("status", "must be one of " + ", ".join(STATUSES))
        south, west, north, east = ANTWERP_BBOX
        lat = _coordinate(row["lat"], south, north)
        lon = _coordinate(row["lon"], west, east)
        if lat is None:
            bad("lat", f"must be a number between {south} and {north} (Antwerp)")
        if lon is None:
            bad("lon", f"must be a number between {west} and {east} (Antwerp)")
        if row["postcode"] and not (row["postcode"].isdigit() and len(row["postcode"]) == 4):
            bad("postcode", "must be four digits")
        for col in ("website", "source_url"):
            if row[col] and not _check_url(row[col]):
                bad(col, "must be an http(s) link")
        if not row["source_url"]:
            bad("source_url", "missing: every fact needs its source")
        if row["email"] and ("@" not in row["email"] or any(c in row["email"] for c in " <>\"'")):
            bad("email", "not an e-mail address")
        if row["last_verified"]:
            try:
                _dt.date.fromisoformat(row["last_verified"])
            except ValueError:
                bad("last_verified", "must be a date YYYY-MM-DD")
        if centre_ids is not None and row["centre_id"] and row["centre_id"] not in centre_ids:
            bad("centre_id", "unknown buurtwerk")
        if project_ids is not None:
            unknown = [p for p in split_list(row["projects"]) if p not in project_ids]
            if unknown:
                bad("projects", "unknown project " + ", ".join(unknown))
        if errors:
            result.errors.extend(errors)
            continue
        seen.add(row["id"])
        row["lat"], row["lon"] = lat, lon
        row["projects"] = ";".join(split_list(row["projects"]))
        row["languages"] = ";".join(split_list(row["languages"]))
        result.rows.append(row)
    return result


def validate_centres(records: list[dict[str, Any]], source: str = "centres.csv") -> Validated:
    """Validate the buurtwerk rows (same rules for location as initiatives)."""
    result = Validated()
    south, west, north, east = ANTWERP_BBOX
    for offset, raw in enumerate(records):
        line = offset + 2
        row = {col: _text(raw.get(col)) for col in CENTRE_COLUMNS}
        errors = []
        for col in ("id", "name", "wijk"):
            if not row[col]:
                errors.append(RowError(source, line, col, "missing", ""))
        lat = _coordinate(row["lat"], south, north)
        lon = _coordinate(row["lon"], west, east)
        if lat is None or lon is None:
            errors.append(RowError(source, line, "lat/lon", "must lie in Antwerp", f"{row['lat']},{row['lon']}"))
        if row["location_precision"] not in LOCATION_PRECISIONS:
            errors.append(RowError(source, line, "location_precision", "invalid", row["location_precision"]))
        for col in ("website", "source_url"):
            if row[col] and not _check_url(row[col]):
                errors.append(RowError(source, line, col, "must be an http(s) link", row[col]))
        if errors:
            result.errors.extend(errors)
            continue
        row["lat"], row["lon"] = lat, lon
        row["wijkcodes"] = ";".join(split_list(row["wijkcodes"]))
        result.rows.append(row)
    return result


def validate_projects(records: list[dict[str, Any]], source: str = "projects.csv") -> Validated:
    """Validate the project and practice-example rows."""
    result = Validated()
    for offset, raw in enumerate(records):
        line = offset + 2
        row = {col: _text(raw.get(col)) for col in PROJECT_COLUMNS}
        errors = []
        for col in ("id", "name"):
            if not row[col]:
                errors.append(RowError(source, line, col, "missing", ""))
        if row["kind"] not in ("project", "practice"):
            errors.append(RowError(source, line, "kind", "must be project or practice", row["kind"]))
        for col in ("url", "source_url"):
            if row[col] and not _check_url(row[col]):
                errors.append(RowError(source, line, col, "must be an http(s) link", row[col]))
        if errors:
            result.errors.extend(errors)
            continue
        row["centres"] = ";".join(split_list(row["centres"]))
        result.rows.append(row)
    return result


#: Categories: slug -> (translatable label, Font Awesome icon name).
CATEGORIES: dict[str, tuple[str, str]] = {
    "food": (N_("Food"), "basket-shopping"),
    "garden": (N_("Community garden"), "seedling"),
    "housing": (N_("Housing"), "house"),
    "work": (N_("Work"), "briefcase"),
    "digital": (N_("Digital help"), "laptop"),
    "meeting": (N_("Meeting people"), "people-group"),
    "rights": (N_("Social rights"), "scale-balanced"),
    "mobility": (N_("Mobility"), "bicycle"),
    "other": (N_("Other"), "circle-info"),
}

#: Colour-blind-safe colours (Okabe-Ito) per solidarity type, with the CSS shape class.
TYPE_STYLES: dict[str, dict[str, str]] = {
    "direct": {"colour": "#0072B2", "background": "#0072B2"},
    "indirect": {"colour": "#D55E00", "background": "#D55E00"},
    "both": {"colour": "#6B3FA0", "background": "linear-gradient(90deg,#0072B2 50%,#D55E00 50%)"},
}
CENTRE_COLOUR = "#1F2A37"


def validate_translations(
    records: list[dict[str, Any]], initiative_ids: set[str], languages: set[str], source: str = "translations.csv"
) -> Validated:
    """Validate translated initiative content: known initiative, language and field, non-empty text."""
    result = Validated()
    seen: set[tuple[str, str, str]] = set()
    for offset, raw in enumerate(records):
        line = offset + 2
        row = {col: _text(raw.get(col)) for col in TRANSLATION_COLUMNS}
        errors: list[RowError] = []
        bad = _collector(errors, source, line, row)
        if row["id"] not in initiative_ids:
            bad("id", "unknown initiative")
        if row["language"] not in languages:
            bad("language", "unsupported language")
        if row["field"] not in TRANSLATABLE_FIELDS:
            bad("field", "must be one of " + ", ".join(TRANSLATABLE_FIELDS))
        if not row["text"] or len(row["text"]) > 2000:
            bad("text", "missing or longer than 2000 characters")
        key = (row["id"], row["language"], row["field"])
        if key in seen:
            bad("id", "duplicate translation")
        if errors:
            result.errors.extend(errors)
            continue
        seen.add(key)
        result.rows.append(row)
    return result
