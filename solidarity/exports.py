"""Exports of what the screen shows: CSV, Excel, GeoJSON, a standalone HTML map, PDF and PNG.

Every export takes the initiatives the current filters give (:func:`solidarity.filters.apply_filters`)
and carries the attribution of :mod:`solidarity.attribution`. Data stays text everywhere: CSV cells
that a spreadsheet would read as a formula get a leading ``'``; Excel cells are written as strings
(never formulas); the HTML map is the map builder's, with its escaping; PDF text is printed as it
is written (a font with Arabic glyphs, shaped with HarfBuzz).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from branca.element import Element
from PIL import Image

from solidarity.assets import URL_PREFIX, VENDOR_DIR
from solidarity.attribution import Attribution
from solidarity.i18n import _
from solidarity.model import INITIATIVE_COLUMNS
from solidarity.safety import esc

PREFIX = "solidariteitskaart"

#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Columns of the table exports: the exchange format of ``initiatives.csv``.
EXPORT_COLUMNS: tuple[str, ...] = INITIATIVE_COLUMNS

#: Fonts tried for PDF text, in order: (family, regular, bold). Debian packages fonts-noto-core
#: and fonts-dejavu-core; the first family found is the main one, the others fill in glyphs.
FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_CANDIDATES: tuple[tuple[str, str, str], ...] = (
    ("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("NotoSansArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("DejaVuSans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
)


class ExportUnavailableError(RuntimeError):
    """An export that cannot be made on this machine (no font, no map assets); the message says why."""


# -- names -------------------------------------------------------------------------------


def slug(text: str) -> str:
    """``text`` as a file-name part: lower case ASCII letters, digits and dashes."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def view_parts(state: Any, centre_labels: Mapping[str, str]) -> list[str]:
    """The file-name parts of a filter state: areas, types, categories, projects, search."""
    parts = [centre_labels.get(c, c) for c in state.centres]
    parts += list(state.types) + list(state.categories) + list(state.projects)
    if state.text:
        parts.append("zoek-" + state.text)
    return parts or ["alle"]


def export_filename(parts: Iterable[str], ext: str, day: dt.date | None = None) -> str:
    """``solidariteitskaart_kiel_direct_2026-12-01.xlsx``: the view and the date, safe characters only."""
    day = day or dt.date.today()
    words = [s for s in (slug(p) for p in parts) if s]
    middle = "_".join(words)[:100].strip("_-")
    return f"{PREFIX}_{middle + '_' if middle else ''}{day.isoformat()}.{ext}"


# -- tables ------------------------------------------------------------------------------


def export_frame(initiatives: pd.DataFrame) -> pd.DataFrame:
    """The shown initiatives in the exchange columns, in the order of the screen."""
    frame = initiatives.reindex(columns=list(EXPORT_COLUMNS))
    for column in EXPORT_COLUMNS:
        if column not in ("lat", "lon"):
            frame[column] = frame[column].fillna("").astype(str)
    return frame.reset_index(drop=True)


def neutralise(value: object) -> object:
    """A string cell a spreadsheet would run as a formula, with a leading ``'``; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(initiatives: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (Excel reads the accents right), formulas neutralised."""
    frame = export_frame(initiatives)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(frame.columns)
    columns = [frame[c].tolist() for c in frame.columns]
    for row in zip(*columns, strict=True):
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(initiatives: pd.DataFrame, attribution: Attribution, filters: str, day: dt.date | None = None) -> bytes:
    """An Excel workbook: the initiatives (every text cell a string, never a formula) and a sheet of sources."""

    frame = export_frame(initiatives)
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(_("Initiatives")[:31])
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, name, bold)
    columns = [frame[c].tolist() for c in frame.columns]
    for row_number, row in enumerate(zip(*columns, strict=True), start=1):
        for col, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(row_number, col, value)
            else:
                sheet.write_string(row_number, col, str(value))
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 2, 40)
    about = workbook.add_worksheet(_("Sources")[:31])
    lines = [filters, _("Made on {date}").format(date=(day or dt.date.today()).isoformat()), "", *attribution.full_text().split("\n")]
    for row_number, line in enumerate(lines):
        about.write_string(row_number, 0, line)
    about.set_column(0, 0, 100)
    workbook.close()
    return output.getvalue()


