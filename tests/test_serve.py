"""``make serve``'s supervisor (deploy/serve.py) for real: nginx and two app processes, a killed
process restarted, Ctrl-C stops everything. Skipped without nginx unless REQUIRE_PROXY=1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy.processes import free_port
from deploy.proxy import find_nginx
from solidarity.settings import PROJECT_DIR

SEED = PROJECT_DIR / "data"


def pids_on_port(port: int) -> list[int]:
    """The app processes started with ``--server.port <port>`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--server.port" in args and args[args.index(b"--server.port") + 1] == str(port).encode():
            found.append(int(entry.name))
    return found


def wait_for_line(lines: list[str], out, text: str, timeout: float) -> str:  # noqa: ANN001 - a text stream
    """Read ``out`` until a line contains ``text``; every line read is kept in ``lines``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = out.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} within {timeout:.0f} s:\n{''.join(lines)}")


def test_serve_supervises_two_processes_behind_nginx(tmp_path: Path) -> None:
    if find_nginx() is None:
        if os.environ.get("REQUIRE_PROXY") == "1":
            pytest.fail("nginx is missing and REQUIRE_PROXY=1", pytrace=False)
        pytest.skip("nginx is not installed")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}", SEED_DIR=str(SEED),
               GEOCODER="offline", TILES_URL="none", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.serve", "--port", str(port), "--processes", "2", "--runtime-dir", str(tmp_path / "run")],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    try:
        serving = wait_for_line(lines, process.stdout, "serving http://", 120)
        ports = [int(p) for p in serving.split("on ports ")[1].split(";")[0].split(", ")]
        assert len(ports) == 2 and "store seeded" in "".join(lines)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as response:
            assert response.status == 200 and response.headers["X-App-Process"] in ("app-1", "app-2")
        victims = pids_on_port(ports[1])
        assert len(victims) == 1
        os.kill(victims[0], signal.SIGKILL)
        wait_for_line(lines, process.stdout, "app-2 (port", 30)
        wait_for_line(lines, process.stdout, "app-2 is back", 120)
        assert pids_on_port(ports[1]) and pids_on_port(ports[1]) != victims
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, "".join(lines) + process.stdout.read()
        assert pids_on_port(ports[0]) == [] and pids_on_port(ports[1]) == []
        assert not (tmp_path / "run" / "nginx" / "nginx.pid").exists()  # nginx removes it when it stops
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
