"""Streamlit's web fonts cut down to what the app uses, served by the proxy in place of the originals.

Measured on a first visit of the explore page (Streamlit 1.67, Chromium): Material Symbols
Rounded, the icon font of every ``:material/...:`` icon, is 375 KB for some 4,000 icons, of
which the app and Streamlit's own widgets name about 90; Source Sans (170 KB) is fetched while
Streamlit draws its first frame in its default theme, before the app's theme (the phone's own
fonts, ``.streamlit/config.toml``) arrives, and Streamlit puts Source Sans and Source Code Pro
after every font stack of a theme. So the proxy serves, at the same URLs:

- the icon font with only the icons named in the app's code (``:material/name:`` in ``app.py``,
  ``pages/``, ``ui/``, ``solidarity/``) and in Streamlit's own frontend, about 10 KB;
- when the theme does not use Streamlit's text fonts: those fonts without a single glyph
  (under 2 KB), so text falls through to the theme's fonts instead of downloading them;
- the map's Font Awesome (150 KB) with the icons of its pins and controls only, about 5 KB.

Built with fontTools (woff2 needs the brotli package) into a cache keyed by the sources and the
icon list; without fontTools the originals are served and a warning says so. A browser test
(tests/browser/test_proxy.py) checks that every icon on every page is drawn as one glyph.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from deploy.proxy import STREAMLIT_STATIC, FontOverride
from solidarity.settings import PROJECT_DIR

log = logging.getLogger(__name__)

MEDIA = STREAMLIT_STATIC / "static" / "media"
CACHE_DIR = PROJECT_DIR / ".serve" / "fonts"
ICON_FONT = "MaterialSymbols-Rounded.*.woff2"
#: Streamlit's text fonts that it appends to every theme's font stack.
TEXT_FONTS = ("SourceSansVF-Upright.ttf.*.woff2", "SourceSansVF-Italic.ttf.*.woff2",
              "SourceCodeVF-Upright.ttf.*.woff2", "SourceCodeVF-Italic.ttf.*.woff2")
APP_SOURCES = ("app.py", "pages", "ui", "solidarity")
ICON_NAME = re.compile(r":material/([a-z0-9_]+):")
#: Characters an icon name is made of (the font draws an icon for a word of these).
LIGATURE_TEXT = "abcdefghijklmnopqrstuvwxyz0123456789_"

#: The map's Font Awesome (solidarity/assets.py installs it under static/vendor/).
FA_DIR = PROJECT_DIR / "static" / "vendor" / "@fortawesome" / "fontawesome-free"
FA_FONT = "webfonts/fa-solid-900.woff2"
#: The same font as TrueType: the source of the cut (its woff2 does not decode with brotli 1.2).
FA_SOURCE = "webfonts/fa-solid-900.ttf"
FA_RULE = re.compile(r'([^{}]+)\{content:"\\([0-9a-f]{2,6})"\}')
FA_SELECTOR = re.compile(r"\.fa-([a-z0-9-]+):before")
FA_NAME = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
#: leaflet.locatecontrol 0.66's default icons (``fa fa-map-marker``, ``fa fa-spinner``).
LOCATE_CONTROL_ICONS = ("map-marker", "spinner")


def icon_names(project_dir: Path = PROJECT_DIR, static_dir: Path = STREAMLIT_STATIC) -> set[str]:
    """Every ``:material/name:`` in the app's code and in Streamlit's frontend bundle."""
    files: list[Path] = []
    for name in APP_SOURCES:
        path = project_dir / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    files.extend(sorted((static_dir / "static" / "js").glob("*.js")))
    names: set[str] = set()
    for path in files:
        try:
            names.update(ICON_NAME.findall(path.read_text(encoding="utf-8", errors="ignore")))
        except OSError:
            continue
    return names


def ligatures(font) -> dict[str, str]:  # noqa: ANN001 - fontTools.ttLib.TTFont
    """The icon font's words and the glyph each one draws (``location_on`` -> ``place``)."""
    letters = {glyph: chr(code) for code, glyph in font.getBestCmap().items() if code < 128}
    words: dict[str, str] = {}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for table in lookup.SubTable:
            table = table.ExtSubTable if lookup.LookupType == 7 else table
            if getattr(table, "LookupType", None) != 4:
                continue
            for first, entries in table.ligatures.items():
                for entry in entries:
                    word = "".join(letters.get(g, "\0") for g in [first, *entry.Component])
                    words.setdefault(word, entry.LigGlyph)
    return words


def _save_subset(source: Path, target: Path, glyphs: Iterable[str], text: str, features: list[str]) -> None:
    from fontTools import subset  # deferred: only when a cut font is built
    from fontTools.ttLib import TTFont  # deferred: as above

    font = TTFont(source)
    options = subset.Options()
    options.layout_closure = False  # keep the ligatures of the kept icons, not of every icon
    options.layout_features = features
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=list(glyphs), text=text)
    subsetter.subset(font)
    font.flavor = "woff2"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")  # two builders never share one
    font.save(partial)
    partial.replace(target)


