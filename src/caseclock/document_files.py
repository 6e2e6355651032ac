"""Reading policy and calendar documents from files (YAML or JSON): the I/O edge of the core.

The core validates dictionaries; this module only turns a path into one, with errors a person
can act on (which file, which line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from caseclock.errors import ValidationFailed


def parse_document(text: str, source: str = "<document>") -> dict[str, Any]:
    """Parse YAML (or JSON) into a mapping, or raise ValidationFailed naming ``source``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed(f"{source}: not valid YAML/JSON{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{source}: expected a mapping at the top level")
    return data


def load_document(path: str | Path) -> dict[str, Any]:
    """Read and parse a YAML or JSON file into a mapping."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationFailed(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"{file}: cannot read: {exc}") from None
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                f"{file}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(data, dict):
            raise ValidationFailed(f"{file}: expected an object at the top level")
        return data
    return parse_document(text, str(file))
