"""Every page loads in a real browser: no exception box, no "Page not found", no console or page error,
the document in the page's language; the hostile seed runs nothing on any page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import HOSTILE_ALL_SEED, MAP_IFRAME, wait_for_map, wait_for_run

EXCEPTION = '[data-testid="stException"]'
TITLE = '[data-testid="stMain"] h1, section.stMain h1'
PAGES = [("/", {}), ("/in-de-buurt", {}), ("/over", {})]


def load(opened) -> None:
    """Wait until the page shows its title or an exception, its first run has finished drawing, and
    its map (if any) is drawn: the late parts where an error would show."""
    page = opened.page
    page.locator(f"{TITLE}, {EXCEPTION}").first.wait_for(timeout=30_000)
    wait_for_run(page, timeout=30)
    if page.locator(MAP_IFRAME).count():
        wait_for_map(page, points=False)
    page.evaluate("() => document.fonts.ready.then(() => true)")


def assert_clean(opened, what: str) -> None:
    """Nothing broken on screen or in the console."""
    page = opened.page
    assert page.get_by_role("dialog").count() == 0, f"{what}: {page.get_by_role('dialog').all_inner_texts()}"
    exceptions = page.locator(EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()[:2000]
    assert opened.errors == [], f"{what}: {opened.errors}"
    assert opened.console_errors() == [], f"{what}: {opened.console_errors()}"


@pytest.mark.parametrize("path", ["/", "/in-de-buurt", "/over"], ids=["explore", "in-de-buurt", "over"])
@pytest.mark.parametrize("lang", ["nl", "ar"])
def test_page_loads(app_real_notiles, open_page, path, lang) -> None:
    """The page renders its title in its language, right to left in Arabic, and nothing is broken."""
    opened = open_page(app_real_notiles.page_url(path, lang=lang))
    load(opened)
    assert_clean(opened, path)
    page = opened.page
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    main = page.locator("[data-testid='stMain']").first.evaluate("(e) => getComputedStyle(e).direction")
    assert main == ("rtl" if lang == "ar" else "ltr")


@pytest.mark.parametrize("lang", ["nl", "en", "fr", "tr", "ar", "pl", "es", "uk"])
def test_the_document_speaks_each_language(app_real_notiles, open_page, lang) -> None:
    """``<html lang>`` is the chosen language (WCAG 3.1.1): screen readers read it with its own rules."""
    opened = open_page(app_real_notiles.page_url("/over", lang=lang))
    load(opened)
    assert opened.page.evaluate("document.documentElement.lang") == lang


@pytest.mark.parametrize(
    ("path", "params"),
    [("/", {}), ("/", {"id": "h1"}), ("/in-de-buurt", {"q": "Centrum Kiel", "r": "2000"}), ("/over", {})],
    ids=["explore", "explore-selected", "in-de-buurt-cards", "over"],
)
def test_hostile_seed_runs_nothing_on_any_page(app_server, open_page, path, params) -> None:
    """Names, descriptions, addresses, hours, languages, links carrying HTML, ``${}``, backticks,
    braces, markdown, a 10,000-character text: shown as text on every page; nothing runs."""
    server = app_server("hostile-all", HOSTILE_ALL_SEED, False)
    opened = open_page(server.page_url(path, lang="en", **params))
    load(opened)
    page = opened.page
    assert_clean(opened, path)
    assert opened.dialogs == [], "an alert ran"
    assert page.evaluate("() => window.__xss") is None
    injected = "() => [...document.querySelectorAll('img, script')].filter((e) => e.getAttribute('src') === 'x').length"
    assert page.evaluate(injected) == 0
    for frame in page.frames:
        assert frame.evaluate("() => window.__xss || null") is None
        assert frame.evaluate(injected) == 0
    if path == "/in-de-buurt":
        cards = page.locator(".sm-card")
        assert cards.count() >= 6, "every hostile initiative is a result card"
        texts = cards.all_inner_texts()
        assert any("<img src=x onerror=alert(1)>Beeld" in t for t in texts), "the name as written, as text"
        links = page.locator(".sm-card a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
        own = server.url.replace("localhost", "127.0.0.1") + "/meld?"  # "Report a mistake" (the app's own page)
        outside = [h for h in links if not h.replace("localhost", "127.0.0.1").startswith(own)]
        assert len(outside) < len(links), "each card links to the form that reports a mistake"
        assert outside and all(h.startswith(("https://", "tel:", "mailto:")) for h in outside), links