def to_geojson(initiatives: pd.DataFrame, attribution: Attribution, filters: str, day: dt.date | None = None) -> bytes:
    """A GeoJSON FeatureCollection of points (lon/lat) with the exchange columns as properties."""
    frame = export_frame(initiatives)
    properties = [c for c in frame.columns if c not in ("lat", "lon")]
    columns = {c: frame[c].tolist() for c in frame.columns}
    features = [
        {
            "type": "Feature",
            "id": columns["id"][i],
            "geometry": {"type": "Point", "coordinates": [round(float(columns["lon"][i]), 6), round(float(columns["lat"][i]), 6)]},
            "properties": {c: columns[c][i] for c in properties},
        }
        for i in range(len(frame))
    ]
    document = {
        "type": "FeatureCollection",
        "metadata": {
            "filters": filters,
            "date": (day or dt.date.today()).isoformat(),
            "attribution": list(attribution.lines),
            "sources": list(attribution.initiative_sources),
        },
        "features": features,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- the standalone HTML map -----------------------------------------------------------------

#: The only web font the map uses (its pins' icons); other fonts of the style sheets are left out.
INLINED_FONTS = frozenset({"fa-solid-900.woff2"})
FONT_SUFFIXES = frozenset({".woff2", ".woff", ".ttf", ".eot", ".otf"})
_LOCAL_SCRIPT = re.compile(r'<script src="(/app/static/vendor/[^"]+)"></script>')
_LOCAL_STYLE = re.compile(r'<link rel="stylesheet" href="(/app/static/vendor/[^"]+)"/?>')
_CSS_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")


def _vendor_file(url: str, vendor_dir: Path) -> Path:

    relative = url.split("?", 1)[0].removeprefix("/" + URL_PREFIX + "/")
    path = (vendor_dir / relative).resolve()
    if vendor_dir.resolve() not in path.parents or not path.is_file():
        raise ExportUnavailableError(_("The map assets are not installed (run `make assets`)."))
    return path


def _inline_css(path: Path) -> str:
    """A style sheet with every relative ``url(...)`` (images, fonts) turned into a data URI."""
    text = path.read_text(encoding="utf-8")

    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "http:", "https:", "#")):
            return match.group(0)
        file = (path.parent / target.split("?", 1)[0].split("#", 1)[0]).resolve()
        if file.suffix in FONT_SUFFIXES and file.name not in INLINED_FONTS:
            return "url()"  # a font the map never uses (the pins use Font Awesome's solid icons)
        if not file.is_file():
            return "url()"  # a missing image or font is not fatal; an outside request is not allowed
        mime = mimetypes.guess_type(file.name)[0] or ("font/woff2" if file.suffix == ".woff2" else "application/octet-stream")
        return f"url(data:{mime};base64,{base64.b64encode(file.read_bytes()).decode()})"

    return _CSS_URL.sub(replace, text)


def standalone_map_html(fmap: Any, attribution: Attribution, title: str, vendor_dir: Path | None = None) -> str:
    """The map as one HTML file that opens from disk, offline, on another computer.

    The map is the map builder's (same escaping); its local Leaflet scripts and style sheets are
    put inside the file (``make assets`` installs them), fonts and images as data URIs.

    Raises
    ------
    ExportUnavailableError
        When the map still links a CDN (the local assets are not installed).
    """


    vendor = vendor_dir or VENDOR_DIR
    credits = "".join(f"<span>{esc(line)}</span>" for line in attribution.lines)
    footer = (
        '<div class="sm-credits" style="position:fixed;left:0;right:0;bottom:0;z-index:1000;background:rgba(255,255,255,.9);'
        'font:12px/1.4 system-ui,sans-serif;padding:4px 8px;color:#1F2A37;display:flex;flex-wrap:wrap;gap:4px 14px">'
        f"<strong>{esc(title)}</strong>{credits}</div>"
    )
    root = fmap.get_root()
    root.html.add_child(Element(footer))
    root.title = esc(title)  # branca writes the title into <title> as it is
    html = root.render()
    if re.search(r'<script src="https?://', html):
        raise ExportUnavailableError(_("The map assets are not installed (run `make assets`)."))
    html = _LOCAL_SCRIPT.sub(
        lambda m: "<script>" + _vendor_file(m.group(1), vendor).read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>",
        html,
    )
    html = _LOCAL_STYLE.sub(lambda m: "<style>" + _inline_css(_vendor_file(m.group(1), vendor)) + "</style>", html)
    if "<title>" not in html:
        html = html.replace("<head>", f"<head><title>{esc(title)}</title>", 1)
    return html


