"""Request bodies are JSON as RFC 8259 defines it, not Python's superset of it.

Every API route reads its body with ``core.json_numbers.strict_loads``: NaN, the infinities and
numbers too large for a float answer 422 ``invalid JSON at character N`` and nothing is stored
(an account's fields holding one used to fail on PostgreSQL after the fact, with a 500).

No text reaches a route holding U+0000 either, in its body (keys included), query or path:
PostgreSQL's text and JSONB cannot store it, so it used to fail there with a 500 while SQLite
kept it. It answers 422 naming the field, on every backend.

A body is at most ``store.limits.REQUEST_BYTES`` (2 MiB): a longer one answers 413 before
more of it is read. A body nested too deeply for the reader, or holding an integer of more
digits than Python reads (4,300), answers 422 ``invalid JSON``, as any malformed body does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from caseclock.core.json_numbers import strict_loads
from caseclock.core.json_paths import walk
from caseclock.errors import CaseclockError, ValidationFailed
from caseclock.store.limits import REQUEST_BYTES

NUL = "\x00"


class BodyTooLarge(CaseclockError):
    status = 413
    title = "Content too large"


class StrictJsonRequest(Request):
    async def body(self) -> bytes:
        """The body, read up to ``REQUEST_BYTES``; ``BodyTooLarge`` beyond."""
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > REQUEST_BYTES:
                raise _too_large()
            chunks: list[bytes] = []
            size = 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > REQUEST_BYTES:
                    raise _too_large()
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            try:
                self._json = strict_loads(raw)
            except json.JSONDecodeError:
                raise
            except RecursionError:  # the reader recurses once per level of nesting
                raise json.JSONDecodeError("nested too deeply", "", 0) from None
            except ValueError as exc:  # an integer of more digits than Python reads
                raise json.JSONDecodeError(str(exc).split(";")[0], "", 0) from None
        return self._json


def _too_large() -> BodyTooLarge:
    return BodyTooLarge(f"a request body is at most {REQUEST_BYTES:,} bytes", path="body")


class StrictJsonRoute(APIRoute):
    """A route whose request body is read by ``strict_loads`` and whose text holds no NUL."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            strict_request = StrictJsonRequest(request.scope, request.receive)
            await strict_request.body()  # a body too large answers here, before the route
            await _refuse_nul(strict_request)
            return await handler(strict_request)

        return strict


async def _refuse_nul(request: StrictJsonRequest) -> None:
    params = [
        *((f"path.{k}", v) for k, v in request.path_params.items()),
        *((f"query.{k}", v) for k, v in request.query_params.multi_items()),
    ]
    where = next((path for path, value in params if NUL in f"{path}{value}"), None)
    if where is None and _is_json(request.headers.get("content-type", "")):
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # the route answers for a body it cannot read
            return
        if _may_hold_nul(await request.body()):
            where = _nul_path(body)
    if where is not None:
        raise ValidationFailed("text cannot hold U+0000 (NUL)", path=where.replace(NUL, "\\0"))


def _is_json(content_type: str) -> bool:
    """Whether FastAPI reads a body of this type as JSON: ``application/json`` or
    ``application/...+json``, in any case, with or without parameters."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _may_hold_nul(raw: bytes) -> bool:
    """False when JSON text in UTF-8 (which has it as the escape ``\\u0000`` only) holds no
    NUL: a 500-event batch is then not walked. Other encodings are walked."""
    if json.detect_encoding(raw) not in ("utf-8", "utf-8-sig"):
        return True
    return b"\\u0000" in raw or b"\x00" in raw


def _nul_path(document: Any) -> str | None:
    """The path (``fields.a[2]``, ``body`` for the whole) of the first text holding NUL, in a
    value or a key."""
    return next(
        (
            path or "body"
            for path, value in walk(document, "")
            if NUL in path or (isinstance(value, str) and NUL in value)
        ),
        None,
    )
