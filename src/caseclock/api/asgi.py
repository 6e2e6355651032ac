"""The app a server process runs, and the ASGI entry for process managers.

``uvicorn --factory caseclock.api.asgi:app_from_environment``: each worker process reads
``CASECLOCK_*`` once here, at its edge, and runs on the system clock. ``caseclock serve`` and
``caseclock quickstart`` build their app with ``serving_app`` too.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from caseclock import collector
from caseclock.api import http_limits
from caseclock.api.app import create_app
from caseclock.clock import Clock, SystemClock
from caseclock.config import Settings
from caseclock.store.database import SessionFactory


def serving_app(
    settings: Settings,
    *,
    clock: Clock,
    engine: Engine | None = None,
    session_factory: SessionFactory | None = None,
) -> FastAPI:
    """``create_app``, the request deadline of this process's connections
    (``api.http_limits``), then the garbage collector tuned for the long run that follows
    (``caseclock.collector``, unless ``CASECLOCK_GC_TUNING=false``)."""
    app = create_app(settings, clock=clock, engine=engine, session_factory=session_factory)
    http_limits.apply(settings)  # before uvicorn accepts a connection, in every process
    if settings.gc_tuning:
        collector.tune()
    return app


def app_from_environment() -> FastAPI:
    return serving_app(Settings(), clock=SystemClock())
