"""Mounting the console on the app: its pages at ``/``, its packaged static files, and HTML
error pages for the addresses no route serves outside the API."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from caseclock.console.router import error_page
from caseclock.console.routes import (
    accounts,
    at_risk,
    audit,
    firings,
    insights,
    invitations,
    links,
    people,
    plans,
    policy,
    profile,
    records,
    reports,
    reviews,
    session,
    survey,
)

Handler = Callable[[Request, Exception], Awaitable[Response] | Response]
API_PATHS = ("/api/", "/docs", "/redoc", "/openapi.json", "/health", "/ready")
STATUS_TEXT = {
    404: (
        "Page not found",
        "There is no console page at this address. It may have been "
        "mistyped, or the link may be out of date.",
    ),
    405: (
        "This page cannot be opened this way",
        "The address is a form's: open the page that holds the form instead.",
    ),
}


def install(app: FastAPI) -> None:
    """Add the console's pages and ``/static`` to ``app``; an address no route serves answers
    an HTML page, except under the API's paths, which keep their problem details."""
    app.mount("/static", StaticFiles(packages=[("caseclock.console", "static")]), name="static")
    for module in (
        session,
        invitations,
        survey,
        at_risk,
        records,
        accounts,
        plans,
        policy,
        reports,
        reviews,
        people,
        profile,
        audit,
        insights,
        firings,
        links,
    ):
        app.include_router(module.router)
    app.add_exception_handler(HTTPException, _pages_for(app.exception_handlers.get(HTTPException)))


def _pages_for(api_handler: Handler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if isinstance(exc, HTTPException) and not path.startswith(API_PATHS):
            title, detail = STATUS_TEXT.get(exc.status_code, ("This page cannot be shown", ""))
            return error_page(request, exc.status_code, title, detail)
        if api_handler is None:
            raise exc
        answer = api_handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return handle
