"""Synthetic seed folders, fresh databases and the process-level helpers every part shares."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP = PROJECT_DIR / "app.py"
REAL_DATA = PROJECT_DIR / "data"
SEED = 0


class Fixtures:
    """Temporary seed folders (real centres/projects + N synthetic initiatives) and databases."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seeds: dict[int, Path] = {}
        self._dbs = 0
        self._check_ids()

    @staticmethod
    def _check_ids() -> None:
        """The synthetic generator may only use centre and project ids the real data has."""
        from solidarity.store import read_csv_records
        from solidarity.synthetic import CENTRE_IDS, PROJECT_IDS

        centres = {row["id"] for row in read_csv_records(REAL_DATA / "centres.csv")}
        projects = {row["id"] for row in read_csv_records(REAL_DATA / "projects.csv")}
        unknown = (set(CENTRE_IDS) - {""} - centres) | (set(PROJECT_IDS) - projects)
        if unknown:
            raise RuntimeError(f"synthetic ids missing from data/: {sorted(unknown)}")

    def seed_dir(self, n: int) -> Path:
        """A seed folder with ``n`` synthetic initiatives (made once per ``n``)."""
        if n not in self._seeds:
            from solidarity.synthetic import write_csv

            folder = self.root / f"seed-{n}"
            folder.mkdir()
            for name in ("centres.csv", "projects.csv"):
                shutil.copyfile(REAL_DATA / name, folder / name)
            write_csv(folder / "initiatives.csv", n, seed=SEED)
            self._seeds[n] = folder
        return self._seeds[n]

    def database_url(self, label: str) -> str:
        """The URL of a new, empty SQLite file."""
        self._dbs += 1
        return f"sqlite:///{self.root / f'{self._dbs:02d}-{label}.sqlite3'}"

    def app_env(self, n: int, label: str) -> dict[str, str]:
        """Environment of the app for ``n`` initiatives on a fresh store, tiles off."""
        return {
            "DATABASE_URL": self.database_url(label),
            "SEED_DIR": str(self.seed_dir(n)),
            "TILES_URL": "none",
            "GEOCODER": "offline",
        }

@contextlib.contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

@contextlib.contextmanager
def patched(owner: object, name: str, value: object) -> Iterator[None]:
    """Replace ``owner.name`` for the block."""
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)

def clear_streamlit_caches() -> None:
    """``st.cache_data`` and ``st.cache_resource`` are process-wide: clear between configurations."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()

@contextlib.contextmanager
def script_cpu() -> Iterator[list[float]]:
    """CPU seconds of each script run's thread: unlike wall time, barely moved by other processes.

    Hooks Streamlit's private ``ScriptRunner._run_script``; yields an empty list when it is gone.
    """
    from streamlit.runtime.scriptrunner import script_runner

    samples: list[float] = []
    runner = getattr(script_runner, "ScriptRunner", None)
    original = getattr(runner, "_run_script", None)
    if original is None:
        yield samples
        return

    def run_script(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            samples.append(time.thread_time() - start)

    with patched(runner, "_run_script", run_script):
        yield samples

def quiet_streamlit() -> None:
    """No bare-mode warnings from AppTest and cache clearing (the config would reset the logger)."""
    from streamlit import config, logger

    config.get_option("logger.level")  # parse the config first: parsing resets the level
    config.set_option("logger.level", "error")
    logger.set_log_level("error")


FULL_SIZES = (300, 1_000, 10_000)
QUICK_SIZES = (300, 1_000)


@dataclass
class Context:
    """What every part of one benchmark run shares: the fixtures, the options, and the results
    of earlier parts (part 2 reads part 1's map times; the memory table reads several parts)."""

    fx: Fixtures
    quick: bool = False
    slow_naive: bool = False
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, ...]:
        """The numbers of initiatives measured: 300 / 1,000 / 10,000 (no 10,000 with ``--quick``)."""
        return QUICK_SIZES if self.quick else FULL_SIZES


@dataclass(frozen=True)
class Part:
    """One part of the report: ``run(ctx)`` prints its section and returns its target rows."""

    name: str
    run: Callable[[Context], list[Any]]
    #: Run with ``--quick`` too (the browser parts are not).
    quick: bool = True
