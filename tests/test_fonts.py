"""The fonts the proxy serves in place of Streamlit's and Font Awesome's (deploy/fonts.py)."""

from __future__ import annotations

import pytest

from deploy import fonts
from solidarity.model import CATEGORIES

pytest.importorskip("fontTools")
pytest.importorskip("brotli")
from fontTools.ttLib import TTFont  # noqa: E402


@pytest.fixture(scope="module")
def overrides() -> dict[str, fonts.FontOverride]:
    """Built into the proxy's own cache (.serve/fonts/), as make serve and the proxy tests use it."""
    return {override.name: override for override in fonts.font_overrides(blank_text_fonts=True)}


def test_icon_names_come_from_the_app_and_streamlit() -> None:
    names = fonts.icon_names()
    assert {"map", "near_me", "info"} <= names  # the navigation's icons (app.py)
    assert "keyboard_double_arrow_right" in names  # Streamlit's own (the sidebar button)


def test_icon_font_draws_every_named_icon_and_little_else(overrides) -> None:
    override = overrides["Material Symbols Rounded"]
    assert override.url.startswith("/static/media/MaterialSymbols-Rounded.")
    cut = TTFont(override.path)
    words = fonts.ligatures(cut)
    names = fonts.icon_names()
    original = fonts.ligatures(TTFont(next(fonts.MEDIA.glob(fonts.ICON_FONT))))
    drawable = {name for name in names if name in original}
    assert drawable <= set(words), sorted(drawable - set(words))
    assert len(cut.getGlyphOrder()) < 200 < len(original)
    assert override.path.stat().st_size < 30_000


@pytest.mark.parametrize("name", ["SourceSansVF-Upright", "SourceSansVF-Italic", "SourceCodeVF-Upright"])
def test_blank_text_fonts_have_no_character(overrides, name: str) -> None:
    font = TTFont(overrides[name].path)
    assert set(font.getBestCmap()) == {ord(fonts.BLANK_FONT_KEEPS)}  # browsers refuse a font without any
    assert overrides[name].path.stat().st_size < 3_000


def test_font_awesome_keeps_every_icon_the_map_draws(overrides) -> None:
    if "Font Awesome solid" not in overrides:
        pytest.skip("map assets not installed (make assets)")
    css = (fonts.FA_DIR / "css" / "all.min.css").read_text(encoding="utf-8")
    table = fonts.icon_font_awesome_codepoints(css)
    categories = {icon for _label, icon in CATEGORIES.values()}
    assert categories <= set(table), f"category icons Font Awesome does not have: {sorted(categories - set(table))}"
    cmap = TTFont(overrides["Font Awesome solid"].path).getBestCmap()
    for name in fonts.font_awesome_names() & set(table):
        assert table[name] in cmap, name
    assert overrides["Font Awesome solid"].path.stat().st_size < 10_000


def test_font_awesome_style_sheet_is_read_with_its_aliases() -> None:
    css = '.fa-house-chimney:before{content:"\\e3af"}.fa-map-marker:before,.fa-location-pin:before{content:"\\f041"}'
    assert fonts.icon_font_awesome_codepoints(css) == {"house-chimney": 0xE3AF, "map-marker": 0xF041, "location-pin": 0xF041}


def test_built_fonts_are_reused(overrides) -> None:
    first = fonts.font_overrides(blank_text_fonts=False)
    stamps = {o.path: o.path.stat().st_mtime_ns for o in first}
    second = fonts.font_overrides(blank_text_fonts=False)
    assert {o.path: o.path.stat().st_mtime_ns for o in second} == stamps
    assert not any(o.name.startswith("Source") for o in second)
