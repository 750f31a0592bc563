"""``make serve``: the app as visitors get it: nginx in front of several app processes on one store.

``python -m deploy.serve [--port N] [--processes N]`` (defaults: ``SERVE_PORT`` 8080,
``APP_PROCESSES`` 2, from the environment or ``.streamlit/secrets.toml``). It

1. seeds the store once (``DATABASE_URL``: SQLite by default, PostgreSQL for several hosts), so
   the processes do not race to seed an empty one;
2. starts the app processes on free local ports and waits until each answers ``/_stcore/health``;
3. renders ``deploy/nginx.conf.j2`` into ``.serve/nginx/`` and starts nginx in the foreground;
4. supervises: an app process that exits, or stops answering its health check three times in a
   row, is reported and restarted on its port (nginx sends its visitors to the others meanwhile);
   one that keeps dying is given up, loudly; if nginx dies, everything stops with an error;
5. on Ctrl-C (SIGINT) or SIGTERM stops nginx first (open requests finish), then the apps; on
   SIGHUP re-renders the configuration and reloads nginx (e.g. after certbot renewed the
   certificate) without dropping a connection.

Logs: ``.serve/app-N.log`` and ``.serve/nginx/logs/``. The children run in their own session
and die with the supervisor (Linux), so nothing is left behind.
"""

from __future__ import annotations

import argparse
import os
import pwd
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from deploy.fonts import font_overrides
from deploy.nginx import Proxy, nginx_missing_message, start_proxy, stop_proxy
from deploy.processes import AppServer, free_port, start_server, stop_server
from deploy.proxy import ProxyConfig, find_nginx, nginx_modules, theme_uses_streamlit_font, write
from solidarity.db import StoreError
from solidarity.settings import PROJECT_DIR, Settings, SettingsError, load_settings, read_secrets

RUNTIME_DIR = PROJECT_DIR / ".serve"
HEALTH_EVERY = 5.0
HEALTH_FAILURES = 3
#: More exits than this within :data:`CRASH_WINDOW` seconds: the process is given up.
CRASH_LIMIT = 5
CRASH_WINDOW = 300.0
START_TIMEOUT = 90.0


def say(message: str) -> None:
    print(f"[serve {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Supervised:
    """One app process and its history."""

    name: str
    port: int
    env: Mapping[str, str]
    log: Path
    server: AppServer | None = None
    exits: deque = field(default_factory=deque)
    health_failures: int = 0
    given_up: bool = False

    def start(self) -> None:
        self.server = start_server(self.name, self.log, self.env, port=self.port, timeout=START_TIMEOUT, supervised=True)

    def alive(self) -> bool:
        return self.server is not None and self.server.process.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=3) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        if self.server is not None:
            stop_server(self.server)


