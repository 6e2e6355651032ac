"""Database trouble that is not the request's fault, handled around every request.

A request is one unit of work: its session commits when the endpoint returns and rolls back
when it raises (``api.deps``). So when PostgreSQL aborts it as a deadlock victim or for a
serialization failure, running the whole request again is correct; this middleware does so,
with the body it has kept, up to ``ATTEMPTS`` times, before the response has started. A
database that cannot be reached (or still conflicts after the last attempt) answers
503 problem details with ``Retry-After``, not a 500 that reads like a bug.
"""

from __future__ import annotations

import asyncio
import logging
import random

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caseclock.api.problems import problem
from caseclock.store.failures import describe, is_transient_conflict, is_unavailable
from caseclock.store.limits import REQUEST_BYTES

ATTEMPTS = 5
FIRST_PAUSE = 0.02  # seconds before the second attempt; doubles, with full jitter
RETRY_AFTER_UNAVAILABLE = "5"
RETRY_AFTER_CONFLICT = "1"
logger = logging.getLogger("caseclock.api")


class DatabaseTrouble:
    """Retry a request aborted by a transient conflict; answer 503 when the database is away."""

    def __init__(self, app: ASGIApp, *, attempts: int = ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        for attempt in range(1, self.attempts + 1):
            watch = _Watched(send)
            try:
                await self.app(scope, _replayer(body, receive), watch)
                return
            except Exception as exc:
                if watch.started:
                    raise
                if is_transient_conflict(exc) and attempt < self.attempts:
                    logger.info(
                        "transient database conflict, attempt %d: %s", attempt, describe(exc)
                    )
                    await asyncio.sleep(random.uniform(0, FIRST_PAUSE * 2 ** (attempt - 1)))  # noqa: S311
                    continue
                if is_transient_conflict(exc):
                    await self._unavailable(scope, receive, send, exc, RETRY_AFTER_CONFLICT)
                    return
                if is_unavailable(exc):
                    await self._unavailable(scope, receive, send, exc, RETRY_AFTER_UNAVAILABLE)
                    return
                raise

    async def _unavailable(
        self, scope: Scope, receive: Receive, send: Send, exc: Exception, retry_after: str
    ) -> None:
        logger.warning("database unavailable on %s: %s", scope.get("path"), type(exc).__name__)
        conflict = retry_after == RETRY_AFTER_CONFLICT
        response = problem(
            Request(scope),
            status=503,
            detail=(
                "the database kept aborting this request as conflicting with others; retry it"
                if conflict
                else "the database is unavailable; retry later"
            ),
            headers={"Retry-After": retry_after},
        )
        await response(scope, receive, send)


class _Watched:
    """``send``, noting whether the response has started (then it cannot be retried)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


def _replayer(body: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives the kept body again, then whatever the client sends next."""
    pending = list(body)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _read_body(receive: Receive) -> list[Message]:
    """Every ``http.request`` message of the body, so that it can be replayed; a body longer
    than any route takes (``REQUEST_BYTES``) is kept only that far, and the route answers 413
    reading the rest: it is never held whole."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if (
            message["type"] != "http.request"
            or not message.get("more_body", False)
            or size > REQUEST_BYTES
        ):
            return messages
