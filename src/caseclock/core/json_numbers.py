"""JSON numbers are finite (RFC 8259); Python's ``json`` reader would also take NaN and infinities.

It reads the words ``NaN``, ``Infinity`` and ``-Infinity``, and a literal too large for a float
(``1e400``) becomes ``inf``. Stored, such a value is text PostgreSQL refuses (a failed request
after the work is done) or text SQLite keeps that no JSON reader takes back; pydantic's JSON
dump silently writes it as null. Every way in refuses it instead: ``strict_loads`` for JSON
text (API bodies, JSON files), ``first_non_finite`` for values already parsed (events read
by the CLI); the YAML loader (``core.policy``) refuses ``.nan`` and ``.inf`` itself.

An object that repeats a key is refused too, naming the key and its path (``json`` would keep
the last one silently, as YAML readers do: ``core.policy`` refuses those as well).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from caseclock.core.json_paths import walk


def strict_loads(text: bytes | str) -> Any:
    """``json.loads`` (bytes in any JSON encoding, a BOM allowed), refusing non-finite numbers
    with a ``json.JSONDecodeError`` that says where."""
    repeated = False

    def members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        found = dict(pairs)
        if len(found) == len(pairs):
            return found
        repeated = True
        return _Repeated(pairs)

    try:
        value = json.loads(
            text, parse_constant=_refuse_word, parse_float=_finite_float, object_pairs_hook=members
        )
    except _NotJsonNumber as exc:
        document = text.decode(json.detect_encoding(text)) if isinstance(text, bytes) else text
        raise json.JSONDecodeError(
            f"{exc.literal} is not a JSON number",
            document,
            _outside_strings(document, exc.literal),
        ) from None
    if repeated:
        _refuse_repeated(value, text)
    return value


class _Repeated(dict[str, Any]):
    """An object that repeated a key: the first repeated key is kept for the message."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        self.key = ""
        for key, _ in pairs:
            if key in seen:
                self.key = key
                break
            seen.add(key)


def _refuse_repeated(value: Any, text: bytes | str) -> None:
    """Raise for the first object of ``value`` that repeats a key, naming its path."""
    for path, item in walk(value, ""):
        if isinstance(item, _Repeated):
            document = text.decode(json.detect_encoding(text)) if isinstance(text, bytes) else text
            where = path or "the top level"
            raise json.JSONDecodeError(
                f"duplicate key {item.key!r} in {where}",
                document,
                _second(document, json.dumps(item.key)),
            )


def first_non_finite(value: object, path: str) -> str | None:
    """The path (``data.a.b[1]``) of the first NaN or infinite number in ``value``, if any."""
    return next(
        (p for p, v in walk(value, path) if isinstance(v, float) and not math.isfinite(v)),
        None,
    )


class _NotJsonNumber(ValueError):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _refuse_word(word: str) -> Any:
    raise _NotJsonNumber(word)


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NotJsonNumber(literal)
    return value


def _second(text: str, key: str) -> int:
    """Roughly where a repeated key stands: its second occurrence as a key (0 if not found).
    Runs only on the error path."""
    places = [m.start() for m in re.finditer(re.escape(key) + r"\s*:", text)]
    return places[1] if len(places) > 1 else 0


def _outside_strings(text: str, literal: str) -> int:
    """Where ``literal`` first occurs in ``text`` outside JSON strings (0 if it does not): the
    reader's hooks get no position. Runs only on the error path."""
    inside = escaped = False
    for index, char in enumerate(text):
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif text.startswith(literal, index):
            return index
    return 0
