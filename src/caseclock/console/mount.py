"""Mounting the console on the app: its pages at ``/`` and its packaged static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from caseclock.console.routes import accounts, at_risk, links, policy, records, reports, session


def install(app: FastAPI) -> None:
    """Add the console's pages and ``/static`` to ``app``."""
    app.mount("/static", StaticFiles(packages=[("caseclock.console", "static")]), name="static")
    for module in (session, at_risk, records, accounts, policy, reports, links):
        app.include_router(module.router)
