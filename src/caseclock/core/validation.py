"""Turn pydantic validation errors into messages that name the offending path.

``processes.gold.milestones[2].target.rules[0].when: unknown field 'prio'`` tells a person
exactly what to fix; a raw pydantic dump does not.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def error_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """Render a pydantic location as ``a.b[2].c``, after ``prefix`` when given."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def error_message(error: ErrorDetails) -> str:
    """One error's message, worded for people (unknown keys say so, with the key)."""
    if error["type"] == "extra_forbidden":
        return f"unknown field {str(error['loc'][-1])!r}"
    if error["type"] == "missing":
        return "required field is missing"
    message = error["msg"]
    for noise in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(noise)
    return message


def describe_validation_error(exc: ValidationError, prefix: str = "") -> list[str]:
    """Every error of ``exc`` as ``path: message``; for unknown keys the path ends at the parent."""
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        if error["type"] == "extra_forbidden":
            loc = loc[:-1]
        path = error_path(loc, prefix)
        lines.append(f"{path}: {error_message(error)}" if path else error_message(error))
    return lines
