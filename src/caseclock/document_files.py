"""Reading policy and calendar documents from files (YAML or JSON): the I/O edge of the core.

The core validates dictionaries and parses YAML (``core.policy.parse_document``: YAML 1.2
booleans, so ``on: created`` keeps its key); this module only turns a path into a mapping,
with errors a person can act on (which file, which line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from caseclock.core.json_numbers import strict_loads
from caseclock.core.policy import PolicyInvalid, parse_document
from caseclock.errors import ValidationFailed


def read_text(file: Path) -> str:
    """A UTF-8 text file's content; a file that is missing, unreadable or not UTF-8 raises
    ``ValidationFailed`` naming it."""
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationFailed(f"{file}: no such file") from None
    except OSError as exc:
        raise ValidationFailed(f"{file}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"{file}: not UTF-8 text (byte {exc.start + 1} is {exc.object[exc.start]:#04x})"
        ) from None


def load_document(path: str | Path) -> dict[str, Any]:
    """Read and parse a YAML or JSON file into a mapping."""
    file = Path(path)
    text = read_text(file)
    if file.suffix.lower() == ".json":
        try:
            data = strict_loads(text)  # finite numbers only, as JSON has them
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                f"{file}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(data, dict):
            raise ValidationFailed(f"{file}: expected an object at the top level")
        return data
    try:
        data = parse_document(text)
    except PolicyInvalid as exc:
        raise ValidationFailed(f"{file}: not valid YAML/JSON at {exc.detail}") from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{file}: expected a mapping at the top level")
    return data
