"""The team's spreadsheet import (``/beheer``): read an upload, check it, flag likely duplicates, import
all or nothing, undo (no Streamlit).

- **Reading**: a CSV as a spreadsheet writes it (the store's reader: UTF-8 with or without BOM,
  UTF-16, Windows-1252; ``,``/``;``/tab, detected) or an Excel workbook (``.xlsx``, its first
  sheet, read with openpyxl without running anything: a formula cell is seen as a formula and
  rejects its row, since its value is not known without a spreadsheet program).
- **Dry run**: :func:`check_upload` reports per row what would be added, changed (field by field)
  or left alone, every error with its line and field, and the likely duplicates: a new row whose
  name is like an existing one's (rapidfuzz, :data:`NAME_SIMILARITY`) within :data:`NEAR_M`, or
  that has an existing website.
- **Import**: :func:`import_upload` imports the same file only when the dry run found no error
  (strict: all or nothing, one batch) and nothing it compared with changed since.
- **Undo**: :meth:`solidarity.store.Store.undo_batch`.

The messages of the store and the reader are English; :func:`say` puts them in the user's language.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from solidarity import exchange
from solidarity.exchange import CsvTable, UnreadableFile
from solidarity.filters import fold
from solidarity.forms import INITIATIVE_FIELDS
from solidarity.i18n import N_, _
from solidarity.model import INITIATIVE_COLUMNS, RowError
from solidarity.store import REQUIRED_COLUMNS, ImportReport, Store

NAME_SIMILARITY = 85.0
NEAR_M = 50.0
XLSX_MAGIC = b"PK\x03\x04"

#: The store's and the reader's English messages -> msgids (a regex with named groups for the values).
MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (r"^missing: every fact needs its source$", N_("missing: every fact needs its source")),
        (r"^missing$", N_("missing")),
        (r"^duplicate id$", N_("the same id twice in the file")),
        (r"^duplicate: first on line (?P<line>\d+)$", N_("the same id as line {line}")),
        (r"^longer than (?P<n>\d+) characters$", N_("longer than {n} characters")),
        (r"^must be one of (?P<values>.+)$", N_("must be one of {values}")),
        (r"^must be a number between .* \(Antwerp\)$", N_("must be a number that places it in Antwerp")),
        (r"^must be four digits$", N_("must be four digits")),
        (r"^must be an http\(s\) link$", N_("must be a web address starting with http:// or https://")),
        (r"^not an e-mail address$", N_("not an e-mail address")),
        (r"^must be a date YYYY-MM-DD$", N_("must be a date such as 2025-03-31")),
        (r"^unknown buurtwerk$", N_("unknown buurtwerk")),
        (r"^unknown project (?P<values>.+)$", N_("unknown project {values}")),
        (r"^has (?P<n>\d+) fields, the header has (?P<m>\d+)$", N_("has {n} fields where the first line has {m}")),
        (r"^contains a NUL character$", N_("contains a character that is not text")),
        (r"^is not valid text$", N_("is not valid text")),
        (r"^is a spreadsheet formula: type the value itself$", N_("is a spreadsheet formula: type the value itself")),
        (r"^is neither UTF-8 nor Windows-1252 text", N_("is not a text file in a known encoding: save it as CSV (UTF-8) or Excel (.xlsx)")),
        (r"^holds NUL characters", N_("is not a spreadsheet: save it as CSV (UTF-8) or Excel (.xlsx)")),
        (r"^has no header line", N_("has no first line with the column names of the template")),
        (r"^is empty", N_("is empty: the first line must name the columns (see the template)")),
        (r"^names a column twice: (?P<values>.+)$", N_("names a column twice: {values}")),
        (r"^lacks the required column\(s\) (?P<values>.+)$", N_("lacks the column(s) {values} (see the template)")),
        (r"^line (?P<line>\d+): broken CSV", N_("line {line}: the quotes are broken (a cell opens a quote it never closes)")),
        (r"^has more than (?P<n>[\d,]+) rows", N_("has more than {n} rows: import at most that many at once")),
        (r"^is (?P<n>\d+) MB: larger than (?P<m>\d+) MB$", N_("is {n} MB: at most {m} MB")),
        (r"^holds no rows$", N_("holds no rows")),
        (r"^none of its (?P<n>\d+) rows can be imported", N_("none of its {n} rows can be imported (see the errors)")),
        (r"^(?P<n>\d+) row\(s\) have errors", N_("{n} row(s) have errors: correct them in the file and check again; nothing was imported")),
        (r"^changed since the check: (?P<values>.+)$", N_("someone changed {values} since the check: check the file again")),
        (r"^is not a workbook", N_("is not an Excel workbook that can be read: save it again as .xlsx or CSV")),
        (r"^ignored column\(s\) not in the table: (?P<values>.+)$", N_("columns that are not in the template were ignored: {values}")),
    )
)  # fmt: skip

ADDED, CHANGED, UNCHANGED, ERROR, DUPLICATE = "added", "changed", "unchanged", "error", "duplicate"
OUTCOME_LABELS = {ADDED: N_("added"), CHANGED: N_("changed"), UNCHANGED: N_("no change"), ERROR: N_("error"),
                  DUPLICATE: N_("possible duplicate")}  # fmt: skip


def say(message: str) -> str:
    """An English message of the store or the reader in the user's language (as it is when unknown)."""
    for pattern, msgid in MESSAGES:
        match = pattern.match(message)
        if match:
            return _(msgid).format(**match.groupdict())
    return message


