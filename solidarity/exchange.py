"""CSV files in and out of the store: what a spreadsheet writes, read carefully; what we write, safe to open.

Reading (the seed files and ``make import-data``):

- the encoding: a byte-order mark (UTF-8 or UTF-16, as Excel's "Unicode text" writes), else
  UTF-8, else Windows-1252 (what a Belgian Excel saves as "CSV"); anything else is refused;
- the separator: ``,``, ``;`` (Excel with a Dutch or French list separator) or a tab, whichever
  makes the first line the best header of the table's columns;
- the header: names compared without case and surrounding space; a required column missing, a
  column named twice, broken quoting or more than :data:`MAX_ROWS` rows refuse the whole file
  (:class:`UnreadableFile`, one line saying why); unknown columns are ignored with a warning; a
  row with the wrong number of fields is rejected with its line;
- a cell that our export neutralised (see below) gets its value back.

Writing (``make export-data``): UTF-8 with a byte-order mark (so Excel shows accents right),
``,`` separated, the columns of ``data/``. A cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``;
so does one that already starts with quotes followed by such a character, so that reading the
export back strips exactly one quote and every value survives the round trip.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solidarity.model import RowError

#: The most data rows one file may hold. Antwerp has hundreds of initiatives, not tens of
#: thousands: a larger file is almost certainly the wrong one (and would slow every page).
MAX_ROWS = 20_000
#: The largest file read (bytes).
MAX_BYTES = 50_000_000
#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
_NEEDS_QUOTE = re.compile(r"^'*[=+\-@\t\r]")
SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class UnreadableFile(Exception):  # noqa: N818
    """A file that is refused as a whole; ``str()`` is one line for the person who gave it."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


@dataclass
class CsvTable:
    """The records of one CSV file, with how it was read."""

    source: str
    header: list[str]
    records: list[dict[str, str]] = field(default_factory=list)
    #: The line of each record in the file (records that span lines: their first line).
    lines: list[int] = field(default_factory=list)
    #: Rows that could not be split into the header's fields.
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    separator: str = ","

    @property
    def rows_seen(self) -> int:
        """Data rows in the file, good and bad."""
        return len(self.records) + len({e.line for e in self.errors})


#: The rejection of a formula cell (the team's page translates it).
FORMULA_MESSAGE = "is a spreadsheet formula: type the value itself"


def is_formula(cell: str) -> bool:
    """True for a cell a spreadsheet would compute (``=SUM(A1:A3)``), not a value."""
    return cell.startswith("=") and len(cell) > 1


def neutralise(value: str) -> str:
    """``value`` safe in a spreadsheet: a leading ``'`` when it would start a formula."""
    return "'" + value if _NEEDS_QUOTE.match(value) else value


def unneutralise(value: str) -> str:
    """The value :func:`neutralise` was given (one leading ``'`` before a formula start removed)."""
    return value[1:] if _NEUTRALISED.match(value) else value


def decode(data: bytes, source: str) -> tuple[str, str]:
    """The text of ``data`` and the encoding used; :class:`UnreadableFile` when it is none we know."""
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableFile(source, "is a spreadsheet workbook (.xlsx), not a CSV file: save it as CSV (UTF-8)")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp1252")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise UnreadableFile(source, "holds NUL characters: not a text CSV file")
        return text, {"utf-8-sig": "utf-8 (with BOM)", "cp1252": "windows-1252"}.get(encoding, encoding)
    raise UnreadableFile(source, "is neither UTF-8 nor Windows-1252 text: save it as CSV (UTF-8)")


