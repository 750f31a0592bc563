"""Journeys a person makes: page to page and back by the menu and by links, Back and Forward, a
shared link as the first visit after a start, a phone, another language, the keyboard.

Every step waits for the run it caused to finish (the app's run mark, see ``act``) and fails on
an exception box, a "Page not found" notice, a console or page error, or a page that lost its state.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import (
    LIVE_CLUSTERS_JS,
    MAP_IFRAME,
    REAL_SEED,
    act,
    map_frame,
    new_page,
    poll,
    screenshot,
    server_env,
    start_server,
    stop_server,
    wait_for_count,
    wait_for_map,
    wait_for_run,
)

#: The app's pages: menu label (Dutch), URL path, title (Dutch).
PAGES = {
    "explore": ("Verken de kaart", "/", "Solidariteitskaart Antwerpen"),
    "nearby": ("In de buurt", "/in-de-buurt", "Wat is er in mijn buurt?"),
    "about": ("Over", "/over", "Over deze kaart"),
}
#: Every ordered pair of pages once (an Euler circuit): explore -> nearby -> about -> explore -> about -> nearby -> explore.
WALK = ["explore", "nearby", "about", "explore", "about", "nearby", "explore"]
EXPLORE_STATE = {"type": ["direct"], "buurtwerk": ["de-stek"]}
SEARCH = "Kiel"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def path_of(url: str) -> str:
    return urlsplit(url).path or "/"


def check_clean(opened, step: str) -> None:
    page = opened.page
    assert page.get_by_role("dialog").count() == 0, f"{step}: {page.get_by_role('dialog').all_inner_texts()}"
    assert page.locator('[data-testid="stException"]').count() == 0, f"{step}: an exception box"
    assert opened.errors == [], f"{step}: {opened.errors}"
    assert opened.console_errors() == [], f"{step}: {opened.console_errors()}"


def menu(page, key: str, viewport: str) -> None:
    """Choose a page in the app's menu (on a phone: open the menu first)."""
    if viewport == "phone":
        page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.click()
    link = page.locator('[data-testid="stSidebar"] a').filter(has_text=PAGES[key][0])
    act(page, lambda: link.first.click())
    if viewport == "phone":
        poll(page, lambda: page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0, timeout=5)
        assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0, "the menu closes on a phone"


def pressed(page) -> set[str]:
    return {b.strip() for b in page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"] button[aria-pressed="true"]').all_inner_texts()}


def check_page(opened, key: str, step: str, server, expected_count, explore_params: dict) -> None:
    """The right page, with its state."""
    page = opened.page
    assert path_of(page.url) == PAGES[key][1], f"{step}: at {page.url}"
    page.locator("[data-testid='stMain'] h1").filter(has_text=PAGES[key][2]).first.wait_for(timeout=20_000)
    check_clean(opened, step)
    if key == "explore":
        assert {k: v for k, v in query(page.url).items() if k != "lang"} == explore_params, f"{step}: {page.url}"
        names = {"type": "Directe solidariteit", "buurtwerk": "Kiel (De Stek)"}
        assert pressed(page) == {names[k] for k in explore_params}, f"{step}: the filters shown"
        wait_for_map(page, points=True)
        expected = expected_count(server, explore_params)
        assert wait_for_count(page, expected) == expected, f"{step}: the map's points"
    if key == "nearby":
        assert query(page.url).get("q") == [SEARCH], f"{step}: {page.url}"
        assert page.locator('[data-testid="stForm"] input').input_value() == SEARCH, f"{step}: the search box"
        page.locator(".sm-card").first.wait_for(timeout=15_000)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_pair_by_menu_back_and_forward(app_real_notiles, browser_context, expected_count, viewport) -> None:
    """Each page to each other page and back by the menu, then all the way Back and Forward again."""
    server = app_real_notiles
    opened = new_page(browser_context(viewport), server.page_url("/"))
    page = opened.page
    try:
        wait_for_run(page, timeout=30)
        wait_for_map(page)
        # The state a person leaves on the map and on the residents' page.
        for label in ("Directe solidariteit", "Kiel (De Stek)"):
            act(page, lambda label=label: page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"] button',
                                                       has_text=label).first.click())  # fmt: skip
        assert {k: v for k, v in query(page.url).items() if k != "lang"} == EXPLORE_STATE
        visited = ["explore"]
        for step, key in enumerate(WALK[1:], start=1):
            menu(page, key, viewport)
            if key == "nearby" and "nearby" not in visited:
                box = page.locator('[data-testid="stForm"] input')
                box.fill(SEARCH)
                act(page, lambda box=box: box.press("Enter"))
            visited.append(key)
            check_page(opened, key, f"menu step {step} to {key}", server, expected_count, EXPLORE_STATE)
        # Back through the walk to the residents' page with its search (the entry before it is the
        # same page before the search), then Forward again to the end.
        back = ["nearby", "about", "explore", "about", "nearby"]
        for step, key in enumerate(back, start=1):
            act(page, page.go_back)
            check_page(opened, key, f"Back {step} to {key}", server, expected_count, EXPLORE_STATE)
        for step, key in enumerate(["about", "explore", "about", "nearby", "explore"], start=1):
            act(page, page.go_forward)
            check_page(opened, key, f"Forward {step} to {key}", server, expected_count, EXPLORE_STATE)
    finally:
        page.close()


