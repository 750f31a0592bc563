"""``make geodata``: download the city's open data with the app's settings (``python -m solidarity.geodata``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from geo import opendata
from solidarity.settings import Settings, load_settings


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run :func:`geo.opendata.main` with the portal, timeout and directories of ``settings``."""
    return opendata.main(sys.argv[1:] if argv is None else argv, (settings or load_settings()).portal())


if __name__ == "__main__":
    raise SystemExit(main())
