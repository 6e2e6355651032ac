"""Links that are not a page's own address: ``/console/...`` links land on their page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from caseclock.console.router import console_router

router = console_router()


@router.get("/console/{rest:path}")
def console_prefix(rest: str, request: Request) -> Response:
    """Links made with a ``/console`` base URL (the worker's emails and chat messages) land on
    the same page: the console is served at the root."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/{rest.lstrip('/')}{query}", status_code=308)  # never "//host"
