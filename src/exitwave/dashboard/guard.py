"""What the dashboard shows and whom it answers: user text as plain text, localhost only.

* :func:`plain` — scenario names, descriptions and error messages come from files anyone may
  write; Streamlit renders ``st.markdown``/``st.caption``/``st.error`` text as Markdown, where
  ``![x](http://host/…)`` makes the browser fetch any URL and ``[x](…)`` plants a link. Every
  ASCII punctuation character is backslash-escaped (CommonMark allows it for all of them), so the
  text shows exactly as written and nothing in it is markup.
* :func:`host_allowed` — a page served on 127.0.0.1 can still be reached from a web page through
  DNS rebinding (a name that first points at the attacker, then at 127.0.0.1): the browser then
  sends that name as ``Host``. The server answers only requests whose ``Host`` is localhost,
  127.0.0.1 or ::1 (with any port), or the address it was told to listen on.
* :class:`HostGuard` — the ASGI middleware that applies :func:`host_allowed` to *every* HTTP
  request and WebSocket the server receives (the page, its static files, the health check, the
  session socket), before Streamlit sees it: a foreign ``Host`` gets ``403 Forbidden``.
  :mod:`exitwave.dashboard.server` installs it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["LOCAL_HOSTS", "WORD_JOINER", "HostGuard", "host_allowed", "listen_address", "plain"]

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_AUTOLINK = re.compile(r"://|(?i:www)\.|@")
WORD_JOINER = "\u2060"

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
"""Host names a local dashboard answers to."""


def plain(text: object) -> str:
    """``text`` escaped for Streamlit's Markdown: shown as written, never rendered as markup.

    Escapes do not stop GitHub-flavoured *autolinks* (``http://…``, ``www.…``, ``a@b.org`` are
    linked from plain text), so a word joiner (U+2060, invisible) is put inside each of them.
    """
    text = _AUTOLINK.sub(lambda m: m.group(0)[0] + WORD_JOINER + m.group(0)[1:], str(text))
    return _PUNCTUATION.sub(r"\\\1", text)


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8501
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:  # name:port
        return host.split(":", 1)[0]
    return host  # a bare name, or a bare IPv6 address


def host_allowed(host: str | None, listen: str = "127.0.0.1") -> bool:
    """Whether a request's ``Host`` header names this machine (or ``listen``, the address the
    dashboard was started on). A missing header is refused."""
    if not host:
        return False
    name = _hostname(host)
    allowed = {*LOCAL_HOSTS, _hostname(listen)} - {"0.0.0.0", "::", ""}
    return name in allowed


def listen_address(argv: list[str]) -> str:
    """The ``--listen ADDRESS`` among the app's arguments (what ``exitwave dashboard --host``
    passes after ``--``); 127.0.0.1 when absent."""
    for k, arg in enumerate(argv):
        if arg == "--listen" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--listen="):
            return arg.split("=", 1)[1]
    return "127.0.0.1"


_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class HostGuard:
    """ASGI middleware: refuse every HTTP request or WebSocket whose ``Host`` header is not
    allowed by :func:`host_allowed` (``403``; a WebSocket is closed before it is accepted, which
    the server answers with ``403``). A request with no ``Host`` or with two is refused too.
    Lifespan events pass through."""

    def __init__(self, app: Callable[[_Scope, _Receive, _Send], Awaitable[None]], listen: str = "127.0.0.1") -> None:
        self.app = app
        self.listen = listen

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] in ("http", "websocket"):
            hosts = [value.decode("latin-1") for key, value in scope.get("headers", []) if key.lower() == b"host"]
            if len(hosts) != 1 or not host_allowed(hosts[0], self.listen):
                await self._refuse(scope, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: _Scope, send: _Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = (b"Refused: this dashboard answers only to localhost, 127.0.0.1 and the address it was "
                b"started on (exitwave dashboard --host).\n")
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
