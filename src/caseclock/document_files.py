"""Reading policy and calendar documents from files (YAML or JSON): the I/O edge of the core.

The core parses text (``core.policy.parse_document``: YAML 1.2 booleans, so ``on: created``
keeps its key; ``core.policy.parse_bundle``: text to a validated bundle); this module is the one
place that turns a path into a document or a bundle, with errors a person can act on (which
file, which line). The CLI and the tests read bundles through ``load_bundle``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from caseclock.core.calendar_spec import closed_days_from_ics
from caseclock.core.json_numbers import strict_loads
from caseclock.core.policy import PolicyBundle, PolicyInvalid, bundle_of, parse_document
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


def read_document(path: str | Path) -> Any:
    """Read and parse a YAML or JSON file (``.json`` read as strict JSON, anything else as
    YAML, of which JSON is a subset); raise ``ValidationFailed`` naming the file."""
    file = Path(path)
    text = read_text(file)
    if file.suffix.lower() == ".json":
        try:
            return with_ics_holidays(strict_loads(text), file.parent)  # finite numbers only
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                f"{file}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
    try:
        parsed = parse_document(text)
    except PolicyInvalid as exc:
        raise ValidationFailed(f"{file}: not valid YAML/JSON at {exc.detail}") from None
    return with_ics_holidays(parsed, file.parent)


HOLIDAYS_FROM = "holidays_from"


def with_ics_holidays(data: Any, base: Path) -> Any:
    """``data`` with each calendar's ``holidays_from`` (iCalendar files, paths relative to
    ``base``) read into its ``holidays``: closed days imported from files when the document
    is read, never fetched while caseclock runs. Raises ``ValidationFailed`` naming the file."""
    if isinstance(data, list):
        return [with_ics_holidays(item, base) for item in data]
    if not isinstance(data, dict):
        return data
    found = {key: with_ics_holidays(value, base) for key, value in data.items()}
    if HOLIDAYS_FROM not in found or "timezone" not in found:  # only calendars take it
        return found
    files = found.pop(HOLIDAYS_FROM)
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ValidationFailed(f"{HOLIDAYS_FROM}: a list of iCalendar file paths")
    days = set(found.get("holidays") or [])
    for name in files:
        file = base / name
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise ValidationFailed(f"{file}: cannot read ({exc.strerror or exc})") from None
        try:
            days.update(day.isoformat() for day in closed_days_from_ics(content))
        except ValueError as exc:
            raise ValidationFailed(f"{file}: {exc}") from None
    found["holidays"] = sorted(str(day) for day in days)
    return found


def load_document(path: str | Path) -> dict[str, Any]:
    """Read and parse a YAML or JSON file that holds a mapping."""
    data = read_document(path)
    if not isinstance(data, dict):
        raise ValidationFailed(f"{Path(path)}: expected a mapping at the top level")
    return data


def load_bundle(path: str | Path) -> PolicyBundle:
    """Read a policy bundle file and validate it; raise ``PolicyInvalid`` on any error, naming
    the file once (then, for the bundle's own problems, each one's path inside it)."""
    try:
        data = read_document(path)
    except ValidationFailed as exc:
        raise PolicyInvalid([exc.detail]) from None
    try:
        return bundle_of(data)
    except PolicyInvalid as exc:
        raise PolicyInvalid([f"{Path(path)}: {'; '.join(exc.errors)}"]) from None
