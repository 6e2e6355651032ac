"""How long a client may take, and how many may connect: the serving side of slow clients.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``), but it waits for a
request's headers and body as long as the client likes: a client that connects and trickles
its request holds a socket and a connection slot indefinitely. ``TimedH11Protocol`` gives every
request a deadline, ``CASECLOCK_HTTP_READ_TIMEOUT`` seconds from the connection opening or the
request's first byte until its last: a slower client is answered 408 and disconnected.

It also caps the connections of a process (``CASECLOCK_HTTP_MAX_CONNECTIONS``): a request that
arrives with the cap reached is answered 503 at once, as problem details with ``Retry-After``
and the connection closed, like every other error of the API. (uvicorn's own
``limit_concurrency`` counts the same way but answers in plain text, so it is not used.)

The limits are class attributes: a server process sets them from its settings when it builds
its app (``api.asgi``), which uvicorn does before it accepts any connection, also in each of
the processes ``--workers`` starts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, ClassVar

import h11
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from caseclock.api.problems import problem
from caseclock.config import Settings

logger = logging.getLogger("caseclock.api")
RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)
OVER_CAP_RETRY_AFTER = "1"  # seconds: connections come and go quickly


class TimedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline on receiving each request and a cap on
    the connections of the process."""

    read_timeout: ClassVar[float] = Settings.model_fields["http_read_timeout"].default
    max_connections: ClassVar[int] = Settings.model_fields["http_max_connections"].default

    _deadline: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._app: ASGIApp = self.app
        self.app = self._capped

    async def _capped(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, unless this request finds the cap reached: counted as uvicorn's
        ``limit_concurrency`` counts (this connection included; the requests in progress
        besides this one)."""
        busy = len(self.tasks) - 1
        if scope["type"] == "http" and max(len(self.connections), busy) >= self.max_connections:
            logger.warning("answering 503: %s connections open", len(self.connections))
            await over_cap(self.max_connections)(scope, receive, send)
            return
        await self._app(scope, receive, send)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._start_deadline()  # the first byte of the next request on this connection
        super().data_received(data)
        if self.conn.their_state in RECEIVED:
            self._stop_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)

    def _start_deadline(self) -> None:
        self._stop_deadline()
        self._deadline = self.loop.call_later(self.read_timeout, self._too_slow)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        logger.info("closing a connection from %s: request not received in time", self.client)
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):  # nothing answered yet
            self.transport.write(timed_out(self.read_timeout))
        self.transport.close()


def timed_out(seconds: float) -> bytes:
    """A whole 408 response, problem details, closing the connection."""
    body = json.dumps(
        {
            "type": "urn:caseclock:problem:request-timeout",
            "title": "Request Timeout",
            "status": 408,
            "detail": f"the request was not received within {seconds:g} s",
        }
    ).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


def over_cap(cap: int) -> ASGIApp:
    """The 503 a request gets when the process has ``cap`` connections open."""

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            Request(scope),
            status=503,
            detail=f"this server process has its {cap} connections open; retry shortly",
            headers={"Retry-After": OVER_CAP_RETRY_AFTER, "Connection": "close"},
        )
        await response(scope, receive, send)

    return answer


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The limits ``uvicorn.run`` takes from the settings (with ``TimedH11Protocol``)."""
    return {"http": TimedH11Protocol, "timeout_keep_alive": settings.http_keep_alive}


def apply(settings: Settings) -> None:
    """Set the request deadline and the connection cap of this process from ``settings``."""
    TimedH11Protocol.read_timeout = settings.http_read_timeout
    TimedH11Protocol.max_connections = settings.http_max_connections
