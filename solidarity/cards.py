"""The residents' result cards as HTML: every data string escaped, data in another language isolated.

One function per card; the page only puts the strings on screen (``st.html``). Data from the
store (names, descriptions, addresses, opening hours as written) passes :func:`esc`, links pass
:func:`safe_url`, and every piece of data gets ``dir="auto"`` (blocks) or ``<bdi>`` (inline), so
that in an Arabic page a Dutch description keeps its full stop at its end and a name does not
swallow the number beside it. Content in its original language is marked ``lang="nl"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import quote

from solidarity import freshness, hours
from solidarity.i18n import LANGUAGES, _, direction
from solidarity.model import PRECISION_LABELS, SOLIDARITY_LABELS, WHEELCHAIR_LABELS
from solidarity.nearby import Hit, contact_links, languages_of, route_url, walk_text
from solidarity.safety import esc, safe_url
from solidarity.views import category_label

#: The language the initiatives' own texts are written in (the sources are Dutch).
CONTENT_LANGUAGE = "nl"


def _data(text: object, block: bool = False, lang: str = "") -> str:
    """One piece of data: escaped, isolated (``<bdi>`` inline, ``dir="auto"`` for a block)."""
    lang_attr = f' lang="{esc(lang)}"' if lang else ""
    if block:
        return f'<p dir="auto"{lang_attr}>{esc(text)}</p>'
    return f"<bdi{lang_attr}>{esc(text)}</bdi>"


def _text_lang(row: Mapping, field_name: str, language: str) -> tuple[str, str]:
    """``field_name`` of ``row`` in ``language`` when translated, else the original, with its language."""
    translated = row.get(f"{field_name}_{language}")
    if isinstance(translated, str) and translated.strip():
        return translated.strip(), language
    return str(row.get(field_name, "") or ""), CONTENT_LANGUAGE


def _link(href: str, label: str, accessible: str, css: str = "sm-action") -> str:
    """An action link with its own accessible name (``href`` already checked)."""
    external = ' target="_blank" rel="noopener noreferrer"' if href.startswith("http") else ""
    return f'<a class="{css}" href="{esc(href)}"{external} aria-label="{esc(accessible)}">{esc(label)}</a>'


def _fill(template: str, **pieces: str) -> str:
    """A translated sentence with HTML pieces in its placeholders: the sentence escaped, each piece
    put in as given (it is escaped already), wherever the translation puts its placeholder."""
    out = esc(template)
    for key, piece in pieces.items():
        out = out.replace(esc("{" + key + "}"), piece)
    return out


def _tel(phone: str) -> str:
    """A ``tel:`` link target from the digits (and a leading +) only: safe by construction."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("tel:+" if phone.strip().startswith("+") else "tel:") + digits


