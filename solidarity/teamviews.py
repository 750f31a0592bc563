"""What the team's page shows, as escaped HTML and plain values (no Streamlit): history with readable
diffs, a conflict side by side, a suggestion, an address looked up for a form."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_datetime

from geo import geocode as gc
from solidarity.forms import FORMS, FieldChange, diff, text_of
from solidarity.i18n import N_, _, get_language
from solidarity.nearby import settle
from solidarity.safety import esc
from solidarity.store import Change, Conflict, Suggestion

ACTION_LABELS = {
    "create": N_("added"),
    "update": N_("changed"),
    "archive": N_("archived"),
    "unarchive": N_("brought back from the archive"),
    "restore": N_("restored an earlier version"),
}
KIND_LABELS = {"new": N_("New initiative"), "correction": N_("A mistake on the map")}


def when(value: Any) -> str:
    """A moment in the user's language and Antwerp's time."""
    return format_datetime(value, format="medium", tzinfo="Europe/Brussels", locale=get_language())


def _diff_table(changes: Sequence[FieldChange]) -> str:
    if not changes:
        nothing = _("No field changed.")
        return f'<p class="sm-note">{esc(nothing)}</p>'
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in (_("Field"), _("Before"), _("After")))
    rows = "".join(
        f'<tr><th scope="row">{esc(c.label)}</th><td dir="auto"><del>{esc(c.before)}</del></td>'
        f'<td dir="auto"><ins>{esc(c.after)}</ins></td></tr>'
        for c in changes
    )
    return f'<div class="sm-table"><table class="sm-diff"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def change_html(change: Change, title: str = "") -> str:
    """One change: who, when, what, and the fields that changed (before and after, every value escaped)."""
    action = _(ACTION_LABELS.get(change.action, change.action))
    heading = title or _("{who} {action} on {when}").format(who="\x00", action=action, when=when(change.at))
    heading = esc(heading).replace("\x00", f"<bdi>{esc(change.who)}</bdi>")
    note = f' <span class="sm-note">({esc(change.note)})</span>' if change.note else ""
    fields = diff(change.table, change.before, change.after) if change.action != "create" else []
    body = _diff_table(fields) if change.action != "create" else ""
    return f'<section class="sm-change"><h4>{heading}{note}</h4>{body}</section>'


def recent_html(changes: Sequence[Change], names: Mapping[str, str]) -> str:
    """The recent changes of the whole map: one line each (what, which row, who, when) and its fields."""
    items = []
    for change in changes:
        name = names.get(change.row_id) or (change.after or change.before or {}).get("name") or change.row_id
        action = _(ACTION_LABELS.get(change.action, change.action))
        fields = ", ".join(c.label for c in diff(change.table, change.before, change.after)) if change.action == "update" else ""
        line = _("{name}: {action} by {who}, {when}").format(name="\x01", action=action, who="\x00", when=when(change.at))
        line = esc(line).replace("\x01", f"<bdi>{esc(name)}</bdi>").replace("\x00", f"<bdi>{esc(change.who)}</bdi>")
        items.append(f"<li>{line}" + (f' <span class="sm-note">({esc(fields)})</span>' if fields else "") + "</li>")
    return '<ul class="sm-changes">' + "".join(items) + "</ul>"


@dataclass(frozen=True)
class ConflictView:
    """A refused save: who changed the row meanwhile, and each field where the two versions differ."""

    who: str
    at: str
    fields: list[tuple[str, str, str, str]]  # (field, label, mine, theirs)


def conflict_view(table: str, conflict: Conflict, mine: Mapping[str, Any], current: Mapping[str, Any]) -> ConflictView:
    """What the page shows side by side when a save met a newer version."""
    labels = {f.name: _(f.label) for f in FORMS[table]}
    other = conflict.change
    fields = [
        (name, label, text_of(mine.get(name)), text_of(current.get(name)))
        for name, label in labels.items()
        if name in mine and text_of(mine.get(name)) != text_of(current.get(name))
    ]
    return ConflictView(other.who if other else "?", when(other.at) if other else "", fields)


def conflict_html(view: ConflictView) -> str:
    """The two versions side by side (every value escaped)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in (_("Field"), _("Your version"), _("Saved meanwhile")))
    rows = "".join(
        f'<tr><th scope="row">{esc(label)}</th><td dir="auto">{esc(mine)}</td><td dir="auto">{esc(theirs)}</td></tr>'
        for _name, label, mine, theirs in view.fields
    )
    return f'<div class="sm-table sm-conflict"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def suggestion_html(suggestion: Suggestion, initiative_name: str = "") -> str:
    """A suggestion as an editor sees it, the resident's contact included (this page only)."""
    rows = [
        (_("Kind"), _(KIND_LABELS.get(suggestion.kind, suggestion.kind))),
        (_("Sent"), when(suggestion.created)),
    ]
    if suggestion.kind == "correction":
        rows.append((_("About"), initiative_name or suggestion.initiative_id))
    for label, value in ((_("Name"), suggestion.name), (_("What it does"), suggestion.description),
                         (_("Address"), suggestion.address),
                         (_("How to reach the initiative"), suggestion.contact),
                         (_("The resident's contact (never public)"), suggestion.reporter_contact)):  # fmt: skip
        if value:
            rows.append((label, value))
    if suggestion.lat is not None and suggestion.lon is not None:
        rows.append((_("Point"), f"{suggestion.lat:.5f}, {suggestion.lon:.5f}"))
    body = "".join(f'<tr><th scope="row">{esc(k)}</th><td dir="auto">{esc(v)}</td></tr>' for k, v in rows)
    return f'<div class="sm-table sm-suggestion"><table><tbody>{body}</tbody></table></div>'


#: A looked-up place's kind -> the precision of the location it gives.
PRECISION_OF_KIND = {"address": "exact", "house": "exact", "street": "street"}


@dataclass(frozen=True)
class Lookup:
    """An address looked up for a form: the point and its precision, or why there is none."""

    lat: float | None = None
    lon: float | None = None
    precision: str = ""
    label: str = ""
    message: str = ""


def lookup_address(geocode: Callable[[str], gc.GeocodeResult], text: str) -> Lookup:
    """The point of an address typed in a form (the first of several close matches)."""
    if not text.strip():
        return Lookup(message=_("Type an address first."))
    result = geocode(text)
    place, result = settle(result)
    if place is None and result.status == "choose" and result.places:
        place = result.places[0]
    if place is None:
        return Lookup(message=_("No place found for this address: check it, or click the map."))
    precision = PRECISION_OF_KIND.get(place.kind, "approximate")
    return Lookup(place.lat, place.lon, precision, place.label)
