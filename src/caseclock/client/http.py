"""``CaseclockClient``: calls of ``/api/v1`` with typed answers (``caseclock.api.schemas``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from caseclock.api.schemas.common import Problem
from caseclock.api.schemas.milestones import QueueOut
from caseclock.api.schemas.records import EventOut, IngestOut, RecordDetail, RecordSummary

API = "/api/v1"
MAX_BATCH = 1000  # the server's default CASECLOCK_MAX_BATCH

Model = TypeVar("Model", bound=BaseModel)


class ApiError(Exception):
    """A call the API refused: its status and problem details."""

    def __init__(self, status: int, problem: Problem | None, text: str) -> None:
        detail = problem.detail if problem is not None else text[:200]
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.problem = problem


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__}")


class CaseclockClient:
    """One API key against one caseclock server; a context manager (closes its connections)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> CaseclockClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def post_events(self, events: Sequence[Mapping[str, Any]]) -> IngestOut:
        """``POST /events`` with a batch (instants may be datetimes): one result per event."""
        body = json.dumps(list(events), default=_json_value, allow_nan=False)
        answer = self._http.post(
            f"{API}/events", content=body, headers={"Content-Type": "application/json"}
        )
        return self._model(answer, IngestOut)

    def record(self, record_id: str) -> RecordDetail:
        return self._model(self._http.get(f"{API}/records/{record_id}"), RecordDetail)

    def records(self, **filters: str | int) -> list[RecordSummary]:
        answer = self._http.get(f"{API}/records", params=filters)
        return self._list(answer, RecordSummary)

    def events(self, record_id: str, *, limit: int = 200, offset: int = 0) -> list[EventOut]:
        answer = self._http.get(
            f"{API}/records/{record_id}/events", params={"limit": limit, "offset": offset}
        )
        return self._list(answer, EventOut)

    def queue(self, **filters: str | int | bool) -> QueueOut:
        """``GET /milestones`` (the at-risk queue) with its filters (``at_risk=True``, ...)."""
        params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in filters.items()}
        return self._model(self._http.get(f"{API}/milestones", params=params), QueueOut)

    def _model(self, answer: httpx.Response, model: type[Model]) -> Model:
        self._raise_for(answer)
        return model.model_validate_json(answer.content)

    def _list(self, answer: httpx.Response, model: type[Model]) -> list[Model]:
        self._raise_for(answer)
        return TypeAdapter(list[model]).validate_json(answer.content)  # type: ignore[valid-type]

    @staticmethod
    def _raise_for(answer: httpx.Response) -> None:
        if answer.is_success:
            return
        try:
            problem: Problem | None = Problem.model_validate_json(answer.content)
        except ValueError:
            problem = None
        raise ApiError(answer.status_code, problem, answer.text)
