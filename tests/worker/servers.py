"""Real servers for the adapter tests: a scripted HTTP receiver and an SMTP sink (aiosmtpd).

Both listen on 127.0.0.1 on a port the kernel picks, run in a thread, and are stopped cleanly
by their fixtures (see conftest.py).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class Reply:
    """What the receiver answers to one request; ``hang`` waits until released, then drops;
    ``delay`` answers that many seconds late (a slow receiver)."""

    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A ThreadingHTTPServer that answers each POST with the next scripted reply (else 200),
    or with ``default`` when set. ``holding`` counts the requests it is holding right now
    (hanging or delayed); ``most_at_once`` is the most it ever held."""

    replies: deque[Reply] = field(default_factory=deque)
    scheme: str = "http"
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None
    default: Reply = field(default_factory=Reply)
    holding: int = 0
    most_at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}/hook"

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def _next(self) -> Reply:
        return self.replies.popleft() if self.replies else self.default

    def hold(self, delta: int) -> None:
        with self.lock:
            self.holding += delta
            self.most_at_once = max(self.most_at_once, self.holding)


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver  # set on the subclass made per receiver
    protocol_version = "HTTP/1.1"  # keep-alive: senders reuse their connections
    disable_nagle_algorithm = True  # answer at once, not after the sender's delayed ACK

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.receiver.received.append(Received(self.path, dict(self.headers.items()), body))
        reply = self.receiver._next()
        if reply.hang:
            self.receiver.hold(1)
            self.receiver.release.wait(timeout=10)
            self.receiver.hold(-1)
            self.close_connection = True
            return
        if reply.delay:
            self.receiver.hold(1)
            threading.Event().wait(reply.delay)  # a slow receiver, not the test, waits
            self.receiver.hold(-1)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # several workers post at once: do not refuse connections
    daemon_threads = True


def start_receiver(tls: ssl.SSLContext | None = None) -> tuple[Receiver, threading.Thread]:
    """A receiver on 127.0.0.1, speaking HTTPS with ``tls`` (a server context) when given."""
    receiver = Receiver(scheme="https" if tls is not None else "http")
    handler = type("Handler", (_Handler,), {"receiver": receiver})
    receiver.server = _Server(("127.0.0.1", 0), handler)
    if tls is not None:
        receiver.server.socket = tls.wrap_socket(receiver.server.socket, server_side=True)
    thread = threading.Thread(
        target=receiver.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    return receiver, thread


def stop_receiver(receiver: Receiver, thread: threading.Thread) -> None:
    assert receiver.server is not None
    receiver.release.set()
    receiver.server.shutdown()
    receiver.server.server_close()
    thread.join()


class SmtpSink:
    """An aiosmtpd handler that keeps every message; ``refuse`` scripts RCPT answers by address."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name (called positionally)
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name (called positionally)
        self, _server: SMTP, _session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        parse = email.message_from_bytes
        return [
            parse(e.original_content or b"", policy=email.policy.default) for e in self.envelopes
        ]


class LocalController(Controller):
    """aiosmtpd's threaded Controller on port 0: it learns the port the kernel picked."""

    def _trigger_server(self) -> None:
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd leaves it untyped