def build_icon_font(source: Path, target: Path, names: set[str]) -> list[str]:
    """``source`` with the icons of ``names`` only; returns the names the font does not have."""
    from fontTools.ttLib import TTFont  # deferred: only when a cut font is built

    words = ligatures(TTFont(source))
    missing = sorted(name for name in names if name not in words)
    glyphs = sorted({words[name] for name in names if name in words})
    _save_subset(source, target, glyphs, LIGATURE_TEXT, ["liga", "rlig", "calt", "ccmp"])
    return missing


#: The one character a blank font keeps: browsers refuse a font that maps none (OTS: "no
#: subtables in cmap"), and text practically never has this one.
BLANK_FONT_KEEPS = "\u00a4"


def build_blank_font(source: Path, target: Path) -> None:
    """``source`` with nothing to draw but :data:`BLANK_FONT_KEEPS`: text falls through to the
    next font of its stack."""
    _save_subset(source, target, [], BLANK_FONT_KEEPS, [])


def icon_font_awesome_codepoints(css: str) -> dict[str, int]:
    """Font Awesome's icon names and their code points, from its style sheet
    (``.fa-house-chimney:before{content:"\\e3af"}``; aliases share a rule)."""
    found: dict[str, int] = {}
    for selectors, code in FA_RULE.findall(css):
        for name in FA_SELECTOR.findall(selectors):
            found.setdefault(name, int(code, 16))
    return found


def font_awesome_names(project_dir: Path = PROJECT_DIR) -> set[str]:
    """The Font Awesome icons the map draws: ``fa-<name>`` in the app's code, the categories' icons
    (drawn by the map's script from :data:`solidarity.model.CATEGORIES`) and the location
    control's own."""
    from solidarity.model import CATEGORIES  # deferred: the app's vocabulary, only here

    names = {icon for _label, icon in CATEGORIES.values()} | set(LOCATE_CONTROL_ICONS)
    for name in APP_SOURCES:
        path = project_dir / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            names.update(FA_NAME.findall(file.read_text(encoding="utf-8", errors="ignore")))
    return names


def build_font_awesome(source: Path, target: Path, codepoints: set[int]) -> None:
    """``source`` (fa-solid-900) with the glyphs of ``codepoints`` only."""
    _save_subset(source, target, [], "".join(chr(c) for c in sorted(codepoints)), [])


def _cache_name(source: Path, extra: str) -> str:
    digest = hashlib.sha256(source.read_bytes() + extra.encode()).hexdigest()[:12]
    return f"{source.name.split('.')[0]}.{digest}.woff2"


def font_overrides(blank_text_fonts: bool, cache_dir: Path = CACHE_DIR) -> tuple[FontOverride, ...]:
    """The fonts the proxy serves in place of Streamlit's (built once per source and icon list)."""
    try:
        import brotli  # noqa: F401  # deferred: woff2 compression, checked before any work
        import fontTools  # noqa: F401  # deferred: as above
    except ImportError:
        log.warning("fontTools/brotli missing: the proxy serves Streamlit's full fonts (pip install fonttools brotli)")
        return ()
    overrides: list[FontOverride] = []
    icon_sources = sorted(MEDIA.glob(ICON_FONT))
    if icon_sources:
        source = icon_sources[0]
        names = icon_names()
        target = cache_dir / _cache_name(source, ",".join(sorted(names)))
        if not target.is_file():
            missing = build_icon_font(source, target, names)
            if missing:
                log.info("icon names the font does not draw (left out): %s", ", ".join(missing))
        overrides.append(FontOverride("Material Symbols Rounded", f"/static/media/{source.name}", target))
    fa_font, fa_css = FA_DIR / FA_SOURCE, FA_DIR / "css" / "all.min.css"
    if fa_font.is_file() and fa_css.is_file():
        table = icon_font_awesome_codepoints(fa_css.read_text(encoding="utf-8"))
        codepoints = {table[name] for name in font_awesome_names() if name in table}
        target = cache_dir / _cache_name(fa_font, ",".join(f"{c:x}" for c in sorted(codepoints)))
        if not target.is_file():
            build_font_awesome(fa_font, target, codepoints)
        overrides.append(FontOverride("Font Awesome solid", f"/app/static/vendor/@fortawesome/fontawesome-free/{FA_FONT}",
                                      target))
    if blank_text_fonts:
        for pattern in TEXT_FONTS:
            for source in sorted(MEDIA.glob(pattern)):
                target = cache_dir / ("blank-" + _cache_name(source, "blank" + BLANK_FONT_KEEPS))
                if not target.is_file():
                    build_blank_font(source, target)
                overrides.append(FontOverride(source.name.split(".")[0], f"/static/media/{source.name}", target))
    return tuple(overrides)
