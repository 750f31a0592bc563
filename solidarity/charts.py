"""Altair chart specs of the council pages (built here, rendered by pages, exported as PNG).

Colours: the solidarity types keep the map's colour-blind-safe Okabe-Ito colours
(:data:`solidarity.model.TYPE_STYLES`); quantities use the sequential, colour-blind-safe
``viridis`` scheme; "no figure" is light grey, never a colour of the scale.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import vl_convert
from babel.numbers import get_decimal_symbol, get_group_symbol

from solidarity.figures import INDICATORS, TYPE_ORDER, AreaCount, MatrixCell, WijkIndicator, fmt_number, type_label
from solidarity.gaps import GapShare, category_words
from solidarity.i18n import _, get_language
from solidarity.model import CATEGORIES, CENTRE_COLOUR, TYPE_STYLES
from solidarity.views import category_label

# The charts hold their data inline (the specs must render offline and as PNG); a map of 10,000
# initiatives is more rows than Altair's default limit of 5,000.
alt.data_transformers.disable_max_rows()

NO_FIGURE_COLOUR = "#D9D9D9"
WIJKEN_DATASET = "sm_wijken"
AREAS_DATASET = "sm_areas"
GAP_COLOUR = "#E69F00"  # Okabe-Ito orange
SEQUENTIAL = "viridis"
FONT = "Noto Sans, DejaVu Sans, sans-serif"


def _number_locale() -> alt.Locale:
    """Vega's number format in the current language (``12.345,6`` in Dutch, ``12,345.6`` in English)."""


    language = get_language()
    return alt.Locale(number=alt.NumberLocale(
        decimal=get_decimal_symbol(language), thousands=get_group_symbol(language), grouping=[3], currency=["", " €"]
    ))


def _configure(chart: alt.TopLevelMixin, width: Any = "container") -> alt.TopLevelMixin:
    """Width and the shared look, set in place: every chained Altair call copies the chart with
    its inline data (for a map, tens of thousands of coordinates)."""
    chart.width = width
    if width == "container":  # fit the width only: the height is the chart's own (rows × band)
        chart.autosize = alt.AutoSizeParams(type="fit-x", contains="padding")
    chart.config = alt.Config(
        locale=_number_locale(),
        font=FONT,
        title=alt.TitleConfig(anchor="start", fontSize=16, subtitleFontSize=13, subtitleColor="#374151"),
        axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12, labelLimit=260),
        legend=alt.LegendConfig(labelFontSize=12, titleFontSize=12, titleLimit=420, labelLimit=300),
        view=alt.ViewConfig(stroke=None),
    )
    return chart


def type_balance_chart(counts: Sequence[AreaCount], title: str | None = None) -> alt.TopLevelMixin:
    """Per area (and the five, and the city) the balance of direct, both and indirect, as shares."""
    labels = {t: type_label(t) for t in TYPE_ORDER}
    rows = []
    for order, count in enumerate(counts):
        for position, kind in enumerate(TYPE_ORDER):
            n = count.by_type[kind]
            rows.append({
                "area": count.area.label, "order": order, "type": labels[kind], "type_order": position, "n": n,
                "total": count.total, "share": n / count.total if count.total else 0.0,
            })
    frame = pd.DataFrame(rows)
    area_order = [c.area.label for c in counts]
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("area:N", sort=area_order, title=None),
            x=alt.X("n:Q", stack="normalize", title=_("Share of the initiatives"), axis=alt.Axis(format="%")),
            color=alt.Color(
                "type:N",
                scale=alt.Scale(domain=[labels[t] for t in TYPE_ORDER], range=[TYPE_STYLES[t]["colour"] for t in TYPE_ORDER]),
                legend=alt.Legend(title=_("Solidarity"), orient="bottom"),
            ),
            order=alt.Order("type_order:Q"),
            tooltip=[alt.Tooltip("area:N", title=_("Area")), alt.Tooltip("type:N", title=_("Solidarity")),
                     alt.Tooltip("n:Q", title=_("Initiatives")), alt.Tooltip("total:Q", title=_("Total"))],
        )
        .properties(
            title=alt.Title(title or _("Direct and indirect solidarity per neighbourhood"),
                            subtitle=_("Each bar is one neighbourhood's initiatives; the last two compare the five together and the city.")),
            height=max(32 * len(counts), 120),
        )
    )
    return _configure(chart)


