"""Domain errors. Each knows the HTTP status it maps to, so the API writes problem details once."""

from __future__ import annotations


class CaseclockError(Exception):
    """Base of every error caseclock raises on purpose."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail if path is None else f"{path}: {detail}")
        self.detail = detail
        self.path = path


class ValidationFailed(CaseclockError):
    """A document or request failed validation; ``path`` names the offending field."""

    status = 422
    title = "Validation failed"


class NotFound(CaseclockError):
    status = 404
    title = "Not found"


class Conflict(CaseclockError):
    status = 409
    title = "Conflict"
