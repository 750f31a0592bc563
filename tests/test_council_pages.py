"""AppTest runs of the figures page and of slides opened by URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import test_pages

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def app_env(page_env: Path) -> Path:
    """A fresh database per test, no network, no tiles (tests/conftest.py ``page_env``)."""
    return page_env
APP = str(PROJECT_DIR / "app.py")
FIXTURE_SEED = Path(__file__).parent / "fixtures" / "seed"




def run(page: str, **params: str | list[str]) -> AppTest:
    """Run ``page`` through app.py, as the other page tests do (tests/test_pages.py)."""
    return test_pages.run(page, **params)


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def charts(at: AppTest) -> int:
    return len(at.get("vega_lite_chart"))


def expected_counts(params: dict) -> dict:
    """Counts per area computed the way the page does, from a fresh store."""
    from geo.boundaries import load_boundaries
    from solidarity.catalog import build_catalog
    from solidarity.council import build_view
    from solidarity.figures import build_geography
    from solidarity.filters import FilterState
    from solidarity.settings import load_settings
    from solidarity.store import Store
    from solidarity.wijkdata import load_wijk_figures

    settings = load_settings()
    store = Store(settings.DATABASE_URL.replace("app.sqlite3", "expect.sqlite3"))
    store.ensure_seeded(Path(settings.SEED_DIR))
    boundaries = load_boundaries(settings.geodata_paths)
    catalog = build_catalog(store, boundaries)
    geo = build_geography(catalog.centres, boundaries, load_wijk_figures(settings))
    view = build_view(catalog, FilterState.from_query_params(params, catalog.vocabulary), geo, None)
    return {c.area.label: c.total for c in view.counts}


def test_figures_page_shows_every_area_the_five_and_the_city() -> None:
    at = run("pages/figures.py", lang="en")
    shown = texts(at)
    for label, total in expected_counts({}).items():
        assert f"{label}\\: {total} initiatives" in shown.replace("\\-", "-"), label
    assert "City of Antwerp" in shown and "The five buurtwerken" in shown
    assert charts(at) >= 3  # balance, categories, projects
    assert any("Stad in Cijfers" in c.value for c in at.caption), "a source line under the figures"


def test_figures_page_follows_the_url_filters() -> None:
    params = {"type": ["indirect"], "buurtwerk": ["de-stek"]}
    at = run("pages/figures.py", lang="en", **params)
    counts = expected_counts(params)
    shown = texts(at)
    assert list(counts) == ["Kiel", "The five buurtwerken", "City of Antwerp"]
    assert f"Kiel\\: {counts['Kiel']} initiative" in shown
    assert "Antwerpen\\-Noord\\:" not in shown
    assert "Filter\\: Indirect solidarity" in shown
    assert at.query_params.get("type") in (["indirect"], "indirect")
    # a widget change is written back to the URL
    at.button_group(key="fig_types").set_value(["direct"]).run()
    assert not at.exception
    assert at.query_params.get("type") in (["direct"], "direct")


def test_figures_page_without_boundaries_still_counts(monkeypatch: pytest.MonkeyPatch, app_env: Path) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(app_env / "nothing-here"))
    at = run("pages/figures.py", lang="en")
    assert any("Without neighbourhood boundaries" in i.value for i in at.info)
    assert "Kiel\\:" in texts(at)
    assert "no figure per km²" in texts(at).replace("\\", "") or "no figure" in texts(at)
    assert not [h for h in at.header if h.value == "A map per wijk"]


def test_figures_page_with_real_boundaries_has_the_map_and_the_gaps(geodata_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("GEODATA_DIR", str(geodata_dir))
    at = run("pages/figures.py", lang="en")
    headers = [h.value for h in at.header]
    assert "A map per wijk" in headers and "Where people are far from an initiative" in headers
    assert "residents live more than 10 minutes" in texts(at)
    at.segmented_control(key="fig_indicator").set_value("ranking").run()
    assert not at.exception


def test_figures_page_with_hostile_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEED_DIR", str(FIXTURE_SEED))
    at = run("pages/figures.py", lang="ar")
    assert "<img" not in texts(at)


def test_figures_page_filter_matching_nothing() -> None:
    at = run("pages/figures.py", lang="en", q="zzzz-nothing")
    assert any("No initiative matches these filters." in i.value for i in at.info)
    assert "no initiative matches these filters" in texts(at)


def test_slide_opened_by_link() -> None:
    at = run("pages/presentation.py", lang="en", slide="kiel")
    assert at.title[0].value == "Kiel — Buurtwerk De Stek"
    assert "Slide 8 of 18" in texts(at)
    assert "No filter\\: all active initiatives" in texts(at)
    assert charts(at) == 1
    next_button = next(b for b in at.button if b.key == "slide_next")
    next_button.click().run()
    assert not at.exception
    assert at.query_params.get("slide") in (["project-sociale-bescherming"], "project-sociale-bescherming")
    assert at.title[0].value == "Sociale bescherming"
    next(b for b in at.button if b.key == "slide_prev").click().run()
    assert at.title[0].value == "Kiel — Buurtwerk De Stek"


def test_slide_keeps_the_filters_and_says_when_nothing_matches() -> None:
    at = run("pages/presentation.py", lang="en", slide="gaten", q="zzzz-nothing", type="direct")
    assert "search “zzzz\\-nothing”" in texts(at)
    assert at.query_params.get("q") in (["zzzz-nothing"], "zzzz-nothing")
    at = run("pages/presentation.py", lang="en", slide="kiel", q="zzzz-nothing")
    assert any("No initiative matches these filters." in i.value for i in at.info)


def test_unknown_slide_opens_the_first() -> None:
    at = run("pages/presentation.py", lang="en", slide="<script>alert(1)</script>")
    assert at.title[0].value == "The five buurtwerken and the initiatives around them"
    assert at.query_params.get("slide") is None, "the unknown id is dropped: the first slide needs none"


@pytest.mark.parametrize("lang", ["nl", "fr", "tr", "ar", "pl", "es", "uk"])
def test_council_pages_in_every_language(lang: str) -> None:
    run("pages/figures.py", lang=lang)
    run("pages/presentation.py", lang=lang, slide="solidariteit")


def test_shared_geography_speaks_each_sessions_language() -> None:
    """The geography is cached for every session: its comparison rows are translated when shown."""
    assert "The five buurtwerken\\:" in texts(run("pages/figures.py", lang="en"))
    dutch = texts(run("pages/figures.py", lang="nl"))
    assert "De vijf buurtwerken\\:" in dutch and "Stad Antwerpen\\:" in dutch


def test_download_block_for_the_explore_page() -> None:
    """The block the explore page can place: the table exports and the map, with the filter line."""

    def script() -> None:
        from solidarity.filters import FilterState
        from solidarity.i18n import set_language
        from ui.exports import download_block

        set_language("en")
        download_block(FilterState(types=("indirect",)))

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [el.proto.label for el in at.get("download_button")]
    assert labels == ["CSV", "Excel", "GeoJSON", "Map (HTML, works offline)"]
    assert all(el.proto.deferred_file_id for el in at.get("download_button")), "made on click, not on every run"
    assert any("Filter\\: Indirect solidarity" in c.value for c in at.caption)  # markdown-escaped
