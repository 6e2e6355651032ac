"""RFC 9457 problem details for every error: domain errors, validation, 404s, crashes.

``{"type", "title", "status", "detail", "instance", "errors": [{"path", "message"}]}`` as
``application/problem+json``; ``errors`` names each offending field.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from caseclock.core.validation import error_message, error_path
from caseclock.errors import CaseclockError, Unauthorized

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("caseclock.api")


def problem(
    request: Request,
    *,
    status: int,
    title: str | None = None,
    detail: str | None = None,
    errors: Iterable[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"urn:caseclock:problem:{phrase.lower().replace(' ', '-')}",
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
        "instance": request.url.path,
    }
    listed = list(errors)
    if listed:
        body["errors"] = listed
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def split_line(line: str) -> dict[str, str]:
    """``"a.b[2]: message"`` -> ``{"path": "a.b[2]", "message": "message"}``."""
    path, sep, message = line.partition(": ")
    if not sep or " " in path:
        return {"path": "", "message": line}
    return {"path": path, "message": message}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, CaseclockError):
        raise exc
    lines = getattr(exc, "errors", None)
    if isinstance(lines, list) and lines:
        errors = [split_line(str(line)) for line in lines]
    elif exc.path is not None:
        errors = [{"path": exc.path, "message": exc.detail}]
    else:
        errors = []
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    detail = str(exc)
    return problem(
        request, status=exc.status, title=exc.title, detail=detail, errors=errors, headers=headers
    )


def _location(loc: Iterable[int | str]) -> str:
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    return error_path(parts)


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            where = f" at character {loc[-1]}" if len(loc) > 1 else ""
            reason = error.get("ctx", {}).get("error", "")
            errors.append(
                {"path": "body", "message": f"invalid JSON{where}: {reason}".rstrip(": ")}
            )
            continue
        if error.get("type") == "extra_forbidden":
            loc = loc[:-1]
        errors.append({"path": _location(loc), "message": error_message(error)})
    detail = "; ".join(
        f"{e['path']}: {e['message']}" if e["path"] else e["message"] for e in errors
    )
    return problem(request, status=422, title="Validation failed", detail=detail, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such endpoint: {request.method} {request.url.path}"
    headers = dict(exc.headers) if exc.headers else None
    return problem(request, status=exc.status_code, detail=detail, headers=headers)


async def _crash(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, status=500, detail="an unexpected error occurred; see the server log")


def install(app: FastAPI) -> None:
    app.add_exception_handler(CaseclockError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _crash)
