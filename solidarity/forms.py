"""The team's forms: which fields, how each is checked, what the message next to it says (no Streamlit).

The checks are a table (:data:`INITIATIVE_FIELDS`): each field names its label, its kind and the
rules it must pass; :func:`check_initiative` runs them and returns one message per bad field,
in the user's language, to show next to that field. The store validates again on writing (the
same rules as an import); a field it still rejects is mapped back to its message.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from geo.area import in_antwerp
from solidarity import hours
from solidarity.i18n import N_, _
from solidarity.model import (
    CATEGORIES,
    CENTRE_COLUMNS,
    INITIATIVE_COLUMNS,
    LOCATION_PRECISIONS,
    PROJECT_COLUMNS,
    SOLIDARITY_TYPES,
    STATUSES,
    WHEELCHAIR_VALUES,
    RowError,
    split_list,
)
from solidarity.safety import safe_url

MAX_NAME = 200
MAX_TEXT = 2000
_PHONE = re.compile(r"^\+?[0-9 ./()\-]{6,25}$")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_POSTCODE = re.compile(r"^[1-9][0-9]{3}$")

# Messages (msgids), shown next to the field.
REQUIRED = N_("Fill this in.")
TOO_LONG = N_("At most {n} characters.")
CHOOSE = N_("Choose one of the options.")
LINK = N_("A web address starting with http:// or https://.")
EMAIL = N_("An e-mail address such as name@example.org.")
PHONE = N_("A phone number: digits, spaces and a leading + only, such as 03 123 45 67.")
POINT = N_("The point must lie in Antwerp: look up the address or click the map.")
HOURS = N_("Not in OpenStreetMap's opening-hours syntax, e.g. Mo-Fr 09:00-17:00; Sa 10:00-12:00.")
LANGUAGES = N_("Language codes separated by ;, such as nl;fr;ar.")
POSTCODE = N_("Four digits, such as 2060.")
DATE = N_("A date such as 2025-03-31.")
CENTRE = N_("Choose an existing buurtwerk.")
PROJECTS = N_("Choose existing projects only.")
ID_TAKEN = N_("This id is in use already.")
ID_FORM = N_("Lower-case letters, digits and dashes only.")
STORE_SAYS = N_("Not accepted: {reason}")


@dataclass(frozen=True)
class Field:
    """One field of a form: its column, label (msgid), kind and rules."""

    name: str
    label: str
    kind: str = "text"  # text, long, choice, choices, number, date
    required: bool = False
    max_length: int = MAX_NAME
    help: str = ""
    #: Extra checks: (test of the text value, message msgid); a value that fails gets the message.
    rules: tuple[tuple[Callable[[str], bool], str], ...] = ()


def _is_link(value: str) -> bool:
    url = safe_url(value)
    return url is not None and url.startswith(("http://", "https://"))


def _is_hours(value: str) -> bool:
    return hours.parse(value) is not None


def _is_languages(value: str) -> bool:
    return all(_LANGUAGE.match(code) for code in split_list(value.lower()))


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


INITIATIVE_FIELDS: tuple[Field, ...] = (
    Field("name", N_("Name"), required=True),
    Field("description", N_("What it does"), "long", max_length=MAX_TEXT),
    Field("solidarity_type", N_("Solidarity"), "choice", required=True),
    Field("category", N_("Category"), "choice", required=True),
    Field("centre_id", N_("Buurtwerk"), "choice"),
    Field("projects", N_("Projects"), "choices"),
    Field("address", N_("Address")),
    Field("postcode", N_("Postcode"), rules=((_POSTCODE.match, POSTCODE),)),  # type: ignore[arg-type]
    Field("lat", N_("Latitude"), "number", required=True),
    Field("lon", N_("Longitude"), "number", required=True),
    Field("location_precision", N_("Precision of the location"), "choice", required=True),
    Field("website", N_("Website"), rules=((_is_link, LINK),)),
    Field("email", N_("E-mail"), rules=((_EMAIL.match, EMAIL),)),  # type: ignore[arg-type]
    Field("phone", N_("Phone"), rules=((_PHONE.match, PHONE),)),  # type: ignore[arg-type]
    Field("opening_hours", N_("Opening hours"), max_length=255,
          help=N_("OpenStreetMap syntax, e.g. Mo-Fr 09:00-17:00; Sa 10:00-12:00; PH off"), rules=((_is_hours, HOURS),)),
    Field("languages", N_("Languages spoken"), help=N_("Codes separated by ;, e.g. nl;fr;ar"),
          rules=((_is_languages, LANGUAGES),)),
    Field("wheelchair", N_("Wheelchair access"), "choice", required=True),
    Field("target_group", N_("For whom")),
    Field("source_url", N_("Source (web address)"), required=True, max_length=2000, rules=((_is_link, LINK),)),
    Field("last_verified", N_("Last checked"), "date", rules=((_is_date, DATE),)),
    Field("status", N_("Status"), "choice", required=True),
)  # fmt: skip
FIELD_BY_NAME = {f.name: f for f in INITIATIVE_FIELDS}
#: The fixed options of the choice fields (buurtwerk and projects come from the store).
CHOICES: dict[str, tuple[str, ...]] = {
    "solidarity_type": SOLIDARITY_TYPES,
    "category": tuple(CATEGORIES),
    "location_precision": LOCATION_PRECISIONS,
    "wheelchair": WHEELCHAIR_VALUES,
    "status": STATUSES,
}

CENTRE_FIELDS: tuple[Field, ...] = (
    Field("name", N_("Name"), required=True),
    Field("wijk", N_("Neighbourhood (wijk)"), required=True),
    Field("wijkcodes", N_("Wijk codes"), help=N_("Codes separated by ;, e.g. ANT20;ANT01")),
    Field("address", N_("Address")),
    Field("postcode", N_("Postcode"), rules=((_POSTCODE.match, POSTCODE),)),  # type: ignore[arg-type]
    Field("lat", N_("Latitude"), "number", required=True),
    Field("lon", N_("Longitude"), "number", required=True),
    Field("location_precision", N_("Precision of the location"), "choice", required=True),
    Field("website", N_("Website"), rules=((_is_link, LINK),)),
    Field("source_url", N_("Source (web address)"), max_length=2000, rules=((_is_link, LINK),)),
)  # fmt: skip
PROJECT_FIELDS: tuple[Field, ...] = (
    Field("name", N_("Name"), required=True),
    Field("kind", N_("Kind"), "choice", required=True),
    Field("description", N_("What it does"), "long", max_length=MAX_TEXT),
    Field("url", N_("Website"), rules=((_is_link, LINK),)),
    Field("centres", N_("Buurtwerken"), "choices"),
    Field("source_url", N_("Source (web address)"), max_length=2000, rules=((_is_link, LINK),)),
)  # fmt: skip
FORMS: dict[str, tuple[Field, ...]] = {"initiatives": INITIATIVE_FIELDS, "centres": CENTRE_FIELDS,
                                       "projects": PROJECT_FIELDS}  # fmt: skip
COLUMNS = {"initiatives": INITIATIVE_COLUMNS, "centres": CENTRE_COLUMNS, "projects": PROJECT_COLUMNS}


def text_of(value: Any) -> str:
    """A widget's value as the text of its column (lists joined with ``;``, numbers in full)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v).strip() for v in value if str(v).strip())
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def check(
    table: str,
    values: Mapping[str, Any],
    centre_ids: Collection[str] = (),
    project_ids: Collection[str] = (),
) -> dict[str, str]:
    """The message (translated) for every bad field of a form of ``table``; empty when all is well."""
    fields = FORMS[table]
    text = {f.name: text_of(values.get(f.name)) for f in fields}
    errors: dict[str, str] = {}
    for f in fields:
        value = text[f.name]
        if not value:
            if f.required:
                errors[f.name] = _(REQUIRED)
            continue
        if len(value) > f.max_length:
            errors[f.name] = _(TOO_LONG).format(n=f.max_length)
            continue
        options = CHOICES.get(f.name) if table != "projects" else {"kind": ("project", "practice")}.get(f.name)
        if f.kind == "choice" and options is not None and value not in options:
            errors[f.name] = _(CHOOSE)
            continue
        for test, message in f.rules:
            if not test(value):
                errors[f.name] = _(message)
                break
    if "lat" in text and "lat" not in errors and "lon" not in errors:
        try:
            inside = in_antwerp(float(text["lat"]), float(text["lon"]))
        except ValueError:
            inside = False
        if not inside:
            errors["lat"] = _(POINT)
    if table == "initiatives":
        if text["centre_id"] and text["centre_id"] not in centre_ids:
            errors["centre_id"] = _(CENTRE)
        if any(p not in project_ids for p in split_list(text["projects"])):
            errors["projects"] = _(PROJECTS)
    if table == "projects" and any(c not in centre_ids for c in split_list(text["centres"])):
        errors["centres"] = _(CENTRE)
    return errors


