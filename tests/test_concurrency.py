"""Several processes on one store: concurrent edits of one initiative (each applied or refused
with a Conflict, the history holds exactly the applied ones), the shared rate limit, and two app
processes behaving as one app. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from solidarity.store import Store
from tests.spawning import SPAWN, plain_main

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEED = Path(__file__).parent / "fixtures" / "seed"
PROCESSES = 4

pytestmark = pytest.mark.xdist_group("processes")  # they start processes: one worker at a time


def _editor(url: str, k: int, rounds: int, free: int, barrier: Any, queue: Any) -> None:
    from solidarity.store import Conflict

    try:
        store = Store(url, migrate=False)
        applied, conflicts = [], 0

        def attempt(version: int, label: str) -> None:
            nonlocal conflicts
            try:
                change = store.update("initiatives", "i1", {"name": f"editor {k} {label}"}, version=version,
                                      who=f"editor-{k}@example.org")  # fmt: skip
                applied.append((change.n, change.version, change.after["name"]))
            except Conflict as exc:
                assert exc.change is not None and exc.current > version
                conflicts += 1

        for r in range(rounds):  # lock-step: everyone starts from the same version
            barrier.wait(timeout=60)
            version = store.record("initiatives", "i1").version
            barrier.wait(timeout=60)
            attempt(version, f"round {r}")
            barrier.wait(timeout=60)
        for r in range(free):  # free-running: read, then write, as fast as it goes
            attempt(store.record("initiatives", "i1").version, f"free {r}")
        queue.put(("ok", k, applied, conflicts))
    except Exception as exc:  # reported to the test
        queue.put(("error", k, repr(exc), 0))


def run_all(target: Any, args_of: Any, n: int) -> list[tuple]:
    queue = SPAWN.Queue()
    processes = [SPAWN.Process(target=target, args=(*args_of(k), queue)) for k in range(n)]
    with plain_main():
        for p in processes:
            p.start()
    try:
        results = [queue.get(timeout=180) for _ in processes]
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    errors = [r for r in results if r[0] == "error"]
    assert not errors, errors
    return results


def test_concurrent_updates_of_one_initiative_lose_nothing(db_url: str) -> None:
    store = Store(db_url)
    store.ensure_seeded(SEED)
    rounds, free = 3, 6
    barrier = SPAWN.Barrier(PROCESSES)
    results = run_all(_editor, lambda k: (db_url, k, rounds, free, barrier), PROCESSES)
    applied = sorted(entry for _s, _k, entries, _c in results for entry in entries)
    conflicts = sum(c for *_rest, c in results)
    assert len(applied) + conflicts == PROCESSES * (rounds + free)
    lockstep = [name for _n, _v, name in applied if "round" in name]
    assert len(lockstep) == rounds, lockstep  # exactly one writer wins each round
    history = [c for c in store.history("i1") if c.who != "seed"]
    assert [(c.n, c.version, c.after["name"]) for c in history] == applied  # exactly the applied ones
    assert [c.version for c in history] == list(range(2, len(history) + 2))  # no version twice, none skipped
    for earlier, later in zip(history, history[1:], strict=False):
        assert later.before["name"] == earlier.after["name"]  # each started from the one before
    assert store.initiatives().set_index("id").loc["i1", "name"] == history[-1].after["name"]
    assert store.record("initiatives", "i1").version == history[-1].version


def _reserver(url: str, k: int, count: int, barrier: Any, queue: Any) -> None:
    try:
        store = Store(url, migrate=False)
        barrier.wait(timeout=60)
        queue.put(("ok", k, [store._reserve("nominatim", 0.25, 60.0) for _ in range(count)], 0))
    except Exception as exc:
        queue.put(("error", k, repr(exc), 0))


def test_rate_limit_slots_are_shared_by_every_process(db_url: str) -> None:
    Store(db_url)
    n, count = 3, 4
    barrier = SPAWN.Barrier(n)
    results = run_all(_reserver, lambda k: (db_url, k, count, barrier), n)
    slots = sorted(slot for _s, _k, reserved, _c in results for _wait, slot in reserved)
    assert len(slots) == n * count
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 0.25 - 1e-6, gaps  # never two requests closer than the limit, across processes
    pairs = sorted((slot, wait) for _s, _k, reserved, _c in results for wait, slot in reserved)
    waits = sorted(wait for _slot, wait in pairs)
    # Each process asks its four slots back to back, so its last one at least waits for its own three
    # (how long the others' make it wait depends on how the machine schedules them).
    assert waits[0] < 0.25 and waits[-1] >= 0.25 * (count - 1) - 0.05, waits
    for (previous, _w), (slot, wait) in zip(pairs, pairs[1:], strict=False):
        if wait > 0.01:  # told to wait: its slot is the very next free one
            assert slot - previous == pytest.approx(0.25, abs=1e-3), (previous, slot, wait)


# -- two app processes --------------------------------------------------------------------------


def _names(at: Any) -> set[str]:
    tables = [el.proto.body for el in at.get("html") if 'class="sm-table"' in el.proto.body]
    return set(re.findall(r'<th scope="row">(.*?)</th>', tables[0])) if tables else set()


def _app(url: str, role: str, tmp: str, events: dict[str, Any], queue: Any) -> None:
    try:
        os.chdir(PROJECT_DIR)
        os.environ.update(DATABASE_URL=url, SEED_DIR=str(PROJECT_DIR / "data"), GEOCODER="offline", TILES_URL="none",
                          GEODATA_CACHE_DIR=str(Path(tmp) / "no-cache"), GEODATA_DIR="")  # fmt: skip
        from streamlit.testing.v1 import AppTest

        from solidarity.i18n import set_language

        set_language("nl")
        at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=90)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        before = _names(at)
        events[f"{role}-ready"].set()
        if role == "editor":
            assert events["viewer-ready"].wait(120)
            from ui import resources

            store, _report = resources.store(url, os.environ["SEED_DIR"])  # this process's store
            record = store.record("initiatives", "co-nova")
            store.update("initiatives", "co-nova", {"name": "CO Nova (gewijzigd)"}, version=record.version,
                         who="editor@example.org")  # fmt: skip
            events["edited"].set()
        else:
            assert events["edited"].wait(120)
        at.run()  # the next rerun
        assert not at.exception, [e.value for e in at.exception]
        queue.put(("ok", role, (sorted(before), sorted(_names(at))), 0))
    except BaseException as exc:
        queue.put(("error", role, repr(exc), 0))


def test_two_app_processes_behave_as_one_app(db_url: str, tmp_path: Path) -> None:
    Store(db_url).ensure_seeded(PROJECT_DIR / "data")
    events = {name: SPAWN.Event() for name in ("editor-ready", "viewer-ready", "edited")}
    roles = ("editor", "viewer")
    results = run_all(_app, lambda k: (db_url, roles[k], str(tmp_path), events), 2)
    for _status, role, (before, after), _c in results:
        assert "Cultureel Ontmoetingscentrum Nova" in before, role
        assert "CO Nova (gewijzigd)" in after and "Cultureel Ontmoetingscentrum Nova" not in after, role
