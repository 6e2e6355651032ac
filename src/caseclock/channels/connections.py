"""The HTTP connections deliveries go through: to the address that was checked, one write per
request.

A webhook or chat URL names a host; ``destinations`` refuses the addresses a delivery must not
reach. Checking a name and then letting the HTTP library resolve it again to connect leaves a
gap (DNS rebinding: a name that answers a public address to the check and 127.0.0.1 to the
connection). ``PinnedBackend`` closes it: it resolves the host once per connection, checks
every address found (``destinations.check_addresses``) and connects to one of exactly those.
The request still names the host: the ``Host`` header, TLS SNI and certificate verification
are the URL's, as httpcore takes them from the URL, not from the socket. A pooled connection
is reused only for the host it was opened to, so it stays on a checked address.

Its streams also gather the pieces httpcore writes for one request (headers, body) and send
them in one write when the response is first read: one packet and one system call instead
of two per delivery.

Each sending thread keeps its own connection to each receiver (``ThreadConnections``).
``delivery_client`` is the ``httpx.Client`` the worker sends with (``caseclock worker`` builds
one per process, from ``CASECLOCK_ALLOW_PRIVATE_ENDPOINTS``).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from caseclock.channels.destinations import Resolver, check_addresses

KEEPALIVE_SECONDS = 30.0  # an idle connection to a receiver is kept this long
Key = tuple[bytes, bytes, int]  # scheme, host, port


class PinnedBackend(httpcore.NetworkBackend):
    """Connects to a checked address of the host asked for; see the module docstring.

    ``resolve`` (host, port) -> IP strings is the system resolver by default (tests give one).
    A host whose addresses are refused raises ``destinations.RefusedDestination``; one that
    does not resolve, or none of whose addresses answers, raises ``httpcore.ConnectError``.
    """

    def __init__(self, *, allow_private: bool, resolve: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.resolve = resolve
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = check_addresses(
            host, port, allow_private=self.allow_private, resolve=self.resolve
        )
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        for address in addresses[:-1]:
            try:
                return self._connect(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue  # the next address of the host
        return self._connect(str(addresses[-1]), port, timeout, local_address, socket_options)

    def _connect(
        self,
        address: str,
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(address, port, timeout, local_address, socket_options)
        return GatheringStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class GatheringStream(httpcore.NetworkStream):
    """A stream whose writes wait, gathered, until the next read (or TLS start)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        self._pending: list[bytes] = []
        self._timeout: float | None = None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            self._pending.append(buffer)
            self._timeout = timeout

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._stream.write(data, self._timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._flush()
        return self._stream.read(max_bytes, timeout)

    def close(self) -> None:
        self._pending.clear()
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self._flush()
        return GatheringStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class ThreadConnections(httpcore.ConnectionPool):
    """Connections kept per sending thread: each thread keeps one connection per receiver and
    sends its requests to that receiver on it, one after the other.

    httpcore's own pool looks at every connection it holds (a ``poll`` each) whenever a request
    starts or ends, under one lock all the sending threads share: with tens of threads the
    threads spend their time queueing for that lock. A sender's thread sends one request at a
    time, mostly to the same receiver (its lane), so it can keep its connection to itself: no
    lock, one liveness check per request. A thread holds at most one connection per receiver
    it has sent to; an idle one is closed after ``KEEPALIVE_SECONDS`` (when next used) or when
    the client closes.
    """

    def __init__(self, make: Callable[[httpcore.Origin], httpcore.HTTPConnection]) -> None:
        super().__init__()
        self._make = make
        self._local = threading.local()
        self._open: set[httpcore.HTTPConnection] = set()
        self._open_lock = threading.Lock()

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        mine: dict[Key, httpcore.HTTPConnection] = self._local.__dict__.setdefault(
            "connections", {}
        )
        origin = request.url.origin
        key = (origin.scheme, origin.host, origin.port)
        connection = mine.get(key)
        if connection is None or not _reusable(connection):
            connection = mine[key] = self._replace(connection, origin)
        try:
            return connection.handle_request(request)
        except httpcore.ConnectionNotAvailable:  # closed meanwhile: once more, on a new one
            connection = mine[key] = self._replace(connection, origin)
            return connection.handle_request(request)

    def _replace(
        self, old: httpcore.HTTPConnection | None, origin: httpcore.Origin
    ) -> httpcore.HTTPConnection:
        new = self._make(origin)
        with self._open_lock:
            if old is not None:
                self._open.discard(old)
            self._open.add(new)
        if old is not None:
            old.close()
        return new

    def close(self) -> None:
        with self._open_lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            connection.close()


def _reusable(connection: httpcore.HTTPConnection) -> bool:
    return connection.is_available() and not connection.has_expired()


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport over connection pools (one per receiver) whose connections
    ``PinnedBackend`` opens."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Resolver | None = None,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(trust_env=False)
        context = verify or httpx.create_ssl_context(trust_env=False)
        backend = PinnedBackend(allow_private=allow_private, resolve=resolve)

        def connection(origin: httpcore.Origin) -> httpcore.HTTPConnection:
            return httpcore.HTTPConnection(
                origin=origin,
                ssl_context=context,
                keepalive_expiry=KEEPALIVE_SECONDS,
                network_backend=backend,
            )

        self._pool = ThreadConnections(connection)


def delivery_client(
    *,
    allow_private: bool,
    resolve: Resolver | None = None,
    verify: ssl.SSLContext | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` for deliveries: pinned connections kept per sending thread (see the
    module docstring), no proxy from the environment, redirects not followed."""
    transport = PinnedTransport(allow_private=allow_private, resolve=resolve, verify=verify)
    return httpx.Client(transport=transport, trust_env=False, follow_redirects=False)