def row_of(table: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The form's values as a row of ``table`` (the columns of ``data/``; lists joined with ``;``)."""
    return {column: text_of(values.get(column)) for column in COLUMNS[table] if column in values}


def store_errors(errors: Iterable[RowError]) -> dict[str, str]:
    """The store's :class:`~solidarity.store.Rejected` errors as messages per field (``lat/lon`` -> ``lat``)."""
    out: dict[str, str] = {}
    for error in errors:
        name = "lat" if error.field in ("lat/lon", "lon") else error.field
        out.setdefault(name, _(STORE_SAYS).format(reason=error.message))
    return out


def slug(text: str) -> str:
    """An id from a name: lower case, accents dropped, words joined by dashes (at most 60 characters)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    return "-".join(words)[:60].strip("-") or "initiatief"


def new_id(name: str, taken: Collection[str]) -> str:
    """A free id for a new row named ``name`` (``-2``, ``-3``, ... when the slug is taken)."""
    base = slug(name)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def check_id(value: str, taken: Collection[str]) -> str | None:
    """The message for a chosen id, or None when it can be used."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", value or ""):
        return _(ID_FORM)
    if value in taken:
        return _(ID_TAKEN)
    return None


@dataclass(frozen=True)
class FieldChange:
    """One field of a change: its label (translated), the value before and after."""

    field: str
    label: str
    before: str
    after: str


def diff(table: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[FieldChange]:
    """What changed between two versions of a row, field by field, in the form's order and words."""
    before, after = before or {}, after or {}
    labels = {f.name: _(f.label) for f in FORMS.get(table, ())}
    labels["archived"] = _("Archived")
    out = []
    for name in dict.fromkeys([*COLUMNS.get(table, ()), *before, *after]):
        old, new = before.get(name), after.get(name)
        if old == new or (text_of(old) == text_of(new)):
            continue
        if name == "archived":
            old, new = (_("yes") if old else _("no")) if name in before else "", _("yes") if new else _("no")
        out.append(FieldChange(name, labels.get(name, name), text_of(old), text_of(new)))
    return out
