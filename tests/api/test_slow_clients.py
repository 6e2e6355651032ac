"""Slow clients against a real served process: a deadline per request and a connection cap.

``caseclock serve`` runs as a subprocess on a migrated SQLite file; the clients are raw
sockets, so that they can be as slow as an attacker or a broken proxy would be.
"""

from __future__ import annotations

import socket
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.served import serving
from tests.worker.processes import wait_for

GUARD = 60.0  # seconds a socket read may block before the test gives up (never reached)


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=GUARD)


def _read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


SLOW_BODY = (
    b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n["
)
SLOW_HEADERS = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "


def test_a_client_that_does_not_finish_its_request_is_answered_408_and_disconnected(
    tmp_path: Path,
) -> None:
    """Clients that stop part-way through a request's body or headers, or never start one,
    each get a 408 problem and a closed connection once CASECLOCK_HTTP_READ_TIMEOUT has
    passed, instead of holding their sockets for as long as they like; other clients are
    served meanwhile."""
    with serving(tmp_path, CASECLOCK_HTTP_READ_TIMEOUT="1") as port, ExitStack() as stack:
        slow = [stack.enter_context(_connect(port)) for _ in range(3)]
        slow[0].sendall(SLOW_BODY)
        slow[1].sendall(SLOW_HEADERS)  # slow[2] sends nothing at all
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        answers = [_read_until_closed(sock) for sock in slow]
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
        assert b"content-type: application/problem+json" in answer
        assert answer.endswith(b'"detail": "the request was not received within 1 s"}')


def test_connections_beyond_the_cap_are_answered_503_problem_details(tmp_path: Path) -> None:
    """With CASECLOCK_HTTP_MAX_CONNECTIONS=3 and two connections busy, a request on a third
    (which reaches the cap) answers 503 at once rather than waiting behind them, as problem
    details with Retry-After and the connection closed, like the API's other errors; once a
    busy one goes, requests are served again."""
    limits = {"CASECLOCK_HTTP_MAX_CONNECTIONS": "3", "CASECLOCK_HTTP_READ_TIMEOUT": "600"}
    over: list[httpx.Response] = []
    with serving(tmp_path, **limits) as port, ExitStack() as stack:
        busy = [stack.enter_context(_connect(port)) for _ in range(2)]
        for sock in busy:
            sock.sendall(SLOW_BODY)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:

            def refused() -> bool:
                over.append(client.get("/api/v1/records"))
                return over[-1].status_code == 503

            wait_for(refused, "the cap to apply")
            busy[0].close()
            wait_for(lambda: client.get("/health").status_code == 200, "a slot to free")
    answer = over[-1]
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert answer.headers["connection"] == "close"
    assert answer.json() == {
        "type": "urn:caseclock:problem:service-unavailable",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "this server process has its 3 connections open; retry shortly",
        "instance": "/api/v1/records",
    }
