"""The explore map in a real browser: counts, the three-click journey, privacy, errors,
hostile data, keyboard use, accessibility (axe-core) and screenshots."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    LIVE_CLUSTERS_JS,
    map_frame,
    poll,
    screenshot,
    settle,
    wait_for_count,
    wait_for_map,
    wait_for_url,
)

HOSTILE_NAME = "Café `t Hoekske <img src=x onerror=alert(1)>"
#: Hosts a page of the app may contact: itself, and the OpenStreetMap tile server when tiles are on.
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TILE_HOSTS = {"tile.openstreetmap.org"}

#: Labels of pages/explore.py, English msgid or Dutch translation (whichever the catalogue gives).
DIRECT_PILL = re.compile(r"^\s*(Direct solidarity|Directe solidariteit)\s*$")
KIEL_PILL = re.compile(r"^\s*Kiel \(")
RPM_PILL = re.compile(r"^\s*Ruimte Publiek Maken\s*$")
SHOW_ON_MAP = re.compile(r"^(Show on the map|Toon op de kaart)$")


def query(url: str) -> dict[str, list[str]]:
    """The query parameters of ``url``."""
    return parse_qs(urlsplit(url).query)


def pill(page, text: re.Pattern[str]):
    """The pill button whose visible text matches ``text``."""
    return page.locator('[data-testid="stButtonGroup"] button').filter(has_text=text)


# --------------------------------------------------------------------------------------------
# Counts and the shared link




def shown_count(page) -> tuple[int, int]:
    """The app's own "<shown> of <total> initiatives shown" line (English)."""
    line = page.get_by_text(re.compile(r"^\d+ of \d+ initiatives shown$"))
    line.wait_for()
    shown, total = re.findall(r"\d+", line.inner_text())
    return int(shown), int(total)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"type": "direct", "buurtwerk": "de-stek"},
        {"type": "indirect"},
        {"buurtwerk": "dinamo,t-pleintje"},
        {"buurtwerk": ["dinamo", "t-pleintje"]},
        {"categorie": "food", "q": "buurt"},
    ],
    ids=["all", "direct-de-stek", "indirect", "two-centres-comma", "two-centres-repeated", "food-text"],
)
def test_point_count_matches_python(app_real_notiles, open_page, expected_count, params) -> None:
    """The map draws exactly the initiatives the filter function selects for the same URL.

    The expectation is computed with the boundaries the server finds (GEODATA_DIR /
    GEODATA_CACHE_DIR), so buurtwerk filters are right with and without the geodata."""
    expected = expected_count(app_real_notiles, params)
    opened = open_page(app_real_notiles.page_url("/", lang="en", **params))
    page = opened.page
    shown, total = shown_count(page)
    assert total == expected_count(app_real_notiles, {})
    assert shown == expected, f"{params}: the app counts {shown}, Python expects {expected}"
    wait_for_map(page, points=expected > 0)
    seen = wait_for_count(page, expected) if expected else None
    assert seen == (expected or None), f"{params}: map shows {seen}, Python expects {expected}"
    # The list is the same set, as a table with one row header per initiative (a page holds 100).
    rows = page.locator('.sm-table tbody th[scope="row"]')
    if expected:
        rows.first.wait_for()
    assert rows.count() == min(expected, 100), f"{params}: the list has {rows.count()} rows"
    assert not opened.errors