def read_upload(name: str, data: bytes, max_rows: int = exchange.MAX_ROWS) -> CsvTable:
    """The records of an uploaded file (CSV or ``.xlsx``); :class:`UnreadableFile` when it cannot be read."""
    source = name.rsplit("/", 1)[-1][:120] or "upload"
    if len(data) > exchange.MAX_BYTES:
        raise UnreadableFile(source, f"is {len(data) / 1e6:.0f} MB: larger than {exchange.MAX_BYTES / 1e6:.0f} MB")
    required = REQUIRED_COLUMNS["initiatives"]
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(source, data, required, max_rows)
    text, encoding = exchange.decode(data, source)
    table = exchange.parse(text, source, INITIATIVE_COLUMNS, required, max_rows, reject_formulas=True)
    table.encoding = encoding
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 1e15 else str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_xlsx(source: str, data: bytes, required: Sequence[str], max_rows: int) -> CsvTable:
    """The first sheet of a workbook as records (the first non-empty row names the columns)."""
    from openpyxl import load_workbook  # deferred: only an .xlsx upload needs it (a 0.3 s import)

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows()
        header: list[str] | None = None
        header_line = 0
        for cells in rows:
            values = [_cell(c.value).strip() for c in cells]
            if any(values):
                header, header_line = values, cells[0].row if cells else 1
                break
        if header is None:
            raise UnreadableFile(source, "is empty: the first line must name the columns")
        names = [n.strip().lower() for n in header]
        known = set(INITIATIVE_COLUMNS)
        if not known & set(names):
            raise UnreadableFile(source, "has no header line with the columns of the table")
        twice = sorted({n for n in names if n and names.count(n) > 1})
        if twice:
            raise UnreadableFile(source, "names a column twice: " + ", ".join(twice))
        missing = [c for c in required if c not in names]
        if missing:
            raise UnreadableFile(source, "lacks the required column(s) " + ", ".join(missing))
        table = CsvTable(source, [n for n in names if n in known], encoding="xlsx", separator="")
        unknown = [n for n in names if n and n not in known]
        if unknown:
            table.warnings.append("ignored column(s) not in the table: " + ", ".join(unknown))
        for cells in rows:
            line = cells[0].row if cells else header_line + 1
            values = [c.value for c in cells][: len(names)]
            values += [None] * (len(names) - len(values))
            if not any(_cell(v).strip() for v in values):
                continue
            formulas = [n for n, c in zip(names, cells, strict=False) if n in known and getattr(c, "data_type", "") == "f"]
            if formulas:
                table.errors.extend(RowError(source, line, n, exchange.FORMULA_MESSAGE, "") for n in formulas)
                continue
            if table.rows_seen >= max_rows:
                raise UnreadableFile(source, f"has more than {max_rows:,} rows: import at most {max_rows:,} at once")
            table.records.append({n: exchange.unneutralise(_cell(v)) for n, v in zip(names, values, strict=True) if n in known})
            table.lines.append(line)
        book.close()
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged or foreign zip: zipfile, XML and openpyxl errors alike  # noqa: BLE001
        raise UnreadableFile(source, f"is not a workbook that can be read ({type(exc).__name__})") from None
    return table


