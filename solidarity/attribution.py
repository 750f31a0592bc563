"""The attribution of every source the council pages and exports use, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from solidarity.i18n import _


@dataclass(frozen=True)
class Attribution:
    """What a page or an export must credit: the fixed sources and the initiatives' own sources."""

    lines: tuple[str, ...]
    initiative_sources: tuple[str, ...] = ()

    def text(self, separator: str = " · ") -> str:
        """The fixed credits on one line."""
        return separator.join(self.lines)

    def full_text(self) -> str:
        """The credits and, after them, every source of the initiatives, one per line."""
        parts = list(self.lines)
        if self.initiative_sources:
            parts.append(_("Sources of the initiatives:"))
            parts.extend(self.initiative_sources)
        return "\n".join(parts)


def initiative_sources(initiatives: pd.DataFrame) -> tuple[str, ...]:
    """The distinct ``source_url`` values of ``initiatives``, sorted."""
    if "source_url" not in initiatives or not len(initiatives):
        return ()
    return tuple(sorted({url for url in initiatives["source_url"].tolist() if url}))


def attribution(period: str = "", initiatives: pd.DataFrame | None = None, with_tiles: bool = True,
                extra: Iterable[str] = ()) -> Attribution:
    """The credits for a view of ``initiatives`` with wijk figures of ``period``.

    Parameters
    ----------
    period
        The period of the Stad in Cijfers figures (e.g. ``"2025"``); empty when none are shown.
    initiatives
        The initiatives shown; their sources are listed.
    with_tiles
        Credit OpenStreetMap (the map's background and the address search).
    extra
        Further lines.
    """
    lines = []
    if with_tiles:
        lines.append(_("© OpenStreetMap contributors"))
    lines.append(_("Neighbourhood boundaries: Stad Antwerpen, open data"))
    if period:
        lines.append(_("Residents and wijkenranking: Stad Antwerpen, Stad in Cijfers, {period}").format(period=period))
    lines.append(_("Initiatives: SAAMO Antwerpen's solidarity map, from public sources"))
    lines.extend(extra)
    return Attribution(tuple(lines), initiative_sources(initiatives) if initiatives is not None else ())