def test_three_click_journey_and_shared_link(app_real_notiles, open_page, expected_count) -> None:
    """Direct solidarity -> Kiel -> Ruimte Publiek Maken: the URL holds the three filters, the map
    the right points, and the same URL opened anew shows the same map."""
    server = app_real_notiles
    opened = open_page(server.page_url("/", lang="nl"))
    page = opened.page
    wait_for_map(page)
    steps = [
        (DIRECT_PILL, "type", "direct"),
        (KIEL_PILL, "buurtwerk", "de-stek"),
        (RPM_PILL, "project", "ruimte-publiek-maken"),
    ]
    wanted: dict[str, str] = {}
    settle(page)  # a first visit may run twice (the URL's state); pills are redrawn meanwhile
    for text, name, value in steps:
        button = pill(page, text)
        poll(page, lambda button=button: button.count() >= 1, timeout=20)
        assert button.count() == 1, f"no single pill matching {text.pattern}"
        button.click()
        wanted[name] = value
        url = wait_for_url(page, lambda u, name=name, value=value: value in query(u).get(name, []))
        assert query(url).get(name) == [value], f"after clicking {text.pattern}: {url}"
        assert button.get_attribute("aria-pressed") == "true"
        expected = expected_count(server, wanted)
        assert wait_for_count(page, expected) == expected, f"{wanted}: Python expects {expected}"

    final = page.url
    params = query(final)
    assert params["type"] == ["direct"] and params["buurtwerk"] == ["de-stek"]
    assert params["project"] == ["ruimte-publiek-maken"] and params["lang"] == ["nl"]
    expected = expected_count(server, wanted)
    assert expected >= 1

    shared = open_page(final)
    wait_for_map(shared.page)
    assert wait_for_count(shared.page, expected) == expected
    for text, _name, _value in steps:
        assert pill(shared.page, text).get_attribute("aria-pressed") == "true"
    assert not opened.errors and not shared.errors


# --------------------------------------------------------------------------------------------
# Privacy and errors