def result_card(
    hit: Hit, language: str, origin: tuple[float, float], now: dt.datetime | None = None, report_url: str = ""
) -> str:
    """One initiative near the resident: name, type, distance on foot, description, hours, contact, route,
    when it was last checked, and "report a mistake" (``report_url``: the link up to the id)."""
    row = hit.row
    name, name_lang = _text_lang(row, "name", language)
    open_state = hours.is_open_now(row.get("opening_hours"), now)
    open_now = _("open now")
    badge = f' <span class="sm-badge sm-open">{esc(open_now)}</span>' if open_state is True else ""
    kind = _(SOLIDARITY_LABELS.get(str(row.get("solidarity_type")), SOLIDARITY_LABELS["direct"]))
    parts = [
        f'<article class="sm-card" dir="{direction(language)}" aria-labelledby="sm-hit-{hit.rank}">',
        f'<h3 id="sm-hit-{hit.rank}"><span class="sm-rank">{hit.rank}.</span> {_data(name, lang=name_lang)}{badge}</h3>',
        f'<p class="sm-meta">{esc(kind)} · {esc(category_label(str(row.get("category", ""))))}</p>',
        f'<p class="sm-walk">{esc(walk_text(hit.walking_m, language))}</p>',
    ]
    description, description_lang = _text_lang(row, "description", language)
    if description:
        parts.append(_data(description, block=True, lang=description_lang))
    expr = row.get("opening_hours")
    address_label, unknown_hours = _("Address"), _("Opening hours unknown")
    languages_line = _("Languages: {languages}")
    if expr:
        parts.append(
            f"<p>{esc(hours.status_line(expr, now))}: "
            f'<span dir="auto">{esc(hours.describe(expr, language, now))}</span></p>'
        )
    else:
        parts.append(f"<p>{esc(unknown_hours)}</p>")
    address = ", ".join(str(v) for v in (row.get("address"), row.get("postcode")) if v)
    if address:
        parts.append(f"<p>{esc(address_label)}: {_data(address)}</p>")
    if row.get("location_precision") == "approximate":
        parts.append(f'<p class="sm-note">{esc(_(PRECISION_LABELS["approximate"]))}</p>')
    spoken = [LANGUAGES[c][0] if c in LANGUAGES else c for c in languages_of(row)]
    if spoken:
        parts.append(f"<p>{_fill(languages_line, languages=_data(', '.join(spoken)))}</p>")
    parts.append(f"<p>{esc(_(WHEELCHAIR_LABELS.get(str(row.get('wheelchair')), WHEELCHAIR_LABELS['unknown'])))}</p>")
    links = contact_links(row)
    actions = [
        _link(route_url(origin[0], origin[1], hit.lat, hit.lon), _("Route on foot"),
              _("Walking route to {name}").format(name=name)),
    ]  # fmt: skip
    if "phone" in links:
        actions.append(_link(_tel(links["phone"]), links["phone"], _("Call {name}").format(name=name)))
    if "email" in links and safe_url(f"mailto:{links['email']}"):
        actions.append(_link(f"mailto:{links['email']}", links["email"], _("E-mail {name}").format(name=name)))
    if "website" in links:
        actions.append(_link(links["website"], _("Website"), _("Website of {name}").format(name=name)))
    parts.append(f'<p class="sm-actions">{" ".join(actions)}</p>')
    checked = freshness.checked_text(row.get("last_verified"), language)
    stale = f" ({esc(_(freshness.STALE_NOTE))})" if freshness.is_stale(row.get("last_verified")) and row.get("last_verified") else ""
    report = ""
    if report_url and safe_url(report_url + "x"):
        href = report_url + quote(str(row.get("id", "")), safe="")
        report = f' · <a href="{esc(href)}" target="_top">{esc(_("Report a mistake"))}</a>'
    parts.append(f'<p class="sm-note sm-checked">{esc(checked)}{stale}{report}</p>')
    parts.append("</article>")
    return "".join(parts)


def centre_card(centre: Hit, language: str, origin: tuple[float, float]) -> str:
    """The nearest buurtwerk: its name, how far on foot, its address, a walking route."""
    row = centre.row
    heading = _("Nearest buurtwerk")
    address_label = _("Address")
    parts = [
        f'<article class="sm-card sm-centre-card" dir="{direction(language)}" aria-labelledby="sm-centre">',
        f'<h3 id="sm-centre">{esc(heading)}: {_data(centre.name, lang=CONTENT_LANGUAGE)}</h3>',
        f'<p class="sm-walk">{esc(walk_text(centre.walking_m, language))}</p>',
    ]
    if row.get("address"):
        parts.append(f"<p>{esc(address_label)}: {_data(row.get('address'))}</p>")
    if row.get("location_precision") == "approximate":
        parts.append(f'<p class="sm-note">{esc(_(PRECISION_LABELS["approximate"]))}</p>')
    route = _link(route_url(origin[0], origin[1], centre.lat, centre.lon), _("Route on foot"),
                  _("Walking route to {name}").format(name=centre.name))  # fmt: skip
    parts.append(f'<p class="sm-actions">{route}</p></article>')
    return "".join(parts)
