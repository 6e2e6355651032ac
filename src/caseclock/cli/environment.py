"""The settings every command reads from the environment; a bad one is a one-line error."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from caseclock.cli.output import fail
from caseclock.config import Settings
from caseclock.core.validation import error_message


def load_settings(**given: Any) -> Settings:
    """``Settings(**given)`` (the rest from the environment), or exit 2 naming each bad
    variable (``CASECLOCK_PORT: ...``)."""
    try:
        return Settings(**given)
    except ValidationError as exc:
        fail(
            "; ".join(
                f"CASECLOCK_{str(error['loc'][0]).upper()}: {error_message(error)}"
                if error["loc"]
                else error_message(error)  # a rule over several settings names them itself
                for error in exc.errors()
            )
        )
