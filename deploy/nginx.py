"""nginx in front of app processes, as a child process with its files in one folder.

The configuration is :func:`deploy.proxy.render` (the one ``make serve`` uses), written into
``prefix/nginx.conf``; nginx runs in the foreground with its pid, logs and temp files in
``prefix`` (``nginx -p prefix -c nginx.conf -g 'daemon off;'``): no root, no ``/etc/nginx``.
Used by ``deploy.serve``, the proxy tests and the benchmark.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from deploy.fonts import font_overrides
from deploy.processes import free_port, supervised_popen, wait_healthy
from deploy.proxy import ProxyConfig, find_nginx, nginx_modules, theme_uses_streamlit_font, write
from solidarity.settings import Settings, load_settings

START_TIMEOUT = 20.0


@dataclass
class Proxy:
    """A running nginx."""

    url: str
    port: int
    prefix: Path
    config: ProxyConfig
    process: subprocess.Popen

    def error_log(self) -> str:
        """nginx's error log (for failure messages)."""
        try:
            return (self.prefix / "logs" / "error.log").read_text(errors="replace")
        except OSError:
            return ""

    def access_log(self) -> list[str]:
        """The lines of the access log so far."""
        try:
            return (self.prefix / "logs" / "access.log").read_text(errors="replace").splitlines()
        except OSError:
            return []

    def reload(self) -> None:
        """Re-read the configuration (after :func:`deploy.proxy.write`), without dropping connections."""
        self.process.send_signal(signal.SIGHUP)


def nginx_missing_message() -> str:
    """What to install when nginx is missing (Debian's packages)."""
    return "nginx is not installed (apt-get install -y nginx libnginx-mod-http-brotli-filter)"


def proxy_config(
    prefix: Path,
    ports: Sequence[int],
    settings: Settings | None = None,
    listen_port: int | None = None,
    **kwargs: object,
) -> ProxyConfig:
    """The configuration for app processes on ``ports`` with this machine's nginx modules.

    Under root the workers run as root too (a throwaway test process; ``deploy.serve`` chooses
    an unprivileged user instead)."""
    settings = settings or load_settings()
    kwargs.setdefault("modules", tuple(nginx_modules(find_nginx())))
    kwargs.setdefault("font_overrides", font_overrides(blank_text_fonts=not theme_uses_streamlit_font()))
    if os.geteuid() == 0:
        kwargs.setdefault("worker_user", "root")
    return ProxyConfig.from_settings(settings, ports, prefix, listen_port=listen_port or free_port(), **kwargs)


def _port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def start_proxy(config: ProxyConfig, timeout: float = START_TIMEOUT, supervised: bool = False) -> Proxy:
    """Write ``config`` and start nginx; wait until it accepts connections.

    Raises ``RuntimeError`` with nginx's error log when nginx is missing or does not start."""
    nginx = find_nginx()
    if nginx is None:
        raise RuntimeError(nginx_missing_message())
    host = "127.0.0.1" if config.listen_address in ("0.0.0.0", "*", "::") else config.listen_address  # noqa: S104 (compared, not bound)
    for port in (config.listen_port, config.http_port):
        if port and _port_open(host, port):
            raise RuntimeError(f"port {port} is in use: another proxy or program listens there")
    conf = write(config)
    log = config.prefix / "logs" / "nginx.stderr"
    with log.open("wb") as out:
        process = subprocess.Popen(
            # -e: the start-up log too (Debian's default, /var/log/nginx, is root's).
            [str(nginx), "-p", str(config.prefix), "-c", str(conf), "-e", str(config.prefix / "logs" / "error.log"),
             "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
            **supervised_popen(supervised),  # type: ignore[arg-type]
        )
    scheme = "https" if config.tls else "http"
    proxy = Proxy(f"{scheme}://{host}:{config.listen_port}", config.listen_port, config.prefix, config, process)
    deadline = time.monotonic() + timeout
    while not _port_open(host, config.listen_port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_proxy(proxy)
            stderr = log.read_text(errors="replace") if log.is_file() else ""
            raise RuntimeError(f"nginx did not start (exit {process.returncode}):\n{stderr}\n{proxy.error_log()[-3000:]}")
        time.sleep(0.05)
    return proxy


def stop_proxy(proxy: Proxy, timeout: float = 10.0) -> None:
    """Stop nginx: graceful (SIGQUIT: open requests finish), then SIGTERM, then kill."""
    process = proxy.process
    for sig in (signal.SIGQUIT, signal.SIGTERM):
        if process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout / 2)
            return
        except subprocess.TimeoutExpired:
            continue
    process.kill()
    process.wait(timeout=5)


def wait_proxy_healthy(proxy: Proxy, timeout: float = 30.0) -> bool:
    """Wait until ``/_stcore/health`` answers through the proxy."""
    return wait_healthy(proxy.url, proxy.process, timeout)


@contextlib.contextmanager
def running_proxy(prefix: Path, ports: Sequence[int], **kwargs: object) -> Iterator[Proxy]:
    """nginx in front of ``ports`` for the block (see :func:`proxy_config`)."""
    proxy = start_proxy(proxy_config(prefix, ports, **kwargs))  # type: ignore[arg-type]
    try:
        yield proxy
    finally:
        stop_proxy(proxy)

