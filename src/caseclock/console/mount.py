"""Mounting the console on the app: its pages at ``/`` and its packaged static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from caseclock.console import pages, pages_more


def install(app: FastAPI) -> None:
    """Add the console's pages and ``/static`` to ``app``."""
    app.mount("/static", StaticFiles(packages=[("caseclock.console", "static")]), name="static")
    app.include_router(pages.router)
    app.include_router(pages_more.router)