@dataclass(frozen=True)
class Duplicate:
    """A new row that looks like an existing initiative (or an earlier new row)."""

    line: int
    id: str
    other_id: str
    other_name: str
    reason: str  # "name" (similar name within NEAR_M) or "website"
    distance_m: float | None = None


def _site(url: str) -> str:
    text = str(url or "").strip().lower()
    text = re.sub(r"^https?://", "", text).removeprefix("www.")
    return text.rstrip("/")


def likely_duplicates(new_rows: Sequence[Mapping[str, Any]], lines: Mapping[str, int], existing: pd.DataFrame) -> list[Duplicate]:
    """New rows that look like existing initiatives or like each other: a similar name within
    :data:`NEAR_M` metres, or the same website. Compares only rows in neighbouring cells of a
    ~50 m grid, so 10,000 new rows against 10,000 existing take well under a second."""
    cell_lat = NEAR_M / 111_320.0
    cell_lon = NEAR_M / (111_320.0 * math.cos(math.radians(51.2)))
    grid: dict[tuple[int, int], list[tuple[str, str, float, float, str]]] = {}
    sites: dict[str, tuple[str, str]] = {}

    def key(lat: float, lon: float) -> tuple[int, int]:
        return int(math.floor(lat / cell_lat)), int(math.floor(lon / cell_lon))

    def add(row_id: str, name: str, lat: float, lon: float, website: str) -> None:
        grid.setdefault(key(lat, lon), []).append((row_id, name, lat, lon, fold(name)))
        site = _site(website)
        if site:
            sites.setdefault(site, (row_id, name))

    if len(existing):
        for row_id, name, lat, lon, website in zip(existing["id"].tolist(), existing["name"].tolist(),
                                                   existing["lat"].tolist(), existing["lon"].tolist(),
                                                   existing["website"].tolist(), strict=True):  # fmt: skip
            add(str(row_id), str(name), float(lat), float(lon), str(website or ""))
    found: list[Duplicate] = []
    for row in new_rows:
        row_id, name, lat, lon = str(row["id"]), str(row["name"]), float(row["lat"]), float(row["lon"])
        line = lines.get(row_id, 0)
        site = _site(str(row.get("website", "")))
        if site and site in sites and sites[site][0] != row_id:
            other = sites[site]
            found.append(Duplicate(line, row_id, other[0], other[1], "website"))
        else:
            folded = fold(name)
            ci, cj = key(lat, lon)
            best: Duplicate | None = None
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    for other_id, other_name, olat, olon, ofold in grid.get((ci + di, cj + dj), ()):
                        if other_id == row_id:
                            continue
                        metres = _metres(lat, lon, olat, olon)
                        closer = best is None or metres < (best.distance_m or 0)
                        if metres <= NEAR_M and closer and fuzz.token_sort_ratio(folded, ofold) >= NAME_SIMILARITY:
                            best = Duplicate(line, row_id, other_id, other_name, "name", round(metres))
            if best is not None:
                found.append(best)
        add(row_id, name, lat, lon, str(row.get("website", "")))
    return found


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000.0 * math.hypot(x, y)


