"""Starting test processes with ``spawn`` whatever ran in this process before."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import types
from collections.abc import Iterator

SPAWN = multiprocessing.get_context("spawn")


@contextlib.contextmanager
def plain_main() -> Iterator[None]:
    """A ``__main__`` without a file while processes start.

    A spawned child runs the parent's ``__main__`` file again before it imports its target. An
    earlier test in this process may have left a Streamlit script there (``AppTest.from_function``
    writes one to a temporary file), which fails in the child before it reports anything.
    """
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved
