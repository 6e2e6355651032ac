"""Request bodies are JSON as RFC 8259 defines it, not Python's superset of it.

Python's ``json`` reader also takes ``NaN``, ``Infinity`` and ``-Infinity``. Such a number in an
account's fields or a policy document used to be stored as text that PostgreSQL refuses (a 500
after the fact) or that SQLite keeps and no JSON reader takes back. Every API route reads its body
with ``strict_loads`` instead: the request answers 422 ``invalid JSON at character N`` and
nothing is stored. (``core.events`` refuses the same numbers in events read from files.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def strict_loads(body: bytes | str) -> Any:
    """``json.loads``, refusing NaN and the infinities with a ``JSONDecodeError``."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body

    def refuse(constant: str) -> Any:
        raise json.JSONDecodeError(
            f"{constant} is not a JSON number", text, _outside_strings(text, constant)
        )

    return json.loads(text, parse_constant=refuse)


def _outside_strings(text: str, word: str) -> int:
    """Where ``word`` first occurs in ``text`` outside JSON strings (0 if it does not): the
    reader calls ``parse_constant`` without a position. Runs only on the error path."""
    inside = escaped = False
    for index, char in enumerate(text):
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif text.startswith(word, index):
            return index
    return 0


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """A route whose request body is read by ``strict_loads``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
