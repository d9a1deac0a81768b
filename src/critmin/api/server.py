"""How ``critmin serve`` runs the app under uvicorn, with limits on slow and stalled clients.

uvicorn's HTTP/1.1 protocol (h11) starts no timer when a connection opens: a client that
connects and never finishes its request headers (one byte a minute, or none) holds a socket,
a file descriptor and a buffer for ever, and 3 000 of them exhaust the server (slowloris).
uvicorn's own options cover the rest only in part. What each limit guards (the values are
settings, ``CRITMIN_<NAME>``; see :class:`critmin.settings.Settings`):

- ``header_timeout_s`` (10 s): from the connection's opening, or from the first byte of the
  next request on a kept-alive connection, to the end of the request's headers. A connection
  that has not sent whole headers by then is closed (:class:`GuardedH11Protocol`).
- ``body_timeout_s`` (30 s): to receive a request's whole body once its headers are in;
  beyond, a 408 and the connection closed (:class:`critmin.api.app.Guard`).
- ``keep_alive_s`` (5 s, uvicorn ``timeout_keep_alive``): how long an idle connection is
  kept between requests.
- ``max_connections`` (512): connections open at once, so stalled clients cannot use up file
  descriptors and memory. A connection over the cap closes the oldest connection that is
  waiting between requests (headers not complete, or idle after a response) to make room;
  when every other connection is inside a request, the newcomer is closed at once, before
  anything is read. So 3 000 stalled connections do not lock out a client that sends its
  request promptly. Also uvicorn ``limit_concurrency`` (the cap + 16): when as many
  connections or requests are in progress, a new request is answered 503 at once.
- headers over 16 KiB are refused by h11 (``h11_max_incomplete_event_size``) with a 400, and
  bodies over 64 KiB by the Guard with a 413.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from critmin.settings import Settings

log = logging.getLogger("critmin.api")

MAX_HEADER_BYTES = 16 * 1024
CLOSING_MARGIN = 16


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for request headers and a connection cap."""

    header_timeout_s: float = 10.0
    max_connections: int = 512
    _header_timer: asyncio.TimerHandle | None = None
    _opened = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._opened = self.loop.time()
        live = sum(1 for c in self.connections if not c.transport.is_closing())
        if live > self.max_connections:
            victim = self._oldest_waiting()
            if victim is None:  # every other connection is in a request: refuse this one
                log.debug("connection refused: %d open, all busy", live)
                self.transport.abort()
                return
            victim.transport.close()  # the longest waiting for headers, or idle, makes room
        self._arm()

    def _waiting(self) -> bool:
        """Between requests: no request headers complete, no response under way."""
        return (
            self.conn.their_state is h11.IDLE
            and (self.cycle is None or self.cycle.response_complete)
            and not self.transport.is_closing()
        )

    def _oldest_waiting(self) -> GuardedH11Protocol | None:
        waiting = [
            c
            for c in self.connections
            if c is not self and isinstance(c, GuardedH11Protocol) and c._waiting()
        ]
        return min(waiting, key=lambda c: c._opened, default=None)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm()  # headers still coming: the clock runs from their first byte
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.debug("closing a connection that sent no whole headers in time")
            self.transport.close()


def protocol_class(settings: Settings) -> type[GuardedH11Protocol]:
    """:class:`GuardedH11Protocol` with the settings' header timeout and connection cap."""
    attrs: dict[str, Any] = {
        "header_timeout_s": settings.header_timeout_s,
        "max_connections": settings.max_connections,
    }
    return type("CritminH11Protocol", (GuardedH11Protocol,), attrs)


def options(settings: Settings, log_level: str = "info") -> dict[str, Any]:
    """``uvicorn.run``'s keyword arguments for ``critmin serve`` (one worker), besides the
    app, host and port."""
    return {
        "workers": 1,
        "log_level": log_level,
        "proxy_headers": False,
        "server_header": False,
        "http": protocol_class(settings),
        "ws": "none",
        "lifespan": "on",
        "timeout_keep_alive": max(1, round(settings.keep_alive_s)),
        # uvicorn answers 503 at this many connections or tasks: above our own cap, whose
        # evicted connections may be counted for a moment while they close
        "limit_concurrency": settings.max_connections + CLOSING_MARGIN,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "timeout_graceful_shutdown": 5,
    }


def config(
    app: FastAPI, host: str, port: int, settings: Settings, log_level: str = "info"
) -> uvicorn.Config:
    """The uvicorn configuration ``critmin serve`` runs (tests run it in a thread)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, **options(settings, log_level))
