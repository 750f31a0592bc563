"""The app's pages as ``app.py`` declares them, read from its source (no Streamlit run needed).

``app.py`` is the one place that lists the pages (``st.Page(...)`` calls given to
``st.navigation``); the tests and the benchmark visit every page through :func:`page_paths`, so a
page added there is visited without a second list to keep in step.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP = PROJECT_DIR / "app.py"


@dataclass(frozen=True)
class PageEntry:
    """One ``st.Page`` of the navigation."""

    script: str
    url_path: str  # "" for the default page
    default: bool


def _constant(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def page_entries(source: str | None = None) -> list[PageEntry]:
    """Every ``st.Page(...)`` call of ``app.py`` (or ``source``), in order.

    The URL path is the ``url_path`` argument or, as Streamlit does, the script's file name
    without ``.py``; the default page is served at ``/``.
    """
    tree = ast.parse(APP.read_text(encoding="utf-8") if source is None else source)
    entries = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"):
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        script = _constant(node.args[0] if node.args else keywords.get("page"))
        if not isinstance(script, str):
            continue
        default = _constant(keywords.get("default")) is True
        url_path = _constant(keywords.get("url_path"))
        if not isinstance(url_path, str):
            url_path = Path(script).stem
        entries.append(PageEntry(script, "" if default else url_path.strip("/"), default))
    return sorted(entries, key=lambda e: not e.default)  # the default page first, else as written


def page_paths(source: str | None = None) -> list[str]:
    """The URL path of every page: ``/`` for the default page, ``/<url_path>`` for the others."""
    return ["/" + entry.url_path for entry in page_entries(source)]
