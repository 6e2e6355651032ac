"""The application factory: settings, clock and database are passed in, never read here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine

import caseclock
from caseclock.api import problems
from caseclock.api.retry import DatabaseTrouble
from caseclock.api.routers import (
    account_milestones,
    accounts,
    audit,
    csat,
    deliveries,
    directory,
    endpoints,
    events,
    firings,
    inbound,
    insights,
    keys,
    milestones,
    policy,
    records,
    reviews,
    service,
    teams,
    users,
)
from caseclock.clock import Clock
from caseclock.config import Settings
from caseclock.console.mount import install as install_console
from caseclock.core.events import Event
from caseclock.services.at_risk import CountsCache
from caseclock.store.database import SessionFactory, make_engine, make_session_factory

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings,
    *,
    clock: Clock,
    engine: Engine | None = None,
    session_factory: SessionFactory | None = None,
) -> FastAPI:
    """Build the app. Tests pass a ``FixedClock`` and their own engine or session factory."""
    engine = engine or make_engine(
        settings.database_url, echo=settings.sql_echo, pool_size=settings.db_pool_size
    )
    # Swagger UI and ReDoc from packaged assets: an offline installation gets working docs.
    app = FastAPIOffline(
        title="caseclock",
        version=getattr(caseclock, "__version__", "0"),
        description=(
            "SLA and milestone engine for B2B support. Send `Authorization: Bearer <key>` "
            "(`caseclock apikey create --role admin`). Errors are RFC 9457 problem details."
        ),
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.engine = engine
    app.state.session_factory = session_factory or make_session_factory(engine)
    app.state.counts_cache = CountsCache(settings.counts_max_age)
    problems.install(app)
    app.add_middleware(DatabaseTrouble)
    app.include_router(service.router)
    for module in (
        policy,
        accounts,
        records,
        events,
        milestones,
        keys,
        users,
        teams,
        directory,
        audit,
        endpoints,
        deliveries,
        firings,
        reviews,
        csat,
        account_milestones,
        inbound,
        insights,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    install_console(app)
    _document_event_schema(app)
    return app


def _document_event_schema(app: FastAPI) -> None:
    """Add the event envelope to the OpenAPI components (``POST /events`` refers to it)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            definitions = Event.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(definitions.pop("$defs", {}))
            components["Event"] = definitions
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