class Supervisor:
    """Starts, watches and stops the app processes and nginx."""

    def __init__(self, settings: Settings, processes: int, port: int, runtime: Path = RUNTIME_DIR) -> None:
        self.settings = settings
        self.port = port
        self.runtime = runtime
        self.stopping = threading.Event()
        self.reload_requested = threading.Event()
        env = {"PYTHONUNBUFFERED": "1", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
        self.apps = [
            Supervised(f"app-{n}", free_port(), env, runtime / f"app-{n}.log") for n in range(1, processes + 1)
        ]
        self.proxy: Proxy | None = None

    # -- start ---------------------------------------------------------------------------------

    def seed(self) -> None:
        """Bring the store's schema up to date and seed an empty one, once, before the processes
        start (they would each try; the store lets only one do it, this saves them the wait)."""
        from solidarity.store import Store  # deferred: SQLAlchemy and pandas, only for serving

        store = Store(self.settings.DATABASE_URL)  # applies pending migrations
        report = store.ensure_seeded(Path(self.settings.SEED_DIR))
        if report is not None:
            rejected = f", {len(report.errors)} rows rejected (shown on the explore page)" if report.errors else ""
            say(f"store seeded from {self.settings.SEED_DIR}: {report.counts}{rejected}")

    def config(self) -> ProxyConfig:
        user = None
        if os.geteuid() == 0:  # workers must not run as root: an unprivileged user with its temp files
            user = next((name for name in ("www-data", "nobody") if _user_exists(name)), None)
        return ProxyConfig.from_settings(
            self.settings,
            [app.port for app in self.apps],
            self.runtime / "nginx",
            listen_port=self.port,
            modules=tuple(nginx_modules(find_nginx())),
            worker_user=user,
            font_overrides=font_overrides(blank_text_fonts=not theme_uses_streamlit_font()),
        )

    def start(self) -> None:
        self.runtime.mkdir(parents=True, exist_ok=True)
        self.seed()
        say(f"starting {len(self.apps)} app processes (logs: {self.runtime}/app-N.log)")
        # One after another from this thread: Linux's "die with the parent" follows the thread
        # that started the child, so a worker thread that ends would take its process along.
        for app in self.apps:
            error = _try_start(app)
            if error:
                raise SystemExit(f"serve: {app.name} did not start:\n{error}")
        config = self.config()
        if config.worker_user:
            _prepare_for_user(config)
        self.proxy = start_proxy(config, supervised=True)
        modules = "gzip and brotli" if config.modules else "gzip (no brotli module: apt-get install libnginx-mod-http-brotli-filter)"
        say(f"serving {self.proxy.url}/ with {len(self.apps)} app processes on ports "
            f"{', '.join(str(a.port) for a in self.apps)}; compression: {modules}. Ctrl-C stops.")

    # -- watch ---------------------------------------------------------------------------------

    def watch(self) -> int:
        last_health = time.monotonic()
        while not self.stopping.wait(1.0):
            if self.proxy is None or self.proxy.process.poll() is not None:
                code = self.proxy.process.returncode if self.proxy else "?"
                say(f"nginx exited (code {code}); stopping. Its log:\n{self.proxy.error_log()[-2000:] if self.proxy else ''}")
                return 1
            if self.reload_requested.is_set():
                self.reload_requested.clear()
                write(self.config())
                self.proxy.reload()
                say("configuration re-rendered, nginx reloaded")
            check_health = time.monotonic() - last_health >= HEALTH_EVERY
            if check_health:
                last_health = time.monotonic()
            for app in self.apps:
                if app.given_up or self.stopping.is_set():
                    continue
                if not app.alive():
                    code = app.server.process.returncode if app.server else "?"
                    self.restart(app, f"exited with code {code}")
                elif check_health:
                    if app.healthy():
                        app.health_failures = 0
                    else:
                        app.health_failures += 1
                        if app.health_failures >= HEALTH_FAILURES:
                            self.restart(app, f"did not answer /_stcore/health {HEALTH_FAILURES} times in a row")
            if all(app.given_up for app in self.apps):
                say("every app process was given up; stopping")
                return 1
        return 0

    def restart(self, app: Supervised, why: str) -> None:
        now = time.monotonic()
        app.exits.append(now)
        while app.exits and now - app.exits[0] > CRASH_WINDOW:
            app.exits.popleft()
        if len(app.exits) > CRASH_LIMIT:
            app.given_up = True
            app.stop()
            say(f"{app.name} (port {app.port}) {why}: {len(app.exits)} times in {CRASH_WINDOW / 60:.0f} minutes, "
                f"given up; the others serve its visitors. See {app.log}")
            return
        say(f"{app.name} (port {app.port}) {why}; nginx sends its visitors to the others; restarting it")
        app.stop()
        app.health_failures = 0
        error = _try_start(app)
        say(f"{app.name} is back" if not error else f"{app.name} did not restart: {error.splitlines()[0]}")

    # -- stop ----------------------------------------------------------------------------------

    def stop(self) -> None:
        if self.proxy is not None:
            stop_proxy(self.proxy)
        with ThreadPoolExecutor(max(1, len(self.apps))) as pool:
            list(pool.map(Supervised.stop, self.apps))
        say("stopped")


def _try_start(app: Supervised) -> str:
    """Start ``app``; '' or the reason it did not start."""
    try:
        app.start()
    except RuntimeError as error:
        return str(error)
    return ""


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _prepare_for_user(config: ProxyConfig) -> None:
    """nginx runs its workers as ``config.worker_user``: its temp folder must be theirs."""
    entry = pwd.getpwnam(str(config.worker_user))
    temp = config.prefix / "temp"
    temp.mkdir(parents=True, exist_ok=True)
    for path in (temp, *temp.iterdir()):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="the proxy's port (default SERVE_PORT, 8080)")
    parser.add_argument("--processes", type=int, help="app processes (default APP_PROCESSES, 2)")
    parser.add_argument("--runtime-dir", type=Path, default=RUNTIME_DIR, help="logs and nginx files (default .serve/)")
    args = parser.parse_args(argv)
    if find_nginx() is None:
        print(f"serve: {nginx_missing_message()}; `make serve` installs it when run as root", file=sys.stderr)
        return 2
    try:
        settings = load_settings(secrets=read_secrets())
    except SettingsError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 2
    processes = args.processes or int(settings.APP_PROCESSES)
    if not 1 <= processes <= 32:
        print("serve: APP_PROCESSES must be between 1 and 32", file=sys.stderr)
        return 2
    supervisor = Supervisor(settings, processes, args.port or int(settings.SERVE_PORT), args.runtime_dir.resolve())

    def on_signal(signum: int, _frame: object) -> None:
        if signum == signal.SIGHUP:
            supervisor.reload_requested.set()
            return
        say(f"{signal.Signals(signum).name}: stopping")
        supervisor.stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    code = 1
    try:
        supervisor.start()
        code = supervisor.watch()
    except (RuntimeError, ValueError, StoreError) as error:  # nginx's refusals, a bad setting, the store
        print(f"serve: {error}", file=sys.stderr)
    except SystemExit as error:
        print(error, file=sys.stderr)
    finally:
        supervisor.stop()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