# -- PDF --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfFonts:
    """The font files found on this machine: the main family first, the others as fallbacks."""

    families: tuple[tuple[str, Path, Path | None], ...]


def find_fonts(dirs: Sequence[str] = FONT_DIRS) -> PdfFonts:
    """Look for the fonts of :data:`FONT_CANDIDATES` under ``dirs`` (at run time, not at import).

    Raises
    ------
    ExportUnavailableError
        When none is found (install Debian's fonts-noto-core or fonts-dejavu-core).
    """
    found = []
    for family, regular, bold in FONT_CANDIDATES:
        regular_path = _find_file(regular, dirs)
        if regular_path is not None:
            found.append((family, regular_path, _find_file(bold, dirs)))
    if not found:
        raise ExportUnavailableError(_("No font for PDF found: install fonts-noto-core or fonts-dejavu-core."))
    return PdfFonts(tuple(found))


_font_cache: dict[tuple[str, str], Path | None] = {}


def _find_file(name: str, dirs: Sequence[str]) -> Path | None:
    key = (name, "|".join(dirs))
    if key not in _font_cache:
        hit = None
        for directory in dirs:
            base = Path(directory)
            if base.is_dir():
                hit = next(iter(sorted(base.rglob(name))), None)
                if hit:
                    break
        _font_cache[key] = hit
    return _font_cache[key]


@dataclass(frozen=True)
class PdfPage:
    """One page of a PDF: a title, lines of text, an image, and the sources at the bottom."""

    title: str
    subtitle: str
    sentences: tuple[str, ...]
    image_png: Any = None  # PNG bytes or a PIL image
    table: tuple[tuple[str, str], ...] = ()
    footer: str = ""
    sources: tuple[str, ...] = ()
    #: Under the image: (label, colour "#RRGGBB", shape: circle, square, diamond or box).
    legend: tuple[tuple[str, str, str], ...] = ()


def _new_pdf(fonts: PdfFonts, landscape: bool) -> Any:
    from fpdf import FPDF  # deferred: only a PDF export needs it

    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(14, 12, 14)
    names = []
    for family, regular, bold in fonts.families:
        pdf.add_font(family, "", str(regular))
        pdf.add_font(family, "B", str(bold or regular))
        names.append(family)
    pdf.set_font(names[0], size=11)
    if len(names) > 1:
        pdf.set_fallback_fonts(names[1:], exact_match=False)
    pdf.set_text_shaping(use_shaping_engine=True)
    pdf.set_creator("Solidariteitskaart Antwerpen")
    return pdf, names[0]


def render_pdf(pages: Sequence[PdfPage], title: str, landscape: bool = False, fonts: PdfFonts | None = None) -> bytes:
    """A PDF with one page per :class:`PdfPage` (an empty list gives one page that says so)."""
    fonts = fonts or find_fonts()
    pdf, family = _new_pdf(fonts, landscape)
    pdf.set_title(title)
    for page in pages or [PdfPage(title, "", (_("Nothing to show for these filters."),))]:
        _draw_page(pdf, family, page, landscape)
    return bytes(pdf.output())


