"""The web application around the Streamlit script: what happens before any session runs.

``app.py`` defines ``app = st.App("app.py", ...)`` with :func:`lifespan` and :data:`MIDDLEWARE`,
so ``streamlit run app.py`` (and any ASGI server running ``app:app``) serves it this way:

- **The pages are known before the first visitor arrives.** A project with a ``pages/`` folder
  makes Streamlit run its first session in the compatibility mode of its old multipage apps,
  which does not know the ``st.navigation`` pages yet: a shared link to a sub page as the first
  visit after a start showed an English "Page not found" notice (streamlit/streamlit#9992,
  #8860). The app uses ``st.navigation`` only, and says so at start-up.
- **Every page is served in its language.** The HTML shell of a page gets ``lang``/``dir`` from
  ``?lang=``, a title and a no-script note in that language, and ``static/boot.js`` (which keeps
  ``lang``/``dir`` in step while the user moves on, points Streamlit at the app's root, and closes
  the phone menu after a choice).
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from streamlit.runtime.pages_manager import PagesManager

from solidarity.i18n import DEFAULT_LANGUAGE, N_, direction, normalise_language, translate

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths under which Streamlit serves files and its own endpoints, never a page's HTML shell.
RESERVED_PREFIXES = ("/_stcore", "/static/", "/component/", "/app/static/", "/media/", "/auth/", "/oauth2callback")

APP_TITLE = "Solidariteitskaart Antwerpen"
NOSCRIPT = N_("This map needs JavaScript. Turn it on in your browser to use it.")


@contextlib.asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """At start-up: tell Streamlit the app navigates with ``st.navigation`` (see the module docstring)."""
    PagesManager.uses_pages_directory = False
    yield


def is_page_request(scope: Scope) -> bool:
    """True for a GET of a page (its HTML shell), not of a file or an endpoint."""
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    path = str(scope.get("path") or "/")
    if path.startswith(RESERVED_PREFIXES):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return "." not in last  # favicon.png, robots.txt: files


def page_language(scope: Scope) -> str:
    """The language asked for in the page's query string (``?lang=``), else Dutch."""
    query = parse_qs(bytes(scope.get("query_string") or b"").decode("latin-1"))
    values = query.get("lang") or [DEFAULT_LANGUAGE]
    return normalise_language(values[-1])


def localise_shell(page: str, language: str) -> str:
    """Streamlit's HTML shell with the language, direction, title, no-script note and boot script."""
    lang = html.escape(language, quote=True)
    page = page.replace('<html lang="en">', f'<html lang="{lang}" dir="{direction(language)}">', 1)
    page = page.replace("<title>Streamlit</title>", f"<title>{html.escape(APP_TITLE)}</title>", 1)
    boot = '<script src="./app/static/boot.js"></script>\n    <link rel="stylesheet" href="./app/static/app.css" />'
    charset = '<meta charset="UTF-8" />'
    page = page.replace(charset, charset + "\n    " + boot, 1) if charset in page else page.replace("<head>", "<head>" + boot, 1)
    note = html.escape(translate(language, NOSCRIPT))
    start, end = page.find("<noscript>"), page.find("</noscript>")
    if start != -1 and end != -1:
        page = page[: start + len("<noscript>")] + f"<p>{note}</p>" + page[end:]
    return page


class PageShell:
    """ASGI middleware: serve each page's HTML shell through :func:`localise_shell`.

    The shell is asked for uncompressed and unconditionally (it is 5 KB; a proxy compresses
    it), so that it can be read and rewritten; it is never cached, so a cached shell never
    carries another language.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_page_request(scope):
            await self.app(scope, receive, send)
            return
        skipped = {b"accept-encoding", b"if-none-match", b"if-modified-since"}
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in skipped]
        language = page_language(scope)
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            assert start is not None
            await send_shell(start, b"".join(chunks))

        async def send_shell(start: Message, body: bytes) -> None:
            headers = [(k, v) for k, v in start.get("headers", [])]
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if start.get("status") == 200 and content_type.startswith(b"text/html"):
                try:
                    body = localise_shell(body.decode("utf-8"), language).encode("utf-8")
                except UnicodeDecodeError:
                    log.warning("page shell is not UTF-8: served as it is")
                drop = {b"content-length", b"etag", b"last-modified", b"cache-control"}
                headers = [(k, v) for k, v in headers if k.lower() not in drop]
                headers += [(b"content-length", str(len(body)).encode()), (b"cache-control", b"no-cache")]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, capture)
