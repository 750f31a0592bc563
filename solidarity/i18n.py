"""Translations: gettext catalogues per language, chosen per Streamlit session.

Message ids are English; the default language of the interface is Dutch. ``_`` looks up
the language set for the current script run (``set_language``), so core code and pages mark
strings the same way and Babel extracts them (``make messages``).
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
from functools import cache
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "nl"

#: Supported languages: code -> (name in that language, text direction).
LANGUAGES: dict[str, tuple[str, str]] = {
    "nl": ("Nederlands", "ltr"),
    "en": ("English", "ltr"),
    "fr": ("Français", "ltr"),
    "tr": ("Türkçe", "ltr"),
    "ar": ("العربية", "rtl"),
    "pl": ("Polski", "ltr"),
    "es": ("Español", "ltr"),
    "uk": ("Українська", "ltr"),
}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


def normalise_language(code: object) -> str:
    """The supported language for ``code`` (e.g. ``"EN"``, ``"fr-BE"``), else the default."""
    text = str(code or "").strip().lower().replace("_", "-")
    if text in LANGUAGES:
        return text
    base = text.split("-", 1)[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue for ``language`` (a null catalogue when it is not compiled)."""
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True)


def set_language(code: object) -> str:
    """Use ``code`` for this script run; return the language actually used."""
    language = normalise_language(code)
    _current.set(language)
    return language


def get_language() -> str:
    """The language of the current script run."""
    return _current.get()


def direction(language: str | None = None) -> str:
    """``"rtl"`` or ``"ltr"`` for ``language`` (default: the current one)."""
    return LANGUAGES[normalise_language(language or get_language())][1]


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return translations(get_language()).gettext(message)


def translate(language: str, message: str) -> str:
    """Translate ``message`` into ``language`` (outside a script run: e.g. the page's HTML shell)."""
    return translations(normalise_language(language)).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count into the current language."""
    return translations(get_language()).ngettext(singular, plural, n)


@cache
def language_label(code: str) -> str:
    """A language's own name with its Dutch and English names: "العربية (Arabisch, Arabic)".

    The same in every interface language, so a newcomer finds their language by the name they
    know, and the list does not change under their fingers when the language changes.
    """
    own = LANGUAGES[normalise_language(code)][0]
    others = []
    for other in ("nl", "en"):
        name = Locale.parse(code).get_display_name(other) or ""
        if name and name.casefold() != own.casefold() and name not in others:
            others.append(name)
    return f"{own} ({', '.join(others)})" if others else own


def isolate(text: str) -> str:
    """Wrap ``text`` in Unicode bidi isolates, so numbers and units keep their order in RTL text."""
    return f"\u2068{text}\u2069"


def format_number(value: int | float) -> str:
    """A number written the way the current language writes it (9.000 in Dutch, 9,000 in English)."""
    return format_decimal(value, locale=get_language())
