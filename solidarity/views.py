"""Plain views of the data for pages: tables, counts and share links (no Streamlit)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import numpy as np
import pandas as pd

from solidarity.freshness import NEVER
from solidarity.i18n import _
from solidarity.model import CATEGORIES, PRECISION_LABELS, SOLIDARITY_LABELS, SOLIDARITY_TYPES
from solidarity.safety import esc, link, safe_url


def type_counts(initiatives: pd.DataFrame) -> dict[str, int]:
    """Number of initiatives per solidarity type, in the vocabulary's order."""
    counts = initiatives["solidarity_type"].value_counts()
    return {t: int(counts.get(t, 0)) for t in SOLIDARITY_TYPES}


def category_label(category: str) -> str:
    """The translated label of a category slug (the slug itself when unknown)."""
    return _(CATEGORIES[category][0]) if category in CATEGORIES else category


def initiative_table(initiatives: pd.DataFrame, centre_names: Mapping[str, str]) -> pd.DataFrame:
    """The list shown under the map: translated headers and labels, safe links only.

    Plain values: :func:`table_html` escapes them on the way into HTML. Links that are not
    http(s)/mailto are left out. Labels are mapped per column (a few dictionary look-ups), not
    per row: at 10,000 initiatives this is what a first visit in a new language waits for.
    """
    note = _(PRECISION_LABELS["approximate"])
    approximate = (initiatives["location_precision"] == "approximate").to_numpy()
    address = initiatives["address"].fillna("").to_numpy(dtype=object)
    with_note = np.where(address != "", address + f" ({note})", note)
    websites = initiatives["website_safe"] if "website_safe" in initiatives else initiatives["website"].map(safe_url)
    projects = initiatives["project_names"] if "project_names" in initiatives else initiatives["projects"]
    return pd.DataFrame(
        {
            _("Name"): initiatives["name"].to_numpy(),
            _("Solidarity"): initiatives["solidarity_type"].map({t: _(label) for t, label in SOLIDARITY_LABELS.items()}).to_numpy(),
            _("Category"): initiatives["category"].map(
                {c: category_label(c) for c in set(initiatives["category"])}
            ).to_numpy(),
            _("Buurtwerk"): initiatives["centre_id"].map(dict(centre_names)).fillna("").to_numpy(),
            _("Projects"): projects.to_numpy(),
            _("Address"): np.where(approximate, with_note, address),
            _("Website"): websites.where(websites.astype(bool), None).to_numpy(),
            _("Last checked"): initiatives["last_verified"].fillna("").map(lambda d: d or _(NEVER)).to_numpy(),
        }
    )


def url_label(url: str) -> str:
    """A short label for a link: the site's name (``example.org``) or the e-mail address."""
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return parts.path
    return parts.netloc.removeprefix("www.") or url


def table_html(frame: pd.DataFrame, caption: str, link_columns: Collection[str] = (), element_id: str = "") -> str:
    """``frame`` as a plain, semantic HTML table: every cell escaped, links only through :func:`link`.

    The initiative list is the accessible alternative to the map, so it is a real ``<table>``
    (a caption, column headers, the name as row header) that screen readers, the browser's
    search, printing and copying understand, and that is light to draw on a phone. The
    scrolling wrapper is focusable, so a keyboard can scroll a wide table.
    """
    columns = list(frame.columns)
    head = "".join(f'<th scope="col">{esc(column)}</th>' for column in columns)
    linked = [column in link_columns for column in columns]
    body = []
    for values in zip(*(frame[column].tolist() for column in columns), strict=True):
        cells = []
        for i, value in enumerate(values):
            text = "" if value is None or value != value else str(value)  # None and NaN: empty
            content = link(text, url_label(text)) if linked[i] and text else esc(text)
            cells.append(f'<th scope="row">{content}</th>' if i == 0 else f"<td>{content}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    label = esc(caption)
    ident = f' id="{esc(element_id)}"' if element_id else ""
    return (
        f'<div class="sm-table"{ident} role="region" aria-label="{label}" tabindex="0"><table>'
        f"<caption>{label}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


#: Rows of the initiative list per page. The list is the accessible alternative to the map:
#: a hundred rows can be read and tabbed through; ten thousand cannot, and sending them all
#: would slow every page load (the map's markers wait for the browser to draw the list).
LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class ListPage:
    """One page of a list of ``total`` rows: rows ``start`` to ``stop`` (0-based, stop excluded)."""

    number: int  # 1-based
    pages: int
    start: int
    stop: int
    total: int


def list_page(total: int, number: int, size: int = LIST_PAGE_SIZE) -> ListPage:
    """Page ``number`` (clamped to the pages there are) of a list of ``total`` rows."""
    size = max(int(size), 1)
    pages = max((total + size - 1) // size, 1)
    number = min(max(int(number), 1), pages)
    start = (number - 1) * size
    return ListPage(number, pages, start, min(start + size, total), total)


def page_of(position: int, size: int = LIST_PAGE_SIZE) -> int:
    """The 1-based page that holds row ``position`` (0-based)."""
    return max(int(position), 0) // max(int(size), 1) + 1


def normalise_params(params: Mapping[str, object]) -> dict[str, list[str]]:
    """Query parameters as ``{name: [values]}`` for comparing two states of the URL."""
    out: dict[str, list[str]] = {}
    for key, value in params.items():
        values = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
        out[key] = [str(v) for v in values]
    return out


def share_url(page_url: str, params: Mapping[str, object]) -> str:
    """The link to ``page_url`` with ``params`` as its query string."""
    parts = urlsplit(page_url)
    query = urlencode(normalise_params(params), doseq=True)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass(frozen=True)
class Source:
    """One source of the map's facts and what it supports."""

    url: str
    label: str  # host and path, short enough to read
    supports: tuple[str, ...]  # names of the initiatives, buurtwerken and projects it is the source of


def source_label(url: str, limit: int = 70) -> str:
    """``example.org/path/to/page``: a link's host and path without the scheme, cut to ``limit``."""
    parts = urlsplit(url)
    text = (parts.netloc.removeprefix("www.") + parts.path).rstrip("/") or url
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sources(*frames: pd.DataFrame) -> list[Source]:
    """Every safe ``source_url`` of ``frames`` (initiatives, centres, projects) with the names it supports,
    sorted by label. Links that are not http(s) are left out."""
    supports: dict[str, list[str]] = {}
    for frame in frames:
        if "source_url" not in frame:
            continue
        for url, name in zip(frame["source_url"].tolist(), frame["name"].tolist(), strict=True):
            checked = safe_url(url)
            if checked and checked.startswith(("http://", "https://")):
                names = supports.setdefault(checked, [])
                if name not in names:
                    names.append(str(name))
    found = [Source(url, source_label(url), tuple(names)) for url, names in supports.items()]
    return sorted(found, key=lambda s: s.label.casefold())


def sources_html(found: list[Source], supports_label: str) -> str:
    """The sources as an accessible list of links, each with what it supports (every string escaped)."""
    items = [
        f'<li>{link(s.url, s.label)}<br><span class="sm-note">{esc(supports_label)}: '
        + ", ".join(f"<bdi>{esc(name)}</bdi>" for name in s.supports)
        + "</span></li>"
        for s in found
    ]
    return '<ul class="sm-sources">' + "".join(items) + "</ul>"