def test_no_request_leaves_the_server_but_tiles(app_real, open_page) -> None:
    """With tiles on, the only third party contacted is the OpenStreetMap tile server."""
    opened = open_page(app_real.page_url("/", lang="en", id="kloostertuin-hollebeek"))
    wait_for_map(opened.page)
    poll(opened.page, lambda: any(urlsplit(u).hostname in TILE_HOSTS for u in opened.requests), timeout=10)
    opened.page.wait_for_load_state("networkidle")  # late requests (fonts, icons)
    hosts = {urlsplit(u).hostname for u in opened.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts & TILE_HOSTS, "tiles are on with app_real: tile requests were expected"
    outside = sorted(u for u in opened.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                     and urlsplit(u).hostname not in LOCAL_HOSTS | TILE_HOSTS)  # fmt: skip
    assert outside == []


def test_no_console_or_page_error(app_real_notiles, open_page) -> None:
    """Loading the map, filtering and selecting log no console error and throw no page error."""
    opened = open_page(app_real_notiles.page_url("/", lang="en"))
    page = opened.page
    wait_for_map(page)
    pill(page, KIEL_PILL).click()
    wait_for_url(page, lambda u: "buurtwerk" in query(u))
    wait_for_map(page)
    page.goto(app_real_notiles.page_url("/", lang="en", id="kloostertuin-hollebeek"))
    wait_for_map(page)
    page.wait_for_load_state("networkidle")
    external = [
        u for u in opened.requests if urlsplit(u).hostname not in LOCAL_HOSTS and urlsplit(u).scheme.startswith("http")
    ]
    assert external == [], "TILES_URL=none: no request may leave the server"
    assert opened.errors == []
    assert opened.console_errors() == []


# --------------------------------------------------------------------------------------------
# Hostile data

OPEN_HOSTILE_POPUP_JS = """() => new Promise((resolve) => {
  const cluster = (LIVE_CLUSTERS)()[0];
  const layer = cluster.getLayers().find((l) => (l.options.title || '').includes('Hoekske')
      || String((l.getTooltip() && l.getTooltip().getContent()) || '').includes('Hoekske'));
  if (!layer) { resolve(null); return; }
  let tries = 0;
  const read = () => {
    // The map may still settle its first view (a refit can re-cluster the marker): zoom to it
    // and open it again until the popup shows, 6 s at most.
    const popup = document.querySelector('.leaflet-popup-content');
    if ((popup && popup.textContent) || ++tries > 30) {
      const h3 = popup && popup.querySelector('h3');
      resolve(popup ? {text: popup.textContent, h3: h3 ? h3.innerText : null} : {text: '', h3: null});
      return;
    }
    cluster.zoomToShowLayer(layer, () => layer.openPopup());
    setTimeout(read, 200);
  };
  read();
})""".replace("LIVE_CLUSTERS", LIVE_CLUSTERS_JS)

NO_INJECTED_IMG_JS = "() => [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length"


def assert_nothing_ran(opened, frame) -> None:
    """No dialog, no ``window.__xss`` (set by the alert trap) and no injected ``<img src=x>``."""
    assert opened.dialogs == []
    assert opened.page.evaluate("() => window.__xss") is None
    assert frame.evaluate("() => window.__xss") is None
    assert opened.page.evaluate(NO_INJECTED_IMG_JS) == 0
    assert frame.evaluate(NO_INJECTED_IMG_JS) == 0
    assert opened.errors == []


def test_hostile_data_runs_nothing(app_hostile, open_page, expected_count) -> None:
    """The hostile initiative's popup and list entry show its name as text; nothing runs."""
    opened = open_page(app_hostile.page_url("/", lang="en"))
    page = opened.page
    frame = wait_for_map(page)
    expected = expected_count(app_hostile, {})
    assert wait_for_count(page, expected) == expected

    popup = frame.evaluate(OPEN_HOSTILE_POPUP_JS)
    assert popup is not None, "the hostile initiative is not on the map"
    assert HOSTILE_NAME in popup["text"]
    assert popup["h3"] == HOSTILE_NAME  # read in the same moment: the popup may close later

    # The list (an HTML table): the name as the row's header, as plain text.
    cell = page.locator('.sm-table th[scope="row"]', has_text="Hoekske").first
    assert cell.inner_text().strip() == HOSTILE_NAME

    # The list's "Show on the map" select: the name as an option, as plain text.
    box = page.get_by_role("combobox", name=SHOW_ON_MAP)
    box.focus()
    page.keyboard.type("Hoekske", delay=40)
    option = page.get_by_role("option", name=HOSTILE_NAME, exact=True)
    option.wait_for()
    assert option.inner_text().strip() == HOSTILE_NAME
    page.keyboard.press("Escape")

    page.wait_for_timeout(500)  # a window for late scripts: nothing to wait for, something must not happen
    assert_nothing_ran(opened, frame)


def test_hostile_selected_runs_nothing(app_hostile, open_page) -> None:
    """``?id=i4`` highlights the hostile initiative with its name as plain text; nothing runs."""
    opened = open_page(app_hostile.page_url("/", lang="en", id="i4"))
    page = opened.page
    frame = wait_for_map(page)
    label = poll(page, lambda: map_frame(page).evaluate(
        "() => [...document.querySelectorAll('.leaflet-tooltip')].map((t) => t.textContent.trim()).join('|')"
    ))  # fmt: skip
    assert label == HOSTILE_NAME
    assert query(page.url).get("id") == ["i4"]
    page.wait_for_timeout(500)  # a window for late scripts: nothing to wait for, something must not happen
    assert_nothing_ran(opened, map_frame(page) or frame)


# --------------------------------------------------------------------------------------------
# Keyboard

SELECTED_TOOLTIP_JS = """() => {
  const key = Object.keys(window).find((k) => k.startsWith('circle_marker_'));
  const marker = key && window[key];
  if (!marker || !marker._map || !marker.getTooltip()) return null;
  const tooltip = marker.getTooltip();
  const box = tooltip.getElement().getBoundingClientRect();
  const point = marker._map.latLngToContainerPoint(marker.getLatLng());
  const map = marker._map.getContainer().getBoundingClientRect();
  return {text: tooltip.getElement().textContent.trim(), permanent: !!tooltip.options.permanent,
          open: marker.isTooltipOpen(), dx: box.left + box.width / 2 - (map.left + point.x),
          dy: box.bottom - (map.top + point.y)};
}"""


def selected_tooltip(page) -> dict | None:
    """The highlight of the selected initiative (its permanent tooltip), or None."""
    return poll(page, lambda: map_frame(page).evaluate(SELECTED_TOOLTIP_JS))


def test_list_works_by_keyboard(app_real_notiles, open_page) -> None:
    """Tab to "Show on the map", type part of a name, Enter: the URL gets ``id=`` and the map
    highlights the initiative with a permanent label."""
    opened = open_page(app_real_notiles.page_url("/", lang="nl"))
    page = opened.page
    wait_for_map(page)
    page.locator("body").focus()
    for _ in range(150):
        page.keyboard.press("Tab")
        label = page.evaluate("() => document.activeElement && document.activeElement.getAttribute('aria-label')")
        if label and SHOW_ON_MAP.match(label):
            break
    else:
        pytest.fail("the 'Show on the map' select is not reachable with Tab")
    page.keyboard.type("Klooster", delay=40)
    page.get_by_role("option", name="Kloostertuin Hollebeek").wait_for()
    page.keyboard.press("Enter")
    url = wait_for_url(page, lambda u: "id" in query(u))
    assert query(url).get("id") == ["kloostertuin-hollebeek"]
    wait_for_map(page)
    highlight = selected_tooltip(page)
    assert highlight, "no highlight of the selected initiative on the map"
    assert highlight["text"] == "Kloostertuin Hollebeek"
    assert highlight["permanent"] and highlight["open"]
    assert opened.errors == []


def test_selected_label_sits_on_its_marker(app_real_notiles, open_page) -> None:
    """The highlight label of the selected initiative is drawn just above its marker."""
    opened = open_page(app_real_notiles.page_url("/", lang="en", id="kloostertuin-hollebeek"))
    wait_for_map(opened.page)
    highlight = selected_tooltip(opened.page)
    assert highlight
    assert abs(highlight["dx"]) <= 4 and -40 <= highlight["dy"] <= 0, highlight


# --------------------------------------------------------------------------------------------
# Accessibility


def serious(results: dict) -> list[str]:
    """Violations of impact serious or critical, one line per node."""
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:200]}"
        for v in results["violations"]
        if v.get("impact") in ("serious", "critical")
        for node in v["nodes"]
    ]


