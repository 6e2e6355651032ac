"""Liveness and readiness (the web console serves ``/``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from caseclock.api.strict_json import StrictJsonRoute
from caseclock.store import migrate

router = APIRouter(tags=["service"], route_class=StrictJsonRoute)


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: the database answers and its migrations are current",
    responses={503: {"description": "not ready; `detail` says why"}},
)
def ready(request: Request) -> JSONResponse:
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = migrate.current_revision(connection)
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "detail": f"database unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    head = migrate.head_revision()
    if current != head:
        return JSONResponse(
            {
                "status": "unavailable",
                "detail": f"database at migration {current}, code expects {head}: "
                "run `caseclock db upgrade`",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready", "migration": head})
