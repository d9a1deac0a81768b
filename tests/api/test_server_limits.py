"""`critmin serve`'s limits on slow and stalled clients (critmin.api.server), on a real
uvicorn server in a thread on 127.0.0.1, with short timeouts set through the settings."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HEADER_S = 0.5
BODY_S = 1.0
MAX_CONNECTIONS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    import uvicorn

    from critmin.api import create_app
    from critmin.api.server import config
    from critmin.settings import get_settings

    monkeypatch.setenv("CRITMIN_HEADER_TIMEOUT_S", str(HEADER_S))
    monkeypatch.setenv("CRITMIN_BODY_TIMEOUT_S", str(BODY_S))
    monkeypatch.setenv("CRITMIN_MAX_CONNECTIONS", str(MAX_CONNECTIONS))
    settings = get_settings()
    port = _free_port()
    srv = uvicorn.Server(config(create_app(settings), "127.0.0.1", port, settings, "warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        srv.should_exit = True
        thread.join(10)


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(10)
    return sock


def _response(sock: socket.socket) -> bytes:
    """One whole response (headers and a Content-Length body)."""
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = sock.recv(65536)
        assert chunk, got
        got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _closed_after(sock: socket.socket) -> tuple[float, bytes]:
    """Seconds until the server closes ``sock``, and what it sent before."""
    t0 = time.monotonic()
    got = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    return time.monotonic() - t0, got


def test_connection_that_sends_nothing_is_closed(server: int) -> None:
    with _connect(server) as sock:
        took, got = _closed_after(sock)
    assert got == b""
    assert HEADER_S * 0.8 <= took < HEADER_S + 3


def test_connection_that_never_finishes_its_headers_is_closed(server: int) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(HEADER_S / 3)
        sock.sendall(b"X-Slow: 1\r\n")  # a byte now and then does not reset the clock
        took, got = _closed_after(sock)
    assert got == b""
    assert took < HEADER_S + 3


def test_slow_headers_on_a_kept_alive_connection_are_closed(server: int) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = _response(sock)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # the next request, stalled
        took, got = _closed_after(sock)
    assert got == b"" and took < HEADER_S + 3


def test_whole_request_in_time_is_answered(server: int) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(HEADER_S / 3)
        sock.sendall(b"\r\n")
        assert _response(sock).startswith(b"HTTP/1.1 200")
        time.sleep(HEADER_S * 1.5)  # answered: an idle kept-alive connection is not cut
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _response(sock).startswith(b"HTTP/1.1 200")


def test_body_that_never_arrives_is_408_and_closed(server: int) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"POST /api/v1/floor HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pre'
        )
        took, got = _closed_after(sock)
    assert got.startswith(b"HTTP/1.1 408"), got[:200]
    assert b'"detail":"request body not received within 1 s"' in got
    assert took < BODY_S + 3


def _post_headers(port: int) -> socket.socket:
    """A connection inside a request: headers sent, the body not yet."""
    sock = _connect(port)
    sock.sendall(
        b"POST /api/v1/floor HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    return sock


def test_over_the_cap_the_oldest_waiting_connection_makes_room(server: int) -> None:
    held = [_connect(server) for _ in range(MAX_CONNECTIONS)]  # all stalled, none sent a byte
    try:
        time.sleep(0.1)
        with _connect(server) as sock:  # one more, that asks promptly: served
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _response(sock).startswith(b"HTTP/1.1 200")
        took, got = _closed_after(held[0])  # the oldest stalled one was closed for it
        assert got == b"" and took < HEADER_S * 0.8
    finally:
        for sock in held:
            sock.close()


def test_over_the_cap_with_every_connection_busy_a_new_one_is_closed(server: int) -> None:
    held = [_post_headers(server) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.1)
        with _connect(server) as extra:
            took, got = _closed_after(extra)
        assert got == b"" and took < BODY_S * 0.8  # at once, not at a deadline
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 5
    while True:  # once they are gone, new connections are served again
        with _connect(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            with contextlib.suppress(ConnectionResetError, AssertionError):  # still over the cap
                if _response(sock).startswith(b"HTTP/1.1 200"):
                    break
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_many_stalled_connections_do_not_stop_the_server(server: int) -> None:
    stalled = []
    for _ in range(60):  # far over the cap: the extra ones are closed on arrival
        with contextlib.suppress(OSError):
            stalled.append(_connect(server))
    try:
        with _connect(server) as sock:  # served at once: a stalled one makes room
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _response(sock).startswith(b"HTTP/1.1 200")
        time.sleep(HEADER_S + 1)  # the header deadline closes those that were let in
        with _connect(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _response(sock).startswith(b"HTTP/1.1 200")
    finally:
        for sock in stalled:
            sock.close()


def test_serve_runs_uvicorn_with_the_limits(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`critmin serve` hands uvicorn the guarded protocol and the settings' limits."""
    import uvicorn

    from critmin.api.server import CLOSING_MARGIN, GuardedH11Protocol
    from critmin.cli.serve import serve_cmd

    monkeypatch.setenv("CRITMIN_HEADER_TIMEOUT_S", "3")
    monkeypatch.setenv("CRITMIN_KEEP_ALIVE_S", "7")
    monkeypatch.setenv("CRITMIN_MAX_CONNECTIONS", "100")
    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    serve_cmd(host="127.0.0.1", port=_free_port(), log_level="warning")
    http = seen["http"]
    assert isinstance(http, type) and issubclass(http, GuardedH11Protocol)
    assert http.header_timeout_s == 3 and http.max_connections == 100
    assert seen["timeout_keep_alive"] == 7
    assert seen["limit_concurrency"] == 100 + CLOSING_MARGIN
    assert seen["workers"] == 1 and seen["server_header"] is False