def save_axe(name: str, results: dict) -> None:
    """Keep the violations (all impacts) in test-artifacts/ for the record."""
    ARTIFACTS.mkdir(exist_ok=True)
    summary = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
    ]
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))


def explore_nl(server, shared_page, viewport: str = "desktop"):
    """The shared, unfiltered Dutch explore page with its map drawn (tests only look at it)."""
    opened = shared_page(server.page_url("/", lang="nl"), viewport)
    frame = wait_for_map(opened.page)
    frame.evaluate("() => document.fonts.ready.then(() => true)")  # the icons' font
    return opened, frame


@pytest.mark.parametrize("path", ["/", "/over"], ids=["explore", "about"])
def test_axe_no_serious_violation(app_real_notiles, open_page, shared_page, path) -> None:
    """axe-core finds no serious or critical violation in the page (main document), nor in the
    map's own document (scanned separately: axe in the top page does not reach into it)."""
    from axe_playwright_python.sync_playwright import Axe

    frame = None
    if path == "/":
        opened, frame = explore_nl(app_real_notiles, shared_page)
    else:
        opened = open_page(app_real_notiles.page_url(path, lang="nl"))
        opened.page.locator("h1").first.wait_for()
        opened.page.locator(".sm-sources a").first.wait_for()
    settle(opened.page)  # a page in a rerun is faded (its contrast is not what a reader sees)
    axe = Axe()
    main = axe.run(opened.page, options={"resultTypes": ["violations"], "iframes": False}).response
    name = path.strip("/") or "explore"
    save_axe(name, main)
    problems = serious(main)
    if frame is not None:
        inner = axe.run(frame).response
        save_axe(name + "-map", inner)
        problems += [f"map iframe: {line}" for line in serious(inner)]
    assert problems == []


MARKER_NAMES_JS = """() => {
  const plain = (html) => new DOMParser().parseFromString(html, 'text/html').body.textContent.trim();
  const wrong = [];
  for (const cluster of (LIVE_CLUSTERS)()) {
    for (const layer of cluster.getLayers()) {
      const name = plain(String(layer.getTooltip().getContent()));
      const icon = new DOMParser().parseFromString(layer.options.icon.options.html, 'text/html');
      const label = (icon.querySelector('[aria-label]') || {getAttribute: () => ''}).getAttribute('aria-label');
      if (!label.includes(name)) wrong.push(`initiative ${name}: its marker is named "${label}"`);
      if (/&(#\\d+|#x[0-9a-f]+|[a-z]+);/i.test(layer.options.title || '')) {
        wrong.push(`initiative ${name}: its title shows HTML entities: "${layer.options.title}"`);
      }
    }
  }
  return wrong;
}""".replace("LIVE_CLUSTERS", LIVE_CLUSTERS_JS)


