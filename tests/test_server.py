"""The web application around the script (ui.server): page shells in their language, start-up."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import streamlit
from streamlit.runtime.pages_manager import PagesManager

from solidarity.i18n import language_label
from ui import server

SHELL = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")


def run_async(coroutine) -> None:
    """Run ``coroutine`` on an event loop of its own (Playwright may hold this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@pytest.mark.parametrize(
    ("path", "method", "page"),
    [("/", "GET", True), ("/in-de-buurt", "GET", True), ("/over/", "GET", True), ("/_stcore/health", "GET", False),
     ("/static/js/index.js", "GET", False), ("/app/static/boot.js", "GET", False), ("/favicon.png", "GET", False),
     ("/component/x/index.html", "GET", False), ("/", "POST", False)],
)  # fmt: skip
def test_which_requests_are_pages(path: str, method: str, page: bool) -> None:
    assert server.is_page_request({"type": "http", "method": method, "path": path}) is page


@pytest.mark.parametrize(("query", "language"), [(b"lang=ar", "ar"), (b"q=2060&lang=fr-BE", "fr"), (b"", "nl"), (b"lang=xx", "nl")])
def test_the_language_of_a_page_request(query: bytes, language: str) -> None:
    assert server.page_language({"query_string": query}) == language


def test_the_shell_carries_the_language_direction_and_boot_script() -> None:
    shell = server.localise_shell(SHELL, "ar")
    assert '<html lang="ar" dir="rtl">' in shell
    assert "<title>Solidariteitskaart Antwerpen</title>" in shell
    assert shell.index("boot.js") < shell.index("static/js/index"), "boot.js runs before Streamlit's scripts"
    assert "app/static/app.css" in shell
    assert "JavaScript" in shell and "تحتاج" in shell, "the no-script note in the page's language"
    assert '<html lang="nl" dir="ltr">' in server.localise_shell(SHELL, "nl")


def test_the_middleware_rewrites_page_shells_only() -> None:
    sent: list[dict] = []

    async def inner(scope, receive, send):
        body = SHELL.encode() if scope["path"] == "/" else b"body"
        kind = b"text/html" if scope["path"] == "/" else b"application/javascript"
        assert b"accept-encoding" not in dict(scope["headers"]) or scope["path"] != "/"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"etag", b"x")]})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        sent.append(message)

    app = server.PageShell(inner)
    headers = [(b"accept-encoding", b"gzip"), (b"if-none-match", b"x")]
    run_async(app({"type": "http", "method": "GET", "path": "/", "query_string": b"lang=uk", "headers": headers}, receive, send))
    start, body = sent[0], sent[1]["body"]
    assert b'<html lang="uk" dir="ltr">' in body
    assert dict(start["headers"])[b"content-length"] == str(len(body)).encode()
    assert dict(start["headers"])[b"cache-control"] == b"no-cache" and b"etag" not in dict(start["headers"])
    sent.clear()
    run_async(app({"type": "http", "method": "GET", "path": "/static/x.js", "query_string": b"", "headers": headers}, receive, send))
    assert sent[1]["body"] == b"body"


def test_start_up_turns_the_old_pages_folder_mode_off() -> None:
    PagesManager.uses_pages_directory = True

    async def start() -> None:
        async with server.lifespan(object()):
            assert PagesManager.uses_pages_directory is False

    run_async(start())


@pytest.mark.parametrize(
    ("code", "label"),
    [("nl", "Nederlands (Dutch)"), ("en", "English (Engels)"), ("ar", "العربية (Arabisch, Arabic)"),
     ("uk", "Українська (Oekraïens, Ukrainian)")],
)  # fmt: skip
def test_each_language_is_found_by_its_own_dutch_and_english_name(code: str, label: str) -> None:
    assert language_label(code) == label
