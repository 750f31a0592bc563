"""Figures per wijk (residents by age band, the city's wijkenranking) from ``data/wijken_cijfers.csv``.

A figure the source does not give (a suppressed cell, no value) is ``None``, never 0: pages and
exports show "no figure" for it. ``make geodata`` may write a fresher copy into the download
cache (:mod:`solidarity.stadincijfers`); :func:`find_wijk_figures_file` prefers that copy.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from solidarity.settings import PROJECT_DIR, Settings

FILENAME = "wijken_cijfers.csv"
DEFAULT_FILE = PROJECT_DIR / "data" / FILENAME

#: The age bands of the source, in order (10 years wide; the last is 90 and older).
AGE_BANDS: tuple[str, ...] = ("0_9", "10_19", "20_29", "30_39", "40_49", "50_59", "60_69", "70_79", "80_89", "90plus")
#: The bands counted as "children and young people" (ages 0 to 19).
YOUNG_BANDS: tuple[str, ...] = ("0_9", "10_19")

COLUMNS: tuple[str, ...] = (
    "wijkcode", "wijknaam", *(f"residents_{band}" for band in AGE_BANDS), "residents_total", "suppressed_bands",
    "wijkenranking_score", "period", "source", "source_url",
)  # fmt: skip


class WijkDataError(ValueError):
    """A wijk figures file that cannot be read or lacks its columns."""


@dataclass(frozen=True)
class WijkFigure:
    """The figures of one wijk; ``None`` where the source gives no figure."""

    code: str
    name: str
    bands: Mapping[str, int | None]
    total: int | None
    ranking: float | None
    period: str
    source: str
    source_url: str
    suppressed_bands: int = 0

    @property
    def young(self) -> int | None:
        """Residents aged 0 to 19, or None when a band of them has no figure."""
        values = [self.bands.get(band) for band in YOUNG_BANDS]
        return None if any(v is None for v in values) else sum(values)  # type: ignore[misc]

    @property
    def young_share(self) -> float | None:
        """The share (0..1) of residents aged 0 to 19, or None without the figures."""
        young = self.young
        if young is None or not self.total:
            return None
        return young / self.total


@dataclass(frozen=True)
class WijkFigures:
    """The figures of every wijk, by wijkcode."""

    by_code: Mapping[str, WijkFigure] = field(default_factory=dict)
    path: str = ""

    def get(self, code: str) -> WijkFigure | None:
        """The figures of ``code``, or None for a wijk the file does not list."""
        return self.by_code.get(code)

    def residents(self, codes: Iterable[str]) -> int | None:
        """The residents of the wijken ``codes`` together; None when one of them has no figure."""
        total = 0
        for code in codes:
            figure = self.by_code.get(code)
            if figure is None or figure.total is None:
                return None
            total += figure.total
        return total

    @property
    def periods(self) -> list[str]:
        """The periods of the figures (normally one: ``["2025"]``)."""
        return sorted({f.period for f in self.by_code.values() if f.period})

    @property
    def period(self) -> str:
        """The period(s) as one label, e.g. ``2025``."""
        return ", ".join(self.periods)

    @property
    def source(self) -> str:
        """The source(s) as one label."""
        return ", ".join(sorted({f.source for f in self.by_code.values() if f.source}))


def _number(raw: str | None, kind: type = int) -> int | float | None:
    text = (raw or "").strip().replace(",", ".")
    if text in ("", "."):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value < 0:  # NaN or negative: not a figure
        return None
    return int(value) if kind is int else value


def parse_wijk_figures(rows: Iterable[Mapping[str, str]], source: str = FILENAME) -> WijkFigures:
    """Wijk figures from CSV rows with :data:`COLUMNS`.

    Raises
    ------
    WijkDataError
        When a required column is missing.
    """
    figures: dict[str, WijkFigure] = {}
    for line, row in enumerate(rows, start=2):
        missing = [c for c in ("wijkcode", "residents_total", "wijkenranking_score", "period") if c not in row]
        if missing:
            raise WijkDataError(f"{source}:{line}: missing columns {', '.join(missing)}")
        code = (row.get("wijkcode") or "").strip()
        if not code:
            continue
        figures[code] = WijkFigure(
            code=code,
            name=(row.get("wijknaam") or code).strip(),
            bands={band: _number(row.get(f"residents_{band}")) for band in AGE_BANDS},  # type: ignore[misc]
            total=_number(row.get("residents_total")),  # type: ignore[arg-type]
            ranking=_number(row.get("wijkenranking_score"), float),
            period=(row.get("period") or "").strip(),
            source=(row.get("source") or "").strip(),
            source_url=(row.get("source_url") or "").strip(),
            suppressed_bands=int(_number(row.get("suppressed_bands")) or 0),
        )
    return WijkFigures(figures, source)


def read_wijk_figures(path: str | Path) -> WijkFigures:
    """Read a wijk figures file (UTF-8 CSV, BOM accepted)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return parse_wijk_figures(csv.DictReader(handle), source=str(path))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WijkDataError(f"{path}: cannot be read ({exc})") from exc


def find_wijk_figures_file(settings: Settings) -> Path | None:
    """The refreshed copy in the download cache when there is one, else ``data/wijken_cijfers.csv``."""
    cached = Path(settings.GEODATA_CACHE_DIR) / FILENAME if settings.GEODATA_CACHE_DIR else None
    if cached is not None and cached.is_file():
        return cached
    seeded = Path(settings.SEED_DIR) / FILENAME
    if seeded.is_file():
        return seeded
    return DEFAULT_FILE if DEFAULT_FILE.is_file() else None


def load_wijk_figures(settings: Settings) -> WijkFigures:
    """The wijk figures the settings find; empty figures (every figure "no figure") when none or broken."""
    path = find_wijk_figures_file(settings)
    if path is None:
        return WijkFigures()
    try:
        return read_wijk_figures(path)
    except WijkDataError:
        return WijkFigures()
