"""The Host check is made by the server for every request (issue 16, DNS rebinding): a real
``exitwave dashboard`` answers a foreign ``Host`` with 403 on the page, its static files, the
health check and the session's WebSocket, and serves them to localhost and 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.client
import re
import socket

import pytest

from exitwave.dashboard import browser
from exitwave.dashboard.guard import HostGuard, listen_address

BAD_HOSTS = ("rebind.test", "rebind.test:{port}", "127.0.0.1.rebind.test:{port}", "localhost.:{port}x")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with browser.serve(tmp_path_factory.mktemp("project")) as url:
        yield int(url.rsplit(":", 1)[1])


def _get(port: int, path: str, host: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _static_path(port: int) -> str:
    status, page = _get(port, "/", f"127.0.0.1:{port}")
    assert status == 200
    found = re.search(rb'"\./(static/[^"]+\.(?:js|css|woff2))"', page)
    assert found, page[:2000]
    return "/" + found.group(1).decode()


def _websocket_status(port: int, host: str) -> int:
    """Status line of a WebSocket upgrade of the session stream (101: accepted)."""
    request = (f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: streamlit\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request.encode())
        line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(line.split()[1])


def test_a_foreign_host_is_refused_on_every_path_and_a_local_one_served(server):
    static = _static_path(server)
    for path in ("/", static, "/_stcore/health", "/favicon.png"):
        for host in ("localhost", f"localhost:{server}", f"127.0.0.1:{server}"):
            status, _ = _get(server, path, host)
            assert status == 200, (path, host, status)
        for host in BAD_HOSTS:
            status, body = _get(server, path, host.format(port=server))
            assert status == 403, (path, host, status)
            assert b"answers only to localhost" in body
            assert b"<html" not in body.lower()


def test_the_session_socket_is_refused_to_a_foreign_host(server):
    assert _websocket_status(server, f"127.0.0.1:{server}") == 101
    assert _websocket_status(server, f"rebind.test:{server}") == 403


async def _asgi(guard: HostGuard, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    await guard(scope, receive, send)
    return sent


async def _ok(scope, receive, send) -> None:  # noqa: ANN001 - the innermost ASGI app
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"dashboard"})


@pytest.mark.parametrize(("headers", "status"), [
    ([(b"host", b"127.0.0.1:8501")], 200),
    ([(b"host", b"[::1]:8501")], 200),
    ([(b"host", b"10.0.0.5:8501")], 200),  # the --host it listens on
    ([(b"host", b"evil.test")], 403),
    ([], 403),  # no Host at all
    ([(b"host", b"localhost"), (b"host", b"evil.test")], 403),  # two, one foreign
])
def test_the_guard_decides_on_the_host_header(headers, status):
    guard = HostGuard(_ok, listen=listen_address(["--project", ".", "--listen", "10.0.0.5"]))
    sent = asyncio.run(_asgi(guard, {"type": "http", "path": "/static/x.js", "headers": headers}))
    assert sent[0]["status"] == status


def test_lifespan_passes_through_and_listen_defaults_to_loopback():
    seen: list[str] = []

    async def app(scope, receive, send) -> None:  # noqa: ANN001
        seen.append(scope["type"])

    asyncio.run(_asgi(HostGuard(app), {"type": "lifespan"}))
    assert seen == ["lifespan"]
    assert listen_address([]) == "127.0.0.1"
    assert listen_address(["--listen=::1"]) == "::1"