def _header_fields(line: str, separator: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return []


def _norm(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()


def detect_separator(text: str, columns: Sequence[str]) -> str:
    """The separator that makes the first line the best header for ``columns``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    known = set(columns)

    def score(sep: str) -> tuple[int, int]:
        names = [_norm(n) for n in _header_fields(first, sep)]
        return sum(name in known for name in names), len(names)

    return max(SEPARATORS, key=score)


def parse(
    text: str,
    source: str,
    columns: Sequence[str],
    required: Sequence[str] = ("id",),
    max_rows: int = MAX_ROWS,
    separator: str | None = None,
    reject_formulas: bool = False,
) -> CsvTable:
    """The records of CSV ``text`` for a table of ``columns``; :class:`UnreadableFile` when the
    file as a whole cannot be read. ``reject_formulas``: a cell that is a spreadsheet formula
    (``=...``, not one our export neutralised) rejects its row (the team's upload)."""
    sep = separator or detect_separator(text, columns)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        header: list[str] | None = None
        for raw in reader:
            if any(cell.strip() for cell in raw):
                header = raw
                break
        if header is None:
            raise UnreadableFile(source, "is empty: the first line must name the columns (" + ", ".join(columns) + ")")
        header_line = reader.line_num
        names = [_norm(name) for name in header]
        known = set(columns)
        if not known & set(names):
            raise UnreadableFile(
                source, "has no header line with the columns of the table (" + ", ".join(columns[:6]) + ", …)"
            )
        twice = sorted({n for n in names if n and names.count(n) > 1})
        if twice:
            raise UnreadableFile(source, "names a column twice: " + ", ".join(twice))
        missing = [c for c in required if c not in names]
        if missing:
            raise UnreadableFile(source, "lacks the required column(s) " + ", ".join(missing))
        table = CsvTable(source, [n for n in names if n in known], separator=sep)
        unknown = [n for n in names if n and n not in known]
        if unknown:
            table.warnings.append("ignored column(s) not in the table: " + ", ".join(unknown))
        width = len(names)
        last = header_line
        for raw in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in raw):
                continue
            if len(raw) > width and not any(cell.strip() for cell in raw[width:]):
                raw = raw[:width]
            if len(raw) != width:
                table.errors.append(
                    RowError(source, line, "(row)", f"has {len(raw)} fields, the header has {width}", sep.join(raw)[:80])
                )
                continue
            if reject_formulas:
                formulas = [name for name, cell in zip(names, raw, strict=True) if name in known and is_formula(cell)]
                if formulas:
                    table.errors.extend(
                        RowError(source, line, name, FORMULA_MESSAGE, raw[names.index(name)][:80]) for name in formulas
                    )
                    continue
            if table.rows_seen >= max_rows:
                raise UnreadableFile(
                    source, f"has more than {max_rows:,} rows: import at most {max_rows:,} at once (is it the right file?)"
                )
            table.records.append({name: unneutralise(cell) for name, cell in zip(names, raw, strict=True) if name in known})
            table.lines.append(line)
    except csv.Error as exc:
        raise UnreadableFile(source, f"line {reader.line_num}: broken CSV ({exc}): check the quotes") from None
    return table


def read_file(
    path: Path, columns: Sequence[str], required: Sequence[str] = ("id",), max_rows: int = MAX_ROWS
) -> CsvTable:
    """:func:`parse` the file at ``path`` (its name is the ``source`` of every report)."""
    source = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnreadableFile(source, f"is {size / 1e6:.0f} MB: larger than {MAX_BYTES / 1e6:.0f} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(source, f"not found ({path})") from None
    except IsADirectoryError:
        raise UnreadableFile(source, f"is a folder, not a file ({path})") from None
    except OSError as exc:
        raise UnreadableFile(source, f"cannot be read: {exc.strerror or exc}") from None
    text, encoding = decode(data, source)
    table = parse(text, source, columns, required, max_rows)
    table.encoding = encoding
    return table


def format_cell(value: Any) -> str:
    """A value as the text of a CSV cell (floats in their shortest exact form)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(float(value))  # numpy floats too (their repr names the type)
    return str(value)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """Write ``rows`` as CSV with ``columns``, formulas neutralised, atomically (a temporary file
    renamed over ``path``)."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([neutralise(format_cell(row.get(col))) for col in columns])
    partial.replace(path)
