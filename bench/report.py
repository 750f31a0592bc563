"""Formatting of the benchmark report, and the targets each part measures against."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One row of the report's closing table: what was measured against which target."""

    what: str
    measured: str
    target: str
    met: bool | None  # None: not measured


def met_label(met: bool | None) -> str:
    """``yes``, ``NO`` or ``-`` (not measured)."""
    return "-" if met is None else ("yes" if met else "NO")


def log(message: str) -> None:
    """Progress, on stderr (stdout holds the report)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

def fmt_s(seconds: float | None) -> str:
    """A duration: ms below one second, else seconds."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"

def fmt_bytes(size: float | None) -> str:
    """A size in KB or MB (1,000-based, like the technical notes)."""
    if size is None:
        return "-"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"

def fmt_ratio(slow: float | None, fast: float | None) -> str:
    """``slow / fast`` as ``12x``."""
    if not slow or not fast:
        return "-"
    return f"{slow / fast:.0f}x" if slow / fast >= 10 else f"{slow / fast:.1f}x"

def table(headers: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> str:
    """A fixed-width text table; the first ``left`` columns are left-aligned, the others right."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])

def section(title: str) -> None:
    """Print a section title."""
    print()
    print(title)
    print("=" * len(title))
