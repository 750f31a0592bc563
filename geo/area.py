"""The area the map covers: the city of Antwerp's bounding box, written once for the whole project."""

from __future__ import annotations

#: Bounding box of the city of Antwerp (lat/lon), generous by a few hundred metres.
ANTWERP_BBOX: tuple[float, float, float, float] = (51.14, 4.25, 51.38, 4.52)  # south, west, north, east


def in_antwerp(lat: float, lon: float) -> bool:
    """Whether the point lies inside Antwerp's bounding box (:data:`ANTWERP_BBOX`)."""
    south, west, north, east = ANTWERP_BBOX
    try:
        return south <= float(lat) <= north and west <= float(lon) <= east
    except (TypeError, ValueError):
        return False
