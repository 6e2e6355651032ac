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


class Unauthorized(CaseclockError):
    """No API key, or one that is unknown or revoked."""

    status = 401
    title = "Unauthorized"


class Forbidden(CaseclockError):
    """A valid key whose role does not allow the operation."""

    status = 403
    title = "Forbidden"


class ServiceUnavailable(CaseclockError):
    """The service cannot answer yet (e.g. the database is behind its migrations)."""

    status = 503
    title = "Service unavailable"
