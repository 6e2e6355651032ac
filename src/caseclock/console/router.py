"""How the console's routes fail: an HTML page, a redirect to sign in, never problem JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from caseclock.console.auth import CsrfRejected, LoginRequired
from caseclock.console.templating import render
from caseclock.errors import CaseclockError

FRAGMENT_HEADER = "x-caseclock-fragment"


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        user=None,
        status_code=status,
    )


class ConsoleRoute(APIRoute):
    """A route whose domain errors become pages: 404 for what the key may not see, 403 for
    a role that may not act or a form without its CSRF token, sign-in when the session ended."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequired:
                if request.headers.get(FRAGMENT_HEADER):
                    return Response(status_code=401)
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            except CsrfRejected:
                return error_page(
                    request,
                    403,
                    "This form could not be accepted",
                    "It carried no valid security token (it may be from an old tab or another "
                    "site). Go back, reload the page and send it again.",
                )
            except CaseclockError as exc:
                return error_page(request, exc.status, exc.title, str(exc))

        return handler


def console_router() -> APIRouter:
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)
