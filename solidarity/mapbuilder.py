"""The folium map builder: returns a ``folium.Map``; pages only render it.

Initiatives travel as one compact JSON array drawn by a ``FastMarkerCluster`` callback
(TECH_NOTES section 2: 10,000 points build in tens of milliseconds, against seconds for one
``folium.Marker`` each). Every data string is escaped in Python with :func:`esc` before it
reaches the page; the JavaScript only puts escaped pieces together.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
import folium.plugins
import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template

from geo.distance import DETOUR_FACTOR
from solidarity.freshness import NEVER, STALE_NOTE, parse_day, stale_mask
from solidarity.i18n import _, direction
from solidarity.model import (
    CATEGORIES,
    CENTRE_COLOUR,
    PRECISION_LABELS,
    SOLIDARITY_LABELS,
    SOLIDARITY_TYPES,
    TYPE_STYLES,
    split_list,
)
from solidarity.safety import esc, link, safe_url

ANTWERP_CENTER = (51.2165, 4.4200)
DEFAULT_ZOOM = 13
MAX_ZOOM = 19
#: The map is about Antwerp: zooming out stops at the region (a wider view shows nothing of use,
#: and the marker clusters are worked out for fewer zoom levels).
MIN_ZOOM = 10
#: The Leaflet pane of the buurtwerk icons: above the areas, below the initiatives (markerPane is 600).
CENTRE_PANE = "centres"

#: CSS of the marker icons, the legend and popups (static: contains no data).
MAP_CSS = """
<style>
.sm-pin{display:flex;align-items:center;justify-content:center;width:28px;height:28px;color:#fff;
  border:2px solid #fff;box-shadow:0 1px 3px rgba(0,0,0,.5);font-size:13px;box-sizing:border-box}
.sm-direct{border-radius:50%}.sm-indirect{border-radius:4px}.sm-both{border-radius:50% 4px 50% 4px}
.sm-approx{border-style:dashed;border-color:#1F2A37}
.sm-centre{width:32px;height:32px;border-radius:8px;font-size:15px;border:3px solid #fff}
.sm-selected{outline:4px solid #FFB000;outline-offset:2px}
.sm-centre-pin{position:relative;width:32px;height:40px}
.sm-centre-pin::after{content:"";position:absolute;left:9px;bottom:0;border:7px solid transparent;
  border-top:9px solid #1F2A37;border-bottom:0}
.sm-popup{font:14px/1.4 system-ui,sans-serif;min-width:200px;max-width:280px}
.sm-popup h3{font-size:15px;margin:0 0 4px}.sm-popup p{margin:2px 0}
.sm-popup .sm-note{color:#5a5a5a;font-style:italic}
.sm-stale{opacity:.6;filter:saturate(.35)}
.sm-popup .sm-checked{color:#5a5a5a;font-size:12px}
.sm-popup .sm-report a{font-weight:600}
.leaflet-tooltip{position:absolute;padding:6px;white-space:nowrap;font:12px/1.5 "Helvetica Neue",Arial,sans-serif}
.sm-legend summary{cursor:pointer;font-weight:600;padding:2px 0}
.sm-legend{background:#fff;padding:6px 10px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.35);
  font:13px/1.5 system-ui,sans-serif;color:#1F2A37}
.sm-legend{max-width:260px}.sm-legend div{margin:2px 0}
.sm-legend .sm-pin{display:inline-flex;width:18px;height:18px;font-size:9px;vertical-align:middle;margin-inline-end:6px}
.sm-legend .sm-centre{width:20px;height:20px;font-size:10px;border-width:2px}
.sm-legend details[open]{max-height:min(60vh,420px);overflow:auto}
.sm-legend-head{font-weight:600;margin-top:4px}
.sm-cluster-sample{display:inline-flex;align-items:center;justify-content:center;width:22px;height:22px;
  border-radius:50%;background:rgba(110,204,57,.9);box-shadow:0 0 0 4px rgba(181,226,140,.7);font-size:10px;
  font-weight:700;margin:0 8px 0 3px;vertical-align:middle}
</style>
"""

#: The JS that turns one data row into a marker. ``T`` holds the lookup tables (escaped HTML).
CALLBACK_JS = """(function () {
  var T = %s;
  return function (row) {
    // row: [lat, lon, id, name, type, category, centre, [projects], website, address, precision, checked, stale]
    var type = T.types[row[4]], cat = T.categories[row[5]];
    var cls = 'sm-pin sm-' + type.key + (row[10] === T.approximate ? ' sm-approx' : '') + (row[12] ? ' sm-stale' : '');
    var icon = L.divIcon({className: '', iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -12],
      html: '<div class="' + cls + '" style="background:' + type.background + '" role="img" aria-label="' +
            row[3] + ', ' + type.label + ', ' + cat.label + '"><i class="fa-solid fa-' + cat.icon + '" aria-hidden="true"></i></div>'});
    var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: icon});
    marker.bindTooltip(row[3]);
    // The popup's HTML is put together when it first opens, not for every marker up front.
    marker.bindPopup(function () {
      var parts = ['<div class="sm-popup" dir="' + T.dir + '"><h3><bdi>' + row[3] + '</bdi></h3>',
                   '<p>' + type.label + ' &middot; ' + cat.label + '</p>'];
      if (row[6] >= 0) { parts.push('<p>' + T.centreLabel + ': <bdi>' + T.centres[row[6]] + '</bdi></p>'); }
      if (row[7].length) {
        parts.push('<p>' + T.projectsLabel + ': ' +
                   row[7].map(function (p) { return '<bdi>' + T.projects[p] + '</bdi>'; }).join(', ') + '</p>');
      }
      if (row[9]) { parts.push('<p><bdi>' + row[9] + '</bdi></p>'); }
      if (row[10] === T.approximate) { parts.push('<p class="sm-note">' + T.precisions[row[10]] + '</p>'); }
      if (row[8]) { parts.push('<p>' + row[8] + '</p>'); }
      parts.push('<p class="sm-checked">' + (row[11] ? T.checkedLabel + ': <bdi>' + row[11] + '</bdi>' : T.neverChecked) +
                 (row[12] && row[11] ? ' (' + T.staleNote + ')' : '') + '</p>');
      if (T.reportUrl) {
        parts.push('<p class="sm-report"><a href="' + T.reportUrl + encodeURIComponent(row[2]) + '" target="_top">' +
                   T.reportLabel + '</a></p>');
      }
      parts.push('</div>');
      return parts.join('');
    });
    return marker;
  };
})()"""


@dataclass(frozen=True)
class TileSettings:
    """The background tiles; ``url`` empty for none (offline maps, tests)."""

    url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    attribution: str = "&copy; OpenStreetMap contributors"


class Legend(MacroElement):
    """A collapsible Leaflet control with escaped legend HTML (built by :func:`legend_html`).

    Closed by default, in the top-right corner, so that it never hides a marker of the fitted
    view; one click (or Enter) opens it.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var legend = L.control({position: 'topright'});
          legend.onAdd = function () {
            var div = L.DomUtil.create('div', 'sm-legend');
            div.setAttribute('dir', {{ this.direction|tojson }});
            div.innerHTML = '<details><summary>' + {{ this.title|tojson }} + '</summary>' + {{ this.html|tojson }} + '</details>';
            L.DomEvent.disableClickPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}"""
    )

    def __init__(self, html: str, title: str, text_direction: str = "ltr") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.title = title
        self.direction = text_direction


class FitWhenSized(MacroElement):
    """Fit the map to a box once its frame has its final size (phones get a narrower map).

    The Python view (:func:`view_for_bounds`) is the first guess; this refits during the
    first two seconds, when Streamlit sizes the iframe, and then leaves the view to the user.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var bounds = {{ this.bounds|tojson }};
          var active = true;
          var fit = function () {
            if (active) { map.invalidateSize(); map.fitBounds(bounds, {paddingTopLeft: [28, 84], paddingBottomRight: [28, 28], maxZoom: {{ this.max_zoom }}}); }
          };
          var stop = function () { active = false; window.removeEventListener('resize', fit); };
          window.addEventListener('resize', fit);
          setTimeout(fit, 150);
          setTimeout(stop, 2000);
          // The user (or a popup) takes over the view: no more refits.
          map.once('popupopen', stop);
          ['mousedown', 'touchstart', 'wheel', 'keydown'].forEach(function (name) {
            map.getContainer().addEventListener(name, stop, {once: true, passive: true});
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, south: float, west: float, north: float, east: float, max_zoom: int = 15) -> None:
        super().__init__()
        self._name = "FitWhenSized"
        self.bounds = [[south, west], [north, east]]
        self.max_zoom = max_zoom


class ZoomControl(MacroElement):
    """Leaflet's zoom buttons with their names in the page's language (Leaflet's own are English)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        L.control.zoom({zoomInTitle: {{ this.zoom_in|tojson }}, zoomOutTitle: {{ this.zoom_out|tojson }}})
          .addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZoomControl"
        self.zoom_in = _("Zoom in")
        self.zoom_out = _("Zoom out")


class KeyboardControls(MacroElement):
    """Make the locate button reachable by keyboard (the plugin's link has no ``href``)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        setTimeout(function () {
          document.querySelectorAll('.leaflet-control-locate a').forEach(function (a) {
            a.setAttribute('href', '#'); a.setAttribute('role', 'button');
          });
        }, 0);
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "KeyboardControls"


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def script_json(value: object) -> str:
    """Compact JSON safe to place inside a ``<script>``: ``<``, ``>``, ``&`` and ``'`` as
    JSON escapes, so no ``</script>`` or HTML can appear in it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


def row_indexes(centres: pd.DataFrame, projects: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """Position of each centre and project id in the marker lookup tables."""
    return {cid: i for i, cid in enumerate(centres["id"])}, {pid: i for i, pid in enumerate(projects["id"])}


def _lookup_tables(
    centres: pd.DataFrame, projects: pd.DataFrame, report_url: str = ""
) -> tuple[dict, dict[str, int], dict[str, int]]:
    centre_index, project_index = row_indexes(centres, projects)
    tables = {
        "types": [
            {"key": t, "label": esc(_(SOLIDARITY_LABELS[t])), "background": TYPE_STYLES[t]["background"]}
            for t in SOLIDARITY_TYPES
        ],
        "categories": [{"label": esc(_(label)), "icon": icon} for label, icon in CATEGORIES.values()],
        "centres": [esc(name) for name in centres["name"]],
        "projects": [link(row.url, row.name) for row in projects.itertuples()],
        "precisions": [esc(_(label)) for label in PRECISION_LABELS.values()],
        "approximate": list(PRECISION_LABELS).index("approximate"),
        "centreLabel": esc(_("Buurtwerk")),
        "projectsLabel": esc(_("Projects")),
        "dir": direction(),
        "checkedLabel": esc(_("Last checked")),
        "neverChecked": esc(_(NEVER)),
        "staleNote": esc(_(STALE_NOTE)),
        # "Report a mistake": the resident's page with the initiative filled in, in the whole window
        # (the map is in a frame); the id is added in the browser, URL-encoded.
        "reportUrl": esc(report_url) if report_url and safe_url(report_url + "x") else "",
        "reportLabel": esc(_("Report a mistake")),
    }
    return tables, centre_index, project_index


MARKER_COLUMNS = (
    "lat", "lon", "id", "name", "solidarity_type", "category", "centre_id", "projects", "website", "address",
    "postcode", "location_precision", "last_verified", "stale",
)


def marker_rows(initiatives: pd.DataFrame, centre_index: Mapping[str, int], project_index: Mapping[str, int]) -> list[list]:
    """The compact, escaped rows the marker callback draws (one per initiative).

    Reads whole columns with ``tolist()``: iterating rows of pandas' Arrow-backed string
    columns costs more than all the escaping.
    """
    type_index = {t: i for i, t in enumerate(SOLIDARITY_TYPES)}
    category_index = {c: i for i, c in enumerate(CATEGORIES)}
    precision_index = {p: i for i, p in enumerate(PRECISION_LABELS)}
    other = category_index["other"]
    approximate = precision_index["approximate"]
    rows = []
    if "stale" not in initiatives:
        initiatives = initiatives.assign(stale=stale_mask(initiatives["last_verified"]))
    columns = (initiatives[c].tolist() for c in MARKER_COLUMNS)
    for lat, lon, id_, name, kind, category, centre, projects, website, address, postcode, precision, checked, stale in zip(
        *columns, strict=True
    ):
        web = link(website, website) if website else ""
        rows.append([
            round(float(lat), 6),
            round(float(lon), 6),
            esc(id_),
            esc(name),
            type_index.get(kind, 0),
            category_index.get(category, other),
            centre_index.get(centre, -1),
            [project_index[p] for p in split_list(projects) if p in project_index],
            web if web.startswith("<a ") else "",
            esc(", ".join(part for part in (address, postcode) if part)),
            precision_index.get(precision, approximate),
            esc(parse_day(checked) or ""),
            1 if stale else 0,
        ])
    return rows


class _RawScript(Element):
    """A piece of script put into the page as it is (not re-read as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


class MarkerLayer(folium.plugins.MarkerCluster):
    """A marker cluster drawn in the browser from one JSON array, whose data never passes Jinja.

    Like folium's ``FastMarkerCluster`` (one callback makes each marker), but the rows are
    encoded once, as HTML-safe JSON, and placed into the script as text: folium would encode
    them on every render, and branca re-reads a rendered script as a template, which with
    10,000 rows is most of the map's build time.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var callback = {{ this.callback }};
            var data = {{ this.data_json }};
            var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
            var selected = {{ this.selected_json }}, chosen = null;
            for (var i = 0; i < data.length; i++) {
                var marker = callback(data[i]);
                if (selected && data[i][2] === selected) { chosen = marker; }
                marker.addTo(cluster);
            }
            cluster.addTo({{ this._parent.get_name() }});
            if (chosen) {
                // "Show on the map": out of its cluster, its popup open, and the map in sight.
                setTimeout(function () {
                    cluster.zoomToShowLayer(chosen, function () { chosen.openPopup(); });
                    try {  // once the frame has its place in the page (Streamlit sizes it after load)
                        var frame = window.frameElement, box = frame && frame.getBoundingClientRect();
                        if (box && (box.top < 0 || box.bottom > window.parent.innerHeight)) {
                            frame.scrollIntoView({block: 'center', behavior: 'smooth'});
                        }
                    } catch (e) { /* a map opened on its own, outside the app */ }
                }, 300);
            }
            return cluster;
        })();
        {% endmacro %}"""
    )

    def __init__(self, rows: list[str], callback: str, selected: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._name = "FastMarkerCluster"
        self.rows = rows  # each row already encoded by script_json
        self.callback = callback
        self.data_json = "[" + ",".join(rows) + "]"
        # The marker rows carry escaped ids (esc): compare with the escaped id.
        self.selected_json = script_json(esc(selected)) if selected else "null"

    def render(self, **kwargs: object) -> None:
        # Render with an empty array: branca compiles the rendered script as a template, which
        # for 10,000 rows is most of the render time. Then put in the text with the data.
        data, self.data_json = self.data_json, "[]"
        try:
            super().render(**kwargs)
        finally:
            self.data_json = data
        self.get_root().script._children[self.get_name()] = _RawScript(self._template.module.script(self, kwargs))


def view_for_bounds(
    south: float, west: float, north: float, east: float, width_px: int = 480, height_px: int = 400,
    min_zoom: float = 11, max_zoom: float = 15,
) -> tuple[tuple[float, float], float]:
    """Centre and zoom that show the box in a map of about ``width_px`` x ``height_px`` (less a margin).

    Computed here rather than with Leaflet's ``fitBounds``, which runs inside the Streamlit
    iframe before it has its final size and then fits the wrong box.
    """
    def mercator_y(lat: float) -> float:
        s = math.sin(math.radians(max(min(lat, 85.0), -85.0)))
        return math.log((1 + s) / (1 - s)) / 2

    lon_span = max(east - west, 1e-6) / 360.0
    y_span = max(mercator_y(north) - mercator_y(south), 1e-6) / (2 * math.pi)
    zoom_x = math.log2(width_px / 256.0 / lon_span)
    zoom_y = math.log2(height_px / 256.0 / y_span)
    zoom = max(min_zoom, min(max_zoom, math.floor(min(zoom_x, zoom_y) * 4) / 4))  # quarter zoom steps
    return ((south + north) / 2, (west + east) / 2), zoom


def legend_html(centre_count: int, show_areas: bool) -> str:
    """The legend's HTML: every label escaped (the symbols, the cluster bubbles, the category icons)."""
    labels = {
        "centre": _("Buurtwerk"),
        "approximate": _("Approximate location"),
        "cluster": _("Several initiatives close together: the number says how many. Click it to zoom in."),
        "categories": _("Categories"),
        "area": _("Neighbourhood of a buurtwerk"),
        "stale": _("Paler: not checked for more than a year"),
    }
    labels = {key: esc(text) for key, text in labels.items()}
    items = [
        f'<div><span class="sm-pin sm-centre" style="background:{CENTRE_COLOUR}"><i class="fa-solid fa-house-chimney"></i></span>'
        f"{labels['centre']}</div>"
    ]
    for t in SOLIDARITY_TYPES:
        label = esc(_(SOLIDARITY_LABELS[t]))
        items.append(f'<div><span class="sm-pin sm-{t}" style="background:{TYPE_STYLES[t]["background"]}"></span>{label}</div>')
    items.append(f'<div><span class="sm-pin sm-direct sm-approx" style="background:#fff"></span>{labels["approximate"]}</div>')
    items.append(f'<div><span class="sm-pin sm-direct sm-stale" style="background:{TYPE_STYLES["direct"]["background"]}"></span>'
                 f'{labels["stale"]}</div>')
    items.append(f'<div><span class="sm-cluster-sample" aria-hidden="true">12</span>{labels["cluster"]}</div>')
    if show_areas:
        items.append(
            '<div><span class="sm-pin" style="background:rgba(31,42,55,.12);border:2px solid #1F2A37;border-radius:2px"></span>'
            f"{labels['area']}</div>"
        )
    items.append(f'<div class="sm-legend-head">{labels["categories"]}</div>')
    for label, icon in CATEGORIES.values():
        text = esc(_(label))
        items.append(
            f'<div><span class="sm-pin sm-direct" style="background:#5B6B7A"><i class="fa-solid fa-{icon}" '
            f'aria-hidden="true"></i></span>{text}</div>'
        )
    return "".join(items)


def build_map(
    initiatives: pd.DataFrame,
    centres: pd.DataFrame,
    projects: pd.DataFrame,
    areas: Mapping[str, dict] | None = None,
    selected: str = "",
    tiles: TileSettings | None = None,
    fit: bool = False,
    report_url: str = "",
) -> folium.Map:
    """Build the explore map.

    Parameters
    ----------
    initiatives, centres, projects
        Frames with the store's columns (initiatives already filtered).
    areas
        GeoJSON geometry (``__geo_interface__`` mapping) per centre id; None when boundaries
        are not available.
    selected
        Id of the initiative to highlight (popup open, centred).
    tiles
        Background tiles; ``TileSettings(url="")`` for none.
    fit
        Zoom to the shown initiatives instead of the whole city.
    report_url
        The absolute link of the residents' "report a mistake" page up to the initiative's id
        (``https://host/meld?lang=nl&initiatief=``); each popup links to it. Empty: no link.
    """
    tiles = tiles or TileSettings()
    fmap = folium.Map(
        location=ANTWERP_CENTER,
        zoom_start=DEFAULT_ZOOM,
        tiles=None,
        control_scale=True,
        zoom_control=False,  # ZoomControl: named in the page's language
        prefer_canvas=False,
        minZoom=MIN_ZOOM,
        maxZoom=MAX_ZOOM,
        zoomSnap=0.25,
    )
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, max_zoom=MAX_ZOOM, name="OpenStreetMap").add_to(fmap)
    fmap.get_root().header.add_child(folium.Element(MAP_CSS))
    ZoomControl().add_to(fmap)

    if areas:
        names = dict(zip(centres["id"], centres["name"], strict=True))
        wijken = dict(zip(centres["id"], centres["wijk"], strict=True))
        group = folium.FeatureGroup(name=esc(_("Neighbourhoods")), control=False)
        for centre_id, geometry in areas.items():
            label = f"{wijken.get(centre_id, '')} ({names.get(centre_id, centre_id)})"
            folium.GeoJson(
                {"type": "Feature", "geometry": geometry, "properties": {}},
                style_function=lambda _f: {"color": CENTRE_COLOUR, "weight": 2, "fillOpacity": 0.07, "dashArray": "4 4"},
                highlight_function=lambda _f: {"weight": 3, "fillOpacity": 0.15},
                tooltip=folium.Tooltip(esc(label), sticky=True),
            ).add_to(group)
        group.add_to(fmap)

    # The buurtwerken lie in a pane below the initiatives: a cluster bubble is never hidden under
    # a buurtwerk's icon (they often sit at the same point: activities of the centre itself).
    folium.map.CustomPane(CENTRE_PANE, z_index=590, pointer_events=True).add_to(fmap)
    for row in centres.itertuples(index=False):
        approximate = row.location_precision == "approximate"
        note_text, centre_word = esc(_("Approximate location")), esc(_("Buurtwerk"))
        note = f"<p class='sm-note'>{note_text}</p>" if approximate else ""
        address = f"<p><bdi>{esc(row.address)}</bdi></p>" if row.address else ""
        html = (
            f"<div class='sm-popup' dir='{direction()}'><h3><bdi>{esc(row.name)}</bdi></h3>"
            f"<p>{centre_word} &middot; <bdi>{esc(row.wijk)}</bdi></p>"
            f"{address}{note}<p>{link(row.website, row.website) if row.website else ''}</p></div>"
        )
        # A pin that stands on its point: a cluster bubble drawn there leaves the house visible.
        icon_html = (
            f'<div class="sm-centre-pin"><div class="sm-pin sm-centre{" sm-approx" if approximate else ""}" '
            f'style="background:{CENTRE_COLOUR}" role="img" aria-label="{esc(row.name)}, {centre_word}">'
            '<i class="fa-solid fa-house-chimney" aria-hidden="true"></i></div></div>'
        )
        folium.Marker(
            (row.lat, row.lon),
            icon=folium.DivIcon(html=icon_html, icon_size=(32, 40), icon_anchor=(16, 40), class_name=""),
            tooltip=folium.Tooltip(esc(row.name)),
            popup=folium.Popup(html, max_width=300),
            pane=CENTRE_PANE,
        ).add_to(fmap)

    tables, centre_index, project_index = _lookup_tables(centres, projects, report_url)
    if "marker_json" in initiatives:  # encoded once per data version by the catalogue
        rows = initiatives["marker_json"].tolist()
    else:
        rows = [script_json(row) for row in marker_rows(initiatives, centre_index, project_index)]
    if rows:
        MarkerLayer(
            rows,
            callback=CALLBACK_JS % script_json(tables),
            selected=selected,
            name=esc(_("Initiatives")),
            maxClusterRadius=40,
            disableClusteringAtZoom=17,
            spiderfyOnMaxZoom=True,
        ).add_to(fmap)

    chosen = initiatives[initiatives["id"] == selected] if selected else initiatives.iloc[0:0]
    if len(chosen):
        r = chosen.iloc[0]
        folium.CircleMarker(
            (float(r["lat"]), float(r["lon"])),
            radius=22,
            color="#FFB000",
            weight=5,
            fill=False,
            tooltip=folium.Tooltip(esc(r["name"]), permanent=True, direction="top"),
        ).add_to(fmap)
        fmap.location = [float(r["lat"]), float(r["lon"])]
        fmap.options["zoom"] = 16
    elif fit:
        frame = initiatives if len(initiatives) else centres
        if len(frame):
            box = (float(frame["lat"].min()), float(frame["lon"].min()), float(frame["lat"].max()), float(frame["lon"].max()))
            center, zoom = view_for_bounds(*box)
            fmap.location = list(center)
            fmap.options["zoom"] = zoom
            FitWhenSized(*box).add_to(fmap)

    folium.plugins.Fullscreen(
        title=esc(_("Full screen")), title_cancel=esc(_("Exit full screen")), force_separate_button=True
    ).add_to(fmap)
    folium.plugins.LocateControl(strings={"title": esc(_("Show my location"))}, flyTo=True).add_to(fmap)
    KeyboardControls().add_to(fmap)
    Legend(legend_html(len(centres), bool(areas)), esc(_("Legend")), direction()).add_to(fmap)
    return fmap


def naive_map(initiatives: pd.DataFrame) -> folium.Map:
    """The naive baseline for the benchmark: one ``folium.Marker`` with a popup per initiative."""
    fmap = folium.Map(location=ANTWERP_CENTER, zoom_start=DEFAULT_ZOOM, tiles=None, maxZoom=MAX_ZOOM)
    cluster = folium.plugins.MarkerCluster().add_to(fmap)
    for r in initiatives.itertuples(index=False):
        folium.Marker((r.lat, r.lon), popup=folium.Popup(esc(r.name)), tooltip=esc(r.name)).add_to(cluster)
    return fmap


def build_nearby_map(
    lat: float,
    lon: float,
    radius_m: float,
    hits: list,
    centre: object | None = None,
    place_label: str = "",
    tiles: TileSettings | None = None,
) -> folium.Map:
    """The residents' map: the place, the reach on foot, and the results numbered like the list.

    ``radius_m`` is a walking distance; the circle shows the straight-line distance that the
    walking estimate turns into it (``radius_m / DETOUR_FACTOR``). The view fits the circle and
    the results (refitted once the frame has its size: phones get a narrower map). Result 1 is
    never hidden: the start point lies below the results, the buurtwerk in its own lower pane.
    ``hits`` are :class:`solidarity.nearby.Hit` objects; ``centre`` the nearest buurtwerk.
    At most a few dozen markers, so plain ``folium.Marker`` objects are fine here.
    """
    tiles = tiles or TileSettings()
    fmap = folium.Map(location=(lat, lon), zoom_start=15, tiles=None, control_scale=True, maxZoom=MAX_ZOOM,
                      minZoom=MIN_ZOOM, zoomSnap=0.25, zoom_control=False)  # fmt: skip
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, max_zoom=MAX_ZOOM, name="OpenStreetMap").add_to(fmap)
    fmap.get_root().header.add_child(folium.Element(MAP_CSS))
    ZoomControl().add_to(fmap)
    folium.map.CustomPane(CENTRE_PANE, z_index=590, pointer_events=True).add_to(fmap)
    reach = float(radius_m) / DETOUR_FACTOR
    if reach > 0:
        folium.Circle((lat, lon), radius=reach, color="#1F2A37", weight=2, fill=True, fill_opacity=0.04,
                      dash_array="6 6").add_to(fmap)  # fmt: skip
    here = esc(place_label or _("Your place"))
    folium.Marker(
        (lat, lon),
        icon=folium.DivIcon(
            html=f'<div class="sm-pin sm-here" role="img" aria-label="{here}" '
                 'style="background:#FFB000;color:#1F2A37;width:22px;height:22px;font-size:11px">'
                 '<i class="fa-solid fa-location-crosshairs" aria-hidden="true"></i></div>',
            icon_size=(22, 22), icon_anchor=(11, 11), class_name=""),
        tooltip=folium.Tooltip(here),
        z_index_offset=-1000,
    ).add_to(fmap)  # fmt: skip
    dlat = reach / 111_320.0
    dlon = reach / (111_320.0 * max(math.cos(math.radians(lat)), 0.1))
    lats, lons = [lat - dlat, lat + dlat], [lon - dlon, lon + dlon]
    for hit in hits:
        row = hit.row
        style = TYPE_STYLES.get(row.get("solidarity_type", ""), TYPE_STYLES["direct"])
        shape = row.get("solidarity_type", "direct")
        name = esc(hit.name)
        folium.Marker(
            (hit.lat, hit.lon),
            icon=folium.DivIcon(
                html=f'<div class="sm-pin sm-{esc(shape)}" role="img" aria-label="{hit.rank}. {name}" '
                     f'style="background:{style["background"]};font-weight:700">{hit.rank}</div>',
                icon_size=(28, 28), icon_anchor=(14, 14), class_name=""),
            tooltip=folium.Tooltip(f"{hit.rank}. <bdi>{name}</bdi>"),
            z_index_offset=1000 - hit.rank,  # 1 on top of 2
        ).add_to(fmap)  # fmt: skip
        lats.append(hit.lat)
        lons.append(hit.lon)
    if centre is not None:
        folium.Marker(
            (centre.lat, centre.lon),
            icon=folium.DivIcon(
                html=f'<div class="sm-pin sm-centre" role="img" aria-label="{esc(centre.name)}" style="background:{CENTRE_COLOUR}">'
                     '<i class="fa-solid fa-house-chimney" aria-hidden="true"></i></div>',
                icon_size=(32, 32), icon_anchor=(16, 16), class_name=""),
            tooltip=folium.Tooltip(esc(centre.name)),
            pane=CENTRE_PANE,
        ).add_to(fmap)  # fmt: skip
    if hits or reach > 0:
        box = (min(lats), min(lons), max(lats), max(lons))
        center, zoom = view_for_bounds(*box, max_zoom=17)
        fmap.location = list(center)
        fmap.options["zoom"] = zoom
        FitWhenSized(*box, max_zoom=17).add_to(fmap)
    folium.plugins.LocateControl(strings={"title": esc(_("Show my location"))}).add_to(fmap)
    KeyboardControls().add_to(fmap)
    return fmap


def build_point_map(
    point: tuple[float, float] | None, tiles: TileSettings | None = None, outlines: Mapping[str, Any] | None = None
) -> folium.Map:
    """The small map of a form (the team's form, the residents' suggestion): the point, if any.

    ``outlines`` (a GeoJSON FeatureCollection, e.g. the wijken) are drawn thin and grey for
    orientation, above all when there are no tiles (offline): without them the map is an empty
    grey square. They are not interactive, so that a click anywhere reaches the map and moves
    the point.
    """
    tiles = tiles or TileSettings()
    fmap = folium.Map(location=point or ANTWERP_CENTER, zoom_start=16 if point else 12, tiles=None, maxZoom=MAX_ZOOM,
                      minZoom=MIN_ZOOM)  # fmt: skip
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, max_zoom=MAX_ZOOM).add_to(fmap)
    if outlines and outlines.get("features"):
        folium.GeoJson(
            dict(outlines),
            style_function=lambda _f: {"color": "#6B7280", "weight": 1, "fillOpacity": 0.03},
            interactive=False,
        ).add_to(fmap)
    if point is not None:
        folium.CircleMarker(point, radius=9, color="#0072B2", fill=True, fill_opacity=0.8).add_to(fmap)
    return fmap
