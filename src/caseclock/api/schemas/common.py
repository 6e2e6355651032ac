"""Shapes shared by every router."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from caseclock.store.limits import text_problem


class Strict(BaseModel):
    """A request body: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _single_line(value: str) -> str:
    problem = text_problem(value, limit=len(value))
    if problem is not None:
        raise ValueError(problem)
    return value


# Text of one line (names, ids, addresses): no CR, LF or other control character
# (store.limits); give its length with ``Field(max_length=...)``.
Line = Annotated[str, AfterValidator(_single_line)]


class FieldError(BaseModel):
    path: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, served as ``application/problem+json``."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] = Field(default_factory=list)


# The database's integers are 32-bit (PostgreSQL ``integer``; a bigger number overflows it,
# and SQLite's 64 bits): numbers from a request stay within them.
INT_MAX = 2**31 - 1
Limit = Annotated[int, Field(ge=1, le=500, description="page size")]
Offset = Annotated[int, Field(ge=0, le=INT_MAX, description="rows to skip")]
RowId = Annotated[int, Field(ge=1, le=INT_MAX)]

PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in (
        (401, "missing, unknown or revoked API key"),
        (403, "the key's role does not allow this"),
        (404, "not found (or not visible to this key)"),
        (409, "conflicts with what is stored"),
        (422, "invalid input; `errors` names each field"),
    )
}