@dataclass
class UploadCheck:
    """The dry run of an upload as the page shows it."""

    report: ImportReport
    duplicates: list[Duplicate] = field(default_factory=list)
    #: Why the file cannot be read at all (in the user's language), or "".
    unreadable: str = ""

    @property
    def can_import(self) -> bool:
        """True when the file may be imported: readable, no error, something to add or change."""
        report = self.report
        return not self.unreadable and report.refused is None and not report.rejected and bool(report.added or report.changed)

    def rows(self) -> list[dict[str, object]]:
        """One row per outcome (errors first), for the page's table: line, id, outcome, field, detail."""
        out: list[dict[str, object]] = []
        line_label, id_label, what, field_label, detail = _("Line"), _("Id"), _("Outcome"), _("Field"), _("Detail")
        for error in sorted(self.report.rejected, key=lambda e: e.line):
            out.append({line_label: error.line, id_label: "", what: _(OUTCOME_LABELS[ERROR]), field_label: error.field,
                        detail: say(error.message) + (f" ({error.value[:60]})" if error.value else "")})  # fmt: skip
        for dup in self.duplicates:
            reason = (_("same website as {name} ({id})") if dup.reason == "website"
                      else _("a similar name {metres} m away: {name} ({id})"))  # fmt: skip
            out.append({line_label: dup.line, id_label: dup.id, what: _(OUTCOME_LABELS[DUPLICATE]), field_label: "",
                        detail: reason.format(name=dup.other_name, id=dup.other_id, metres=int(dup.distance_m or 0))})  # fmt: skip
        for line, row_id in self.report.added:
            out.append({line_label: line, id_label: row_id, what: _(OUTCOME_LABELS[ADDED]), field_label: "", detail: ""})
        for line, row_id, _fields in self.report.changed:
            for name, old, new in self.report.diffs.get(row_id, []):
                out.append({line_label: line, id_label: row_id, what: _(OUTCOME_LABELS[CHANGED]), field_label: name,
                            detail: f"{old[:80]} → {new[:80]}"})  # fmt: skip
        for line, row_id in self.report.unchanged:
            out.append({line_label: line, id_label: row_id, what: _(OUTCOME_LABELS[UNCHANGED]), field_label: "", detail: ""})
        return out


def check_upload(store: Store, name: str, data: bytes, who: str) -> UploadCheck:
    """The dry run of an upload: nothing is written."""
    try:
        table = read_upload(name, data)
    except UnreadableFile as exc:
        return UploadCheck(ImportReport(exc.source, "initiatives", True, refused=exc.message), unreadable=say(exc.message))
    report = store.import_table(table, who=who, dry_run=True, strict=True)
    duplicates: list[Duplicate] = []
    if report.new_rows and report.refused is None:
        lines = {row_id: line for line, row_id in report.added}
        duplicates = likely_duplicates(report.new_rows, lines, store.initiatives(include_inactive=True))
    return UploadCheck(report, duplicates)


def import_upload(store: Store, name: str, data: bytes, who: str, checked: ImportReport) -> ImportReport:
    """Import the file that was checked: all or nothing, one batch, refused when a row it was compared
    with moved on since the check (``checked.versions``)."""
    try:
        table = read_upload(name, data)
    except UnreadableFile as exc:
        return ImportReport(exc.source, "initiatives", False, refused=exc.message)
    return store.import_table(table, who=who, strict=True, expect=checked.versions, note=f"import of {table.source}")


def template_csv() -> bytes:
    """The template: the columns of ``data/initiatives.csv``, UTF-8 with a BOM (Excel shows accents right)."""
    return ("\ufeff" + ",".join(INITIATIVE_COLUMNS) + "\r\n").encode("utf-8")


def template_xlsx() -> bytes:
    """The template as a workbook: the columns on the first sheet, what each means on the second."""
    import xlsxwriter  # deferred: only when the template is asked for

    labels = {f.name: f for f in INITIATIVE_FIELDS}
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Initiatives")[:31])
    for col, name in enumerate(INITIATIVE_COLUMNS):
        sheet.write_string(0, col, name, bold)
        sheet.set_column(col, col, max(12, len(name) + 2))
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet(_("Explanation")[:31])
    notes.write_string(0, 0, _("Column"), bold)
    notes.write_string(0, 1, _("Meaning"), bold)
    for row, name in enumerate(INITIATIVE_COLUMNS, start=1):
        spec = labels.get(name)
        text = _(spec.label) if spec else (_("The initiative's own id: lower-case letters, digits and dashes")
                                           if name == "id" else name)  # fmt: skip
        if spec and spec.help:
            text += " (" + _(spec.help) + ")"
        notes.write_string(row, 0, name)
        notes.write_string(row, 1, text)
    notes.set_column(0, 0, 20)
    notes.set_column(1, 1, 80)
    book.close()
    return out.getvalue()


def template_name(kind: str) -> str:
    """The template's file name."""
    return f"initiatieven-sjabloon.{kind}"


def ids_in(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ids of ``rows``."""
    return [str(r.get("id", "")) for r in rows]