def category_chart(counts: Sequence[AreaCount]) -> alt.TopLevelMixin:
    """Initiatives per category and area, as a table of coloured cells with their counts."""
    rows = [
        {"area": c.area.label, "category": category_label(cat), "n": c.by_category[cat]}
        for c in counts for cat in CATEGORIES
    ]
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(
        x=alt.X("category:N", sort=[category_label(c) for c in CATEGORIES], title=None,
                axis=alt.Axis(labelAngle=-30, labelOverlap=False)),
        y=alt.Y("area:N", sort=[c.area.label for c in counts], title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("n:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(title=_("Initiatives"))),
        tooltip=[alt.Tooltip("area:N", title=_("Area")), alt.Tooltip("category:N", title=_("Category")),
                 alt.Tooltip("n:Q", title=_("Initiatives"))],
    )
    threshold = float(frame["n"].max()) / 2 if len(frame) else 0.0
    text = base.mark_text(fontSize=12).encode(
        text="n:Q", color=alt.condition(f"datum.n > {threshold}", alt.value("white"), alt.value("#1F2A37")),
    )
    chart = (cells + text).properties(
        title=alt.Title(_("What the initiatives do, per neighbourhood"),
                        subtitle=_("Number of initiatives per category.")),
        height=max(32 * len(counts), 120),
    )
    return _configure(chart)


def matrix_chart(cells: Sequence[MatrixCell]) -> alt.TopLevelMixin:
    """Which projects are active in which buurtwerk: counts, and a ring where a source links them."""
    frame = pd.DataFrame([
        {"project": c.project_name, "area": c.area_label, "n": c.count, "linked": _("yes") if c.linked else _("no")}
        for c in cells
    ])
    projects = list(dict.fromkeys(c.project_name for c in cells))
    areas = list(dict.fromkeys(c.area_label for c in cells))
    base = alt.Chart(frame).encode(
        x=alt.X("area:N", sort=areas, title=None, axis=alt.Axis(orient="top", labelAngle=0, labelOverlap=False)),
        y=alt.Y("project:N", sort=projects, title=None),
    )
    rects = base.mark_rect(stroke="#FFFFFF").encode(
        color=alt.Color("n:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(title=_("Initiatives"))),
        tooltip=[alt.Tooltip("project:N", title=_("Project")), alt.Tooltip("area:N", title=_("Area")),
                 alt.Tooltip("n:Q", title=_("Initiatives")), alt.Tooltip("linked:N", title=_("Linked by a source"))],
    )
    rings = base.transform_filter(alt.datum.linked == _("yes")).mark_point(
        shape="circle", size=420, filled=False, color=CENTRE_COLOUR, strokeWidth=2
    )
    text = base.mark_text(fontSize=12).encode(text="n:Q")
    chart = (rects + rings + text).properties(
        title=alt.Title(_("Which projects are active in which buurtwerk"),
                        subtitle=_("Initiatives per project and neighbourhood; a ring: a source links the project to the buurtwerk.")),
        height=max(26 * len(projects), 120),
    )
    return _configure(chart)


def indicator_label(indicator: str) -> str:
    """The translated name of a choropleth indicator."""
    return _(INDICATORS[indicator])


def choropleth_chart(
    wijken_geojson: Mapping[str, Any], indicators: Sequence[WijkIndicator], indicator: str, period: str, source: str,
    highlight: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A map of the wijken coloured by ``indicator`` (sequential, colour-blind safe); grey = no figure.

    The legend names the indicator, the period and the source. Returned as a Vega-Lite spec
    (a dict): the chart is built by Altair around a named data set, and the wijken's features are
    put in afterwards, so Altair never walks their tens of thousands of coordinates (on every
    filter change that cost more than the rest of the page). Render it with
    ``st.vega_lite_chart``; :func:`to_png` takes it too.
    """
    values = {w.code: w for w in indicators}
    features = []
    for feature in wijken_geojson.get("features", []):
        code = feature["properties"].get("wijkcode", feature.get("id"))
        wijk = values.get(code)
        value = wijk.value(indicator) if wijk else None
        if value is not None and indicator == "young_share":
            value = round(value * 100, 1)
        shown = _("no figure") if value is None else fmt_number(value, 1)
        features.append({
            "type": "Feature", "geometry": feature["geometry"],
            "properties": {"name": feature["properties"].get("wijknaam", code), "value": value, "shown": shown},
        })
    label = indicator_label(indicator) + (" (%)" if indicator == "young_share" else "")
    data = alt.NamedData(name=WIJKEN_DATASET)
    legend_title = [label, _("{period} · {source}").format(period=period or _("no figure"), source=source)]
    known = (
        alt.Chart()
        .transform_filter("datum.properties.value != null")
        .mark_geoshape(stroke="#FFFFFF", strokeWidth=0.7)
        .encode(
            color=alt.Color("properties.value:Q", scale=alt.Scale(scheme=SEQUENTIAL),
                            legend=alt.Legend(title=legend_title, orient="bottom", gradientLength=260)),
            tooltip=[alt.Tooltip("properties.name:N", title=_("Wijk")), alt.Tooltip("properties.shown:N", title=label)],
        )
    )
    missing = (
        alt.Chart()
        .transform_filter("datum.properties.value == null")
        .mark_geoshape(fill=NO_FIGURE_COLOUR, stroke="#FFFFFF", strokeWidth=0.7)
        .encode(tooltip=[alt.Tooltip("properties.name:N", title=_("Wijk")), alt.Tooltip("properties.shown:N", title=label)])
    )
    layers = [missing, known]
    if highlight and highlight.get("features"):
        layers.append(alt.Chart(alt.NamedData(name=AREAS_DATASET)).mark_geoshape(
            filled=False, stroke=CENTRE_COLOUR, strokeWidth=2.2))
    # The wijken travel once, as the layer's data (sub-charts without data inherit it).
    chart = alt.LayerChart(data=data, layer=layers)
    chart.projection = alt.Projection(type="mercator")
    chart.title = alt.Title(_("{indicator} per wijk").format(indicator=indicator_label(indicator)),
                            subtitle=_("Grey: no figure. The five buurtwerk areas have a dark outline."))
    chart.height = 520
    spec = _configure(chart).to_dict()
    spec["datasets"] = {**spec.get("datasets", {}), WIJKEN_DATASET: features,
                        AREAS_DATASET: list((highlight or {}).get("features", []))}
    return spec


def gap_chart(shares: Sequence[GapShare], area_labels: Mapping[str, str]) -> alt.TopLevelMixin:
    """Per area and category, the share of residents (or of the area) beyond the chosen walk."""
    rows = []
    for share in shares:
        beyond = share.residents_share_beyond if share.residents_share is not None else share.area_share_beyond
        rows.append({"area": area_labels.get(share.area, share.area), "category": category_words(share.category),
                     "beyond": beyond, "shown": "–" if beyond is None else f"{round(beyond * 100):d}%"})
    frame = pd.DataFrame(rows)
    minutes = shares[0].minutes if shares else 10
    base = alt.Chart(frame).encode(
        x=alt.X("category:N", sort=list(dict.fromkeys(frame["category"])) if len(frame) else None, title=None,
                axis=alt.Axis(labelAngle=-30, labelOverlap=False)),
        y=alt.Y("area:N", sort=list(dict.fromkeys(frame["area"])) if len(frame) else None, title=None),
    )
    rects = base.mark_rect(stroke="#FFFFFF").encode(
        color=alt.Color("beyond:Q", scale=alt.Scale(scheme="oranges", domain=[0, 1]),
                        legend=alt.Legend(title=_("Residents farther away"), format="%")),
        tooltip=[alt.Tooltip("area:N", title=_("Area")), alt.Tooltip("category:N", title=_("Category")),
                 alt.Tooltip("shown:N", title=_("Residents farther away"))],
    )
    text = base.mark_text(fontSize=12).encode(text="shown:N")
    chart = (rects + text).properties(
        title=alt.Title(_("Who lives more than {minutes} minutes' walk from an initiative").format(minutes=minutes),
                        subtitle=_("Share of residents per neighbourhood and kind of initiative (walking: straight line × 1.3 at 4.5 km/h).")),
        height=max(34 * len(set(frame["area"])) if len(frame) else 0, 120),
    )
    return _configure(chart)


def area_map_chart(
    areas_geojson: Mapping[str, Any] | None,
    points: pd.DataFrame,
    centres: pd.DataFrame,
    beyond_geojson: Mapping[str, Any] | None = None,
    title: str = "",
    subtitle: str = "",
    height: int = 520,
    width: Any = "container",
    tooltips: bool = True,
) -> alt.TopLevelMixin:
    """A map without tiles: the areas, the gap cells (optional), the initiatives by type and the buurtwerken.

    Works offline and as a PNG (vl-convert): no background tiles are needed. ``tooltips=False``
    leaves the names out of the data (for images: a smaller spec, drawn faster).
    """
    labels = {t: type_label(t) for t in TYPE_ORDER}
    layers = []
    if areas_geojson and areas_geojson.get("features"):
        layers.append(alt.Chart(alt.Data(values=areas_geojson["features"])).mark_geoshape(
            fill="#F3F5F7", stroke=CENTRE_COLOUR, strokeWidth=1.5, strokeDash=[4, 3]))
    if beyond_geojson and beyond_geojson.get("features"):
        layers.append(alt.Chart(alt.Data(values=beyond_geojson["features"])).mark_geoshape(
            fill=GAP_COLOUR, fillOpacity=0.55, stroke=None))
    frame = pd.DataFrame({
        "lat": points["lat"].to_numpy(float) if len(points) else [],
        "lon": points["lon"].to_numpy(float) if len(points) else [],
        "type": points["solidarity_type"].map(labels).to_numpy() if len(points) else [],
    })
    if tooltips:
        frame["name"] = points["name"].to_numpy() if len(points) else []
    layers.append(alt.Chart(frame).mark_point(filled=True, size=70, opacity=0.9, stroke="#FFFFFF", strokeWidth=0.8).encode(
        longitude="lon:Q", latitude="lat:Q",
        color=alt.Color("type:N", scale=alt.Scale(domain=[labels[t] for t in TYPE_ORDER],
                                                  range=[TYPE_STYLES[t]["colour"] for t in TYPE_ORDER]),
                        legend=alt.Legend(title=_("Solidarity"), orient="bottom")),
        shape=alt.Shape("type:N", scale=alt.Scale(domain=[labels[t] for t in TYPE_ORDER],
                                                  range=["circle", "diamond", "square"]), legend=None),
        tooltip=[alt.Tooltip("name:N", title=_("Name")), alt.Tooltip("type:N", title=_("Solidarity"))] if tooltips else alt.Undefined,
    ))
    centre_frame = pd.DataFrame({"lat": centres["lat"].to_numpy(float), "lon": centres["lon"].to_numpy(float),
                                 "name": centres["name"].to_numpy()})
    layers.append(alt.Chart(centre_frame).mark_point(shape="square", filled=True, size=220, color=CENTRE_COLOUR,
                                                     stroke="#FFFFFF", strokeWidth=1.5).encode(
        longitude="lon:Q", latitude="lat:Q", tooltip=[alt.Tooltip("name:N", title=_("Buurtwerk"))]))
    chart = alt.layer(*layers)
    chart.projection = alt.Projection(type="mercator")
    chart.title = alt.Title(title or _("The five buurtwerken and the initiatives around them"), subtitle=subtitle or alt.Undefined)
    chart.height = height
    return _configure(chart, width=width)


def to_png(chart: alt.TopLevelMixin | dict[str, Any], scale: float = 2.0, width: int | None = None) -> bytes:
    """The chart (Altair, or a Vega-Lite dict) as PNG (vl-convert, offline). ``width``: pixels for
    a ``container``-wide chart."""


    spec = dict(chart) if isinstance(chart, dict) else chart.to_dict()
    if spec.get("width") == "container" or width:
        spec["width"] = width or 900
        spec.pop("autosize", None)
    return vl_convert.vegalite_to_png(vl_spec=json.dumps(spec), scale=scale)
