"""The ASGI entry for process managers (uvicorn --factory, gunicorn with uvicorn workers).

``uvicorn --factory caseclock.api.asgi:app_from_environment``: each worker process reads
``CASECLOCK_*`` once here, at its edge, and runs on the system clock.
"""

from __future__ import annotations

from fastapi import FastAPI

from caseclock.api.app import create_app
from caseclock.clock import SystemClock
from caseclock.config import Settings


def app_from_environment() -> FastAPI:
    return create_app(Settings(), clock=SystemClock())
