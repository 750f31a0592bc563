"""The one escaping function and the one link check for every data string that reaches HTML."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

#: Characters that are harmless in HTML but dangerous inside the JavaScript template
#: literals folium writes (TECH_NOTES section 3): backtick, dollar sign and backslash; and the
#: braces, because branca re-reads rendered map scripts as Jinja templates on the server, where
#: ``{{ ... }}`` in data would run (server-side template injection).
_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})


def esc(value: object) -> str:
    """Escape ``value`` for HTML text or attribute context inside folium's JavaScript.

    HTML-escapes ``& < > " '`` and also turns the backtick, ``$``, ``\\`` and the braces into
    HTML entities, so the result is inert in an HTML attribute, in HTML text, inside a
    JavaScript template literal and inside the Jinja templates folium renders on the server.
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True).translate(_TEMPLATE_LITERAL)


def safe_url(value: object, schemes: frozenset[str] = ALLOWED_SCHEMES) -> str | None:
    """Return ``value`` stripped if it is an absolute link with an allowed scheme, else ``None``.

    Only ``http``, ``https`` and ``mailto`` pass; ``javascript:``, ``data:``, relative links,
    control characters and links without a host (for http/https) do not.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 2000 or any(ord(ch) < 32 or ch in "<>\"'` " for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        return None
    if scheme in ("http", "https") and not parts.netloc:
        return None
    if scheme == "mailto" and "@" not in parts.path:
        return None
    return text


def link(url: object, label: object, new_tab: bool = True) -> str:
    """An ``<a>`` element for ``url`` with escaped ``label``; just the escaped label if the link is unsafe."""
    checked = safe_url(url)
    if checked is None:
        return esc(label)
    target = ' target="_blank" rel="noopener noreferrer"' if new_tab and not checked.startswith("mailto:") else ""
    return f'<a href="{esc(checked)}"{target}>{esc(label)}</a>'


_MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:&")


def md(value: object) -> str:
    """Escape ``value`` for Streamlit markdown: data shows as literal text, never as markup.

    Every markdown and HTML special character gets a backslash, and line breaks become
    spaces, so a name cannot open a link, an image, a heading, a table or a LaTeX formula.
    """
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)
