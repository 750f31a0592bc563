"""A map picture without tiles or a browser: the areas, the gap cells and the initiatives drawn with
Pillow, for the PDFs (10,000 points in a few tens of milliseconds; the screen uses Vega-Lite)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from PIL import Image, ImageDraw

from solidarity.model import CENTRE_COLOUR, TYPE_STYLES

AREA_FILL = (243, 245, 247)
AREA_LINE = (31, 42, 55)
#: Okabe-Ito orange (#E69F00) at 55% over the area's grey, mixed once: the picture is drawn in RGB
#: without an alpha layer (a third less work for a page of the PDF).
GAP_FILL = tuple(round(0.55 * o + 0.45 * a) for o, a in zip((230, 159, 0), AREA_FILL, strict=True))
WHITE = (255, 255, 255)
#: Point shapes per solidarity type (the same as on the screen's maps).
SHAPES = {"direct": "circle", "both": "diamond", "indirect": "square"}


@dataclass(frozen=True)
class MapLayers:
    """What a map picture shows: lon/lat geometries and the points with their type."""

    areas: Sequence[Any] = ()
    beyond: Sequence[Any] = ()
    points: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["lat", "lon", "solidarity_type"]))
    centres: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["lat", "lon"]))


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _mercator_y(lat: np.ndarray | float) -> np.ndarray:
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def _rings(geometry: Any) -> list[np.ndarray]:
    """The exterior rings (lon/lat arrays) of a (Multi)Polygon; holes are drawn over in white."""
    rings = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon" and not part.is_empty:
            rings.append(np.asarray(part.exterior.coords))
    return rings


def render_map_png(layers: MapLayers, width: int = 1400, height: int = 900, supersample: int = 2) -> bytes:
    """:func:`render_map` as PNG bytes."""
    buffer = io.BytesIO()
    render_map(layers, width, height, supersample).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def render_map(layers: MapLayers, width: int = 1400, height: int = 900, supersample: int = 2) -> Image.Image:
    """The map as a picture (RGB); the view fits the areas (or, without areas, the points).

    Parameters
    ----------
    layers
        The areas, the gap cells, the initiatives (``lat``, ``lon``, ``solidarity_type``) and the
        buurtwerken (``lat``, ``lon``).
    width, height
        The picture's size in pixels.
    supersample
        Drawn this many times larger, then scaled down (smooth edges).
    """
    big_w, big_h = width * supersample, height * supersample
    geometries = [g for g in layers.areas if g is not None and not g.is_empty]
    if geometries:
        min_x, min_y, max_x, max_y = shapely.total_bounds(geometries)
    elif len(layers.points):
        min_x, max_x = float(layers.points["lon"].min()), float(layers.points["lon"].max())
        min_y, max_y = float(layers.points["lat"].min()), float(layers.points["lat"].max())
    else:
        min_x, min_y, max_x, max_y = 4.35, 51.17, 4.49, 51.26  # the city around the five areas
    top, bottom = float(_mercator_y(max_y)), float(_mercator_y(min_y))
    span_x = max(math.radians(max_x - min_x), 1e-6)
    span_y = max(top - bottom, 1e-6)
    pad = 0.06
    scale = min(big_w * (1 - 2 * pad) / span_x, big_h * (1 - 2 * pad) / span_y)
    off_x = (big_w - span_x * scale) / 2
    off_y = (big_h - span_y * scale) / 2

    def project(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = off_x + np.radians(np.asarray(lons, dtype=float) - min_x) * scale
        ys = off_y + (top - _mercator_y(np.asarray(lats, dtype=float))) * scale
        return xs, ys

    base = Image.new("RGB", (big_w, big_h), WHITE)
    draw = ImageDraw.Draw(base)
    line = max(2, 2 * supersample)
    for geometry in geometries:
        for ring in _rings(geometry):
            xs, ys = project(ring[:, 0], ring[:, 1])
            draw.polygon(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=AREA_FILL)
    for geometry in layers.beyond:
        for ring in _rings(geometry):
            xs, ys = project(ring[:, 0], ring[:, 1])
            draw.polygon(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=GAP_FILL)
    for geometry in geometries:
        for ring in _rings(geometry):
            xs, ys = project(ring[:, 0], ring[:, 1])
            draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=AREA_LINE, width=line, joint="curve")
    radius = 5 * supersample
    outline = max(1, supersample)
    points = layers.points
    if len(points):
        xs, ys = project(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
        kinds = points["solidarity_type"].to_numpy(object)
        for kind in ("direct", "both", "indirect"):
            colour = _hex(TYPE_STYLES[kind]["colour"])
            shape = SHAPES[kind]
            for x, y in zip(xs[kinds == kind].tolist(), ys[kinds == kind].tolist(), strict=True):
                box = (x - radius, y - radius, x + radius, y + radius)
                if shape == "circle":
                    draw.ellipse(box, fill=colour, outline=WHITE, width=outline)
                elif shape == "square":
                    draw.rectangle(box, fill=colour, outline=WHITE, width=outline)
                else:
                    draw.polygon([(x, y - radius * 1.25), (x + radius * 1.25, y), (x, y + radius * 1.25), (x - radius * 1.25, y)],
                                 fill=colour, outline=WHITE)
    if len(layers.centres):
        xs, ys = project(layers.centres["lon"].to_numpy(float), layers.centres["lat"].to_numpy(float))
        size = 9 * supersample
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            draw.rectangle((x - size, y - size, x + size, y + size), fill=_hex(CENTRE_COLOUR),
                           outline=WHITE, width=2 * supersample)
    return base.reduce(supersample) if supersample > 1 else base  # box filter: smooth edges, fast
