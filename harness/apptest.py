"""Streamlit's ``AppTest`` with the app's navigation as the server has it (see :mod:`ui.server`).

A project with a ``pages/`` folder makes Streamlit start every session in the compatibility mode
of its old multipage apps; the server's start-up hook turns that off once for the process.
``AppTest`` resets the flag before every run, and its reruns would then execute a page script
on its own, without ``app.py`` (no language, no navigation). :func:`v2_navigation` makes each of
its runs start like a session of the real server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test


class _NavigationPagesManager(PagesManager):
    """A ``PagesManager`` that leaves the old pages-folder mode off, as ``ui.server.lifespan`` does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@contextlib.contextmanager
def v2_navigation() -> Iterator[None]:
    """Within the block, every ``AppTest`` run starts with ``app.py`` and its ``st.navigation``."""
    original = app_test.PagesManager
    app_test.PagesManager = _NavigationPagesManager  # type: ignore[misc]
    try:
        yield
    finally:
        app_test.PagesManager = original  # type: ignore[misc]