def test_markers_are_named_by_their_place(app_real_notiles, shared_page) -> None:
    """A screen-reader user tabbing through the map hears which buurtwerk or initiative a marker is."""
    opened, frame = explore_nl(app_real_notiles, shared_page)
    wrong = frame.evaluate(MARKER_NAMES_JS)
    for centre in ("De Wijk", "Borgerbaan", "Dinamo", "'t Pleintje", "De Stek"):
        if frame.get_by_role("button", name=re.compile(re.escape(centre))).count() != 1:
            wrong.append(f"no map button named after buurtwerk {centre}")
    assert wrong == []


LEGEND_OVERLAP_JS = """() => {
  const legend = document.querySelector('.sm-legend').getBoundingClientRect();
  return [...document.querySelectorAll('.leaflet-marker-icon')].filter((el) => {
    const r = el.getBoundingClientRect();
    return !(r.right <= legend.left || r.left >= legend.right || r.bottom <= legend.top || r.top >= legend.bottom);
  }).map((el) => el.classList.contains('marker-cluster') ? `cluster of ${el.textContent.trim()}` :
         (el.querySelector('[aria-label]') || el).getAttribute('aria-label') || el.className);
}"""


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_legend_covers_no_marker(app_real_notiles, shared_page, viewport) -> None:
    """In the default view no marker or cluster is hidden under the legend (it used to cover
    Buurtwerk De Stek and the Kiel initiatives in the bottom-left corner)."""
    opened, frame = explore_nl(app_real_notiles, shared_page, viewport)
    # Once the view has settled: on a phone the map refits when its frame gets its size, and a
    # cluster passes the corner during that animation (seen once under full test load).
    poll(opened.page, lambda: frame.evaluate(LEGEND_OVERLAP_JS) == [], timeout=10)
    assert frame.evaluate(LEGEND_OVERLAP_JS) == []


OUT_OF_VIEW_JS = """() => {
  const cluster = (LIVE_CLUSTERS)()[0];
  const map = cluster._map, size = map.getSize(), margin = 14;
  const outside = (latlng) => {
    const p = map.latLngToContainerPoint(latlng);
    return p.x < margin || p.y < margin || p.x > size.x - margin || p.y > size.y - margin;
  };
  const text = (layer) => String((layer.getTooltip() && layer.getTooltip().getContent()) || '').trim();
  const out = cluster.getLayers().filter((l) => outside(l.getLatLng())).map((l) => `initiative ${text(l)}`);
  map.eachLayer((l) => {
    if (l instanceof L.Marker && !(L.MarkerCluster && l instanceof L.MarkerCluster) && !cluster.hasLayer(l)
        && outside(l.getLatLng())) out.push(`buurtwerk ${text(l)}`);
  });
  return {size: [size.x, size.y], zoom: map.getZoom(), outside: out};
}""".replace("LIVE_CLUSTERS", LIVE_CLUSTERS_JS)




@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_default_view_shows_every_point(app_real_notiles, shared_page, viewport) -> None:
    """The unfiltered map opens on a view that holds every initiative and every buurtwerk."""
    opened, frame = explore_nl(app_real_notiles, shared_page, viewport)
    view = frame.evaluate(OUT_OF_VIEW_JS)
    assert view["outside"] == [], view


# --------------------------------------------------------------------------------------------
# Screenshots


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_screenshots(app_real_notiles, shared_page, viewport) -> None:
    """Screenshots for a human look (test-artifacts/); the map is drawn and nothing overflows sideways."""
    opened, _frame = explore_nl(app_real_notiles, shared_page, viewport)
    page = opened.page
    page.evaluate("() => document.fonts.ready.then(() => true)")
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    assert box and box["height"] >= 400 and box["width"] >= 300
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    for path in screenshot(page, f"explore-{viewport}"):
        assert path.stat().st_size > 10_000
    assert opened.errors == []
