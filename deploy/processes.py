"""App processes: ``streamlit run`` on a free port, its health check, supervised children.

Used by ``deploy.serve`` (several processes behind nginx), the browser tests and the benchmark."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP = PROJECT_DIR / "app.py"
HEALTH_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AppServer:
    """A running ``streamlit run``."""

    name: str
    url: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen

    def page_url(self, path: str = "/", **params: str | list[str]) -> str:
        """``url + path`` with the query string of ``params``."""
        query = urlencode(params, doseq=True)
        return self.url + path + (f"?{query}" if query else "")

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server log (for failure messages)."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def peak_rss_mb(self) -> float | None:
        """The peak resident set size of the server process (Linux ``VmHWM``), in MB."""
        return peak_rss_mb(self.process.pid)

    def rss_mb(self) -> float | None:
        """The current resident set size of the server process (Linux ``VmRSS``), in MB."""
        return peak_rss_mb(self.process.pid, field="VmRSS")


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float | None:
    """A memory figure of a running process from ``/proc/<pid>/status``, in MB."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return None


def wait_healthy(url: str, process: subprocess.Popen | None, timeout: float = HEALTH_TIMEOUT) -> bool:
    """Wait until ``url/_stcore/health`` answers 200; False when ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        with contextlib.suppress(OSError, urllib.error.URLError), urllib.request.urlopen(  # noqa: S310 (http URL of our own process)
            f"{url}/_stcore/health", timeout=2
        ) as response:
            if response.status == 200:
                return True
        time.sleep(0.2)
    return False


def start_server(
    name: str,
    log: Path,
    env: Mapping[str, str],
    script: Path = APP,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = HEALTH_TIMEOUT,
    supervised: bool = False,
) -> AppServer:
    """Start ``streamlit run script`` with ``env`` (on top of the current environment) and wait
    until it is healthy; raises ``RuntimeError`` with the log's tail when it is not.

    ``supervised``: the process gets its own session (a Ctrl-C in the terminal reaches only the
    supervisor, which stops its children in order) and dies with its parent (Linux)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        *extra_args,
    ]  # fmt: skip
    full_env = dict(os.environ) | dict(env)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=full_env, stdout=out, stderr=subprocess.STDOUT, **supervised_popen(supervised)
        )
    server = AppServer(name=name, url=f"http://127.0.0.1:{port}", port=port, env=full_env, log=log, process=process)
    if not wait_healthy(server.url, process, timeout):
        stop_server(server)
        raise RuntimeError(f"server {name} did not become healthy (exit {process.returncode}):\n{server.log_tail()}")
    return server


def die_with_parent() -> None:
    """In a child before ``exec``: ask Linux to send it SIGTERM when its parent dies, so that a
    supervisor killed with SIGKILL leaves no app process behind (no-op elsewhere). Linux ties this
    to the thread that started the child: start supervised children from a thread that lives on."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def supervised_popen(supervised: bool) -> dict[str, object]:
    """``subprocess.Popen`` arguments for a supervised child (see :func:`start_server`)."""
    if not supervised:
        return {}
    return {"start_new_session": True, "preexec_fn": die_with_parent if sys.platform.startswith("linux") else None}


def stop_server(server: AppServer, timeout: float = 10.0) -> None:
    """Terminate the server (kill it when it does not stop within ``timeout``)."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


@contextlib.contextmanager
def running(name: str, log: Path, env: Mapping[str, str], **kwargs: object) -> Iterator[AppServer]:
    """:func:`start_server` for the block, stopped after it."""
    server = start_server(name, log, env, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_server(server)
