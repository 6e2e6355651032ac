"""Request bodies are JSON as RFC 8259 defines it, not Python's superset of it.

Every API route reads its body with ``core.json_numbers.strict_loads``: NaN, the infinities and
numbers too large for a float answer 422 ``invalid JSON at character N`` and nothing is stored
(an account's fields holding one used to fail on PostgreSQL after the fact, with a 500).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from caseclock.core.json_numbers import strict_loads


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