def test_back_undoes_each_filter_change_then_leaves(app_real_notiles, open_page, expected_count) -> None:
    """Two filter changes, then Back, Back: each undone in turn (the URL is the truth); Forward redoes."""
    server = app_real_notiles
    opened = open_page(server.page_url("/", lang="en"))
    page = opened.page
    wait_for_run(page, timeout=30)
    steps = [("Direct solidarity", {"type": ["direct"]}), ("Kiel (De Stek)", {"type": ["direct"], "buurtwerk": ["de-stek"]})]
    for label, _params in steps:
        act(page, lambda label=label: page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"] button',
                                                   has_text=label).first.click())  # fmt: skip
    for params in ({"type": ["direct"]}, {}):
        act(page, page.go_back)
        assert {k: v for k, v in query(page.url).items() if k != "lang"} == params
        expected = expected_count(server, params)
        wait_for_map(page)
        assert wait_for_count(page, expected) == expected, params
        assert len(pressed(page)) == len(params)
    act(page, page.go_forward)
    assert query(page.url).get("type") == ["direct"] and pressed(page) == {"Direct solidarity"}
    check_clean(opened, "back and forward")


def test_a_phone_user_reaches_the_search_in_one_tap(app_real_notiles, open_page) -> None:
    opened = open_page(app_real_notiles.page_url("/"), viewport="phone")
    page = opened.page
    wait_for_run(page, timeout=30)
    entry = page.get_by_role("link", name=re.compile("Wat is er in mijn buurt"))
    box = entry.bounding_box()
    assert box and box["y"] + box["height"] <= page.viewport_size["height"], "the entry is on the first screen"
    act(page, entry.click)
    assert path_of(page.url) == "/in-de-buurt"
    field = page.locator('[data-testid="stForm"] input')
    field.wait_for()
    field_box = field.bounding_box()
    assert field_box and field_box["y"] < page.viewport_size["height"], "the search box is on the first screen"
    check_clean(opened, "one tap")


@pytest.fixture
def fresh_server(tmp_path: Path):
    """A server started for this test alone: its first visitor is the test."""
    env = server_env(tmp_path, REAL_SEED, tiles=False)
    server = start_server("fresh", tmp_path, env)
    yield server
    stop_server(server)


def test_a_shared_link_as_the_first_visit_after_a_start(fresh_server, browser_context) -> None:
    """``/in-de-buurt?q=2060&lang=ar`` opened first after a restart: the page, right to left, in Arabic,
    with results, and no "Page not found" notice and no console error (streamlit#9992, #8860, #7074)."""
    text = "2060" if os.environ.get("GEODATA_DIR") else "Kiel"  # a postcode needs the postcode points
    opened = new_page(browser_context("phone"), fresh_server.page_url("/in-de-buurt", q=text, lang="ar"))
    page = opened.page
    try:
        wait_for_run(page, timeout=30)
        page.locator(".sm-card").first.wait_for(timeout=20_000)
        check_clean(opened, "first visit")
        assert page.evaluate("document.documentElement.lang") == "ar"
        assert page.evaluate("document.documentElement.dir") == "rtl"
        card = page.locator(".sm-card").first
        assert card.evaluate("(e) => getComputedStyle(e).direction") == "rtl"
        assert "سيرًا على الأقدام" in card.inner_text() or "هنا" in card.inner_text()
        assert path_of(page.url) == "/in-de-buurt" and query(page.url)["q"] == [text]
        screenshot(page, "first-visit-ar-phone", full=False)
    finally:
        page.close()


# -- the map: nothing hidden, "show on the map" ---------------------------------------------------

CLUSTER_ICONS_JS = """() => {
  const cluster = (LIVE_CLUSTERS)()[0], map = cluster._map;
  const size = map.getContainer().getBoundingClientRect();
  const seen = new Set(); let counted = 0; const hidden = [];
  for (const layer of cluster.getLayers()) {
    let shown = layer; while (shown && !shown._icon) { shown = shown.__parent; }
    if (!shown || seen.has(shown)) continue;
    seen.add(shown);
    const el = shown._icon, box = el.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const top = document.elementFromPoint(x, y);
    const n = shown.getChildCount ? shown.getChildCount() : 1;
    if (x >= size.left && y >= size.top && x <= size.right && y <= size.bottom && top && el.contains(top)) counted += n;
    else hidden.push(`${n} at ${Math.round(x)},${Math.round(y)} under ${top ? top.className : 'nothing'}`);
  }
  return {counted, hidden, total: cluster.getLayers().length};
}""".replace("LIVE_CLUSTERS", LIVE_CLUSTERS_JS)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_initiative_is_visible_or_counted_on_the_default_map(app_real_notiles, open_page, viewport) -> None:
    """Every initiative's marker, or the bubble that counts it, is on screen and on top (clickable):
    no cluster bubble under a buurtwerk icon, the legend or a control."""
    opened = open_page(app_real_notiles.page_url("/"), viewport=viewport)
    page = opened.page
    wait_for_run(page, timeout=30)
    frame = wait_for_map(page)

    def settled():
        result = frame.evaluate(CLUSTER_ICONS_JS)
        return result if result["counted"] == result["total"] else None

    result = poll(page, settled, timeout=10) or frame.evaluate(CLUSTER_ICONS_JS)
    assert result["total"] >= 15
    assert result["hidden"] == [] and result["counted"] == result["total"], result