def _draw_page(pdf: Any, family: str, page: PdfPage, landscape: bool) -> None:
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    bottom = pdf.h - 10
    pdf.set_text_color(31, 42, 55)
    pdf.set_font(family, "B", 20 if landscape else 18)
    pdf.multi_cell(width, 9, page.title, new_x="LMARGIN", new_y="NEXT")
    if page.subtitle:
        pdf.set_font(family, "", 10)
        pdf.set_text_color(75, 85, 99)
        pdf.multi_cell(width, 5, page.subtitle, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(31, 42, 55)
    pdf.ln(2)
    pdf.set_font(family, "", 12 if landscape else 11)
    for sentence in page.sentences[:3]:
        pdf.multi_cell(width, 6, sentence, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    sources_height = 4 + 3.2 * min(len(page.sources), 8) + (6 if page.footer else 0)
    if page.image_png:
        image_top = pdf.get_y()
        image_width = width * (0.6 if landscape else 1.0)
        box_height = (bottom - sources_height - image_top - 2) if landscape else 88.0
        picture = page.image_png
        if isinstance(picture, bytes):

            picture = Image.open(io.BytesIO(picture))
        # Fit the picture into the box ourselves: fpdf2's keep_aspect_ratio centres it in the box,
        # and the legend and the text below must start right under it.
        pixel_w, pixel_h = picture.size
        image_w = min(image_width, box_height * pixel_w / pixel_h)
        image_height = image_w * pixel_h / pixel_w
        pdf.image(picture, x=pdf.l_margin, y=image_top, w=image_w, h=image_height)
        if page.legend:
            _draw_legend(pdf, family, page.legend, pdf.l_margin, image_top + image_height + 1.5, image_width)
            image_height += 6
        if landscape:
            pdf.set_xy(pdf.l_margin + image_width + 6, image_top)
        else:
            pdf.set_y(image_top + image_height + 3)
    column_x = pdf.get_x()
    column_width = (pdf.w - pdf.r_margin - column_x) if landscape else width
    pdf.set_font(family, "", 10)
    if page.table:
        half = column_width / 2 if not landscape else column_width * 0.6
        for label, value in page.table:
            if pdf.get_y() > bottom - sources_height - 5:
                break
            pdf.set_x(column_x)
            pdf.cell(half, 5.2, label)
            pdf.set_font(family, "B", 10)
            pdf.cell(column_width - half, 5.2, value, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 10)
        pdf.ln(1)
    for sentence in page.sentences[3:]:
        if pdf.get_y() > bottom - sources_height - 5:
            break
        pdf.set_x(column_x)
        pdf.multi_cell(column_width, 5, sentence, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(bottom - sources_height)
    pdf.set_font(family, "", 7.5)
    pdf.set_text_color(75, 85, 99)
    if page.footer:
        pdf.multi_cell(width, 3.4, page.footer, new_x="LMARGIN", new_y="NEXT")
    shown = list(page.sources[:7])
    if len(page.sources) > 7:
        shown.append(_("… and {n} more sources: see the Excel or GeoJSON export.").format(n=len(page.sources) - 7))
    for line in shown:
        pdf.set_x(pdf.l_margin)
        pdf.cell(width, 3.2, line[:160], new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(31, 42, 55)


def _draw_legend(pdf: Any, family: str, items: Sequence[tuple[str, str, str]], x: float, y: float, width: float) -> None:
    """A one-line legend: a small symbol per item and its label (text stays text)."""
    pdf.set_font(family, "", 8)
    cursor = x
    for label, colour, shape in items:
        text_width = pdf.get_string_width(label) + 1
        if cursor + 3.4 + text_width > x + width:
            break
        red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        pdf.set_fill_color(red, green, blue)
        if shape == "circle":
            pdf.ellipse(cursor, y + 0.6, 2.4, 2.4, style="F")
        elif shape == "diamond":
            pdf.polygon([(cursor + 1.2, y + 0.6), (cursor + 2.4, y + 1.8), (cursor + 1.2, y + 3.0), (cursor, y + 1.8)], style="F")
        else:
            pdf.rect(cursor, y + 0.6, 2.4, 2.4, style="F")
        pdf.set_xy(cursor + 3.4, y)
        pdf.cell(text_width, 3.6, label)
        cursor += 3.4 + text_width + 3
    pdf.set_font(family, "", 10)