def test_show_on_the_map_brings_the_initiative_into_view_on_a_phone(app_real_notiles, open_page) -> None:
    opened = open_page(app_real_notiles.page_url("/", lang="en"), viewport="phone")
    page = opened.page
    wait_for_run(page, timeout=30)
    wait_for_map(page)
    picker = page.get_by_role("combobox", name="Show on the map")
    picker.scroll_into_view_if_needed()
    picker.click()
    page.keyboard.type("Kloostertuin", delay=30)
    page.get_by_role("option", name="Kloostertuin Hollebeek").wait_for()
    act(page, lambda: page.keyboard.press("Enter"))
    assert query(page.url).get("id") == ["kloostertuin-hollebeek"]
    frame = wait_for_map(page)

    live_box = """() => { const r = [...document.querySelectorAll('IFRAME')].map((e) => e.getBoundingClientRect())
        .find((r) => r.width > 0); return r ? {y: r.top, height: r.height} : null; }""".replace("IFRAME", MAP_IFRAME)

    def in_view():  # the live map (a replaced one fades out beside it)
        box = page.evaluate(live_box)
        return box if box and box["y"] >= -1 and box["y"] + box["height"] / 2 <= page.viewport_size["height"] else None

    assert poll(page, in_view, timeout=10), "the map is scrolled into sight"
    popup = poll(page, lambda: (map_frame(page) or frame).evaluate(
        "() => { const p = document.querySelector('.leaflet-popup-content'); return p ? p.innerText : null; }"
    ), timeout=10)  # fmt: skip
    assert popup and "Kloostertuin Hollebeek" in popup, "its popup is open"
    check_clean(opened, "show on the map")


# -- keyboard and language -----------------------------------------------------------------------------


def test_skip_the_map_by_keyboard(app_real_notiles, open_page) -> None:
    """The "skip the map" link comes before the map's controls and takes the focus to the list."""
    opened = open_page(app_real_notiles.page_url("/", lang="en"))
    page = opened.page
    wait_for_run(page, timeout=30)
    wait_for_map(page)
    page.locator("body").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        state = page.evaluate("() => ({cls: document.activeElement.className, tag: document.activeElement.tagName})")
        if "sm-skip" in state["cls"]:
            break
        assert state["tag"] != "IFRAME", "the map's controls come before the skip link"
    else:
        pytest.fail("the skip link is not reachable with Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip the map: go to the list"
    page.keyboard.press("Enter")
    assert poll(page, lambda: page.evaluate("() => document.activeElement.id") == "sm-list", timeout=5)


def test_language_picker_finds_a_language_by_its_names_and_keeps_the_focus(app_real_notiles, open_page) -> None:
    opened = open_page(app_real_notiles.page_url("/over"))
    page = opened.page
    wait_for_run(page, timeout=30)
    picker = page.get_by_role("combobox", name="Taal")
    picker.click()
    page.keyboard.type("Arabisch", delay=30)  # its Dutch name
    page.get_by_role("option", name=re.compile("العربية")).wait_for()
    act(page, lambda: page.keyboard.press("Enter"))
    assert query(page.url).get("lang") == ["ar"]
    assert page.evaluate("document.documentElement.lang") == "ar"
    focused = page.evaluate("() => !!document.activeElement.closest('[data-testid=\"stSelectbox\"]')")
    assert focused, "the keyboard focus stays on the picker"
    page.keyboard.type("Ukrainian", delay=30)  # its English name, typed straight on
    page.get_by_role("option", name=re.compile("Українська")).wait_for()
    act(page, lambda: page.keyboard.press("Enter"))
    assert query(page.url).get("lang") == ["uk"]
    check_clean(opened, "language picker")


def test_map_controls_are_named_in_the_language(app_real_notiles, open_page) -> None:
    opened = open_page(app_real_notiles.page_url("/", lang="ar"))
    frame = wait_for_map(opened.page)
    titles = frame.evaluate("() => [...document.querySelectorAll('.leaflet-bar a[title]')].map((a) => a.title)")
    assert len(titles) >= 4 and all(re.search("[\u0600-\u06ff]", t) for t in titles), titles  # zoom, full screen, locate
    summary = frame.evaluate("() => document.querySelector('.sm-legend summary').textContent")
    assert re.search("[\u0600-\u06ff]", summary)
