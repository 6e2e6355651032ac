"""What the store holds, and so what every way in accepts: the API, the console, imports and
ingestion check values against these limits, so a value one of them takes, all of them take.

- **Columns.** Text that lands in a column fits it (PostgreSQL refuses longer text, SQLite
  would keep it); the lengths are read from the models, once.
- **Free text** has a size: a subject ``SUBJECT`` characters, a comment, note or handoff body
  ``BODY``, an override's reason ``REASON``, a custom field's name ``FIELD_NAME``; an event's
  ``data`` as JSON text ``EVENT_DATA`` characters; a request body ``REQUEST_BYTES`` bytes.
- **Single-line text** (a record's columns, its subject and custom fields, names, ids,
  addresses) holds no control character: a CR or LF in an owner or an email address would
  become a header line of an email. **Multi-line text** (bodies, reasons) holds line breaks and
  tabs and no other control character. Longer text belongs in comments and notes.
- **Record ids** are one URL path segment as they are: ASCII letters and digits and
  ``- . _ ~ : @ ! $ & ' ( ) * + , ; =`` (RFC 3986's unreserved characters and sub-delimiters),
  not ``.`` or ``..`` alone. No ``/``, ``%``, ``?``, ``#``, space or other character that a
  client or proxy would have to encode, decode or normalise on the way.
- **Instants** lie in the years ``EARLIEST`` to ``LATEST``: a deadline past year 9999 cannot
  be computed, nor one before year 1 stored. The window, 1900 to 2999, is wider than any
  support history and leaves room for the longest duration a policy may hold (100 years,
  ``core.durations``) on either side.

Each failure is a ``path: message`` line (``data.owner: ...``), as event validation writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from caseclock.core.events import Event, EventType, OverrideData, TaskData
from caseclock.core.record_fields import COLUMNS
from caseclock.store.models import NoteRow, ProcessRow, RecordRow, TaskRow

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)

SUBJECT = 500
BODY = 64 * 1024
REASON = 2_000
NAME = 200  # a comment's author, an override's ``by``
FIELD_NAME = 100
EVENT_DATA = 128 * 1024
REQUEST_BYTES = 2 * 1024 * 1024

RECORD_ID_SAFE = "-._~:@!$&'()*+,;="  # besides ASCII letters and digits
RECORD_ID = re.compile(f"[A-Za-z0-9{re.escape(RECORD_ID_SAFE)}]+")
# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def column_length(column: InstrumentedAttribute[Any]) -> int:
    """The length of a text column, as its model declares it."""
    kind = column.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column} is not a text column of a fixed length")
    return kind.length


# A record's columns by the data key that sets them (``created`` data and ``field`` events).
RECORD_COLUMNS: dict[str, int] = {
    name: column_length(getattr(RecordRow, "account_id" if name == "account" else name))
    for name in COLUMNS
}


def text_problem(value: str, *, limit: int, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be kept as text of at most ``limit`` characters, single-line
    unless ``multiline``; None when it can."""
    if len(value) > limit:
        return f"at most {limit} characters"
    bad = (_CONTROL_BUT_BREAKS if multiline else _CONTROL).search(value)
    if bad is not None:
        kind = "" if multiline else "single-line "
        return f"{kind}text cannot hold the control character U+{ord(bad.group()):04X}"
    return None


def record_id_problem(record_id: str) -> str | None:
    """Why ``record_id`` cannot be a record's id (see the module's text); None when it can."""
    if RECORD_ID.fullmatch(record_id) is None or record_id in (".", ".."):
        return (
            "a record id is letters, digits and - . _ ~ : @ ! $ & ' ( ) * + , ; = "
            "(no /, %, ?, #, spaces or other characters a URL would have to encode)"
        )
    return None


# Each event type's data keys with their limit and whether they may hold line breaks.
_Rule = tuple[int, bool]
_STATUS: dict[str, _Rule] = {"status": (RECORD_COLUMNS["status"], False)}
_RULES: dict[EventType, dict[str, _Rule]] = {
    EventType.CREATED: {
        **{name: (length, False) for name, length in RECORD_COLUMNS.items()},
        "subject": (SUBJECT, False),
        "process": (column_length(ProcessRow.key), False),
    },
    EventType.STATUS: _STATUS,
    EventType.CLOSED: _STATUS,
    EventType.REOPENED: _STATUS,
    EventType.PRIORITY: {"priority": (RECORD_COLUMNS["priority"], False)},
    EventType.OWNER: {
        "owner": (RECORD_COLUMNS["owner"], False),
        "team": (RECORD_COLUMNS["team"], False),
        "note": (BODY, True),
    },
    EventType.COMMENT: {"author": (NAME, False), "body": (BODY, True)},
    EventType.FIELD: {"field": (FIELD_NAME, False)},
    EventType.OVERRIDE: {
        "milestone": (column_length(ProcessRow.key), False),
        "by": (NAME, False),
        "reason": (REASON, True),
    },
    EventType.NOTE: {"author": (column_length(NoteRow.author), False), "body": (BODY, True)},
    EventType.TASK: {
        "title": (column_length(TaskRow.title), False),
        "assignee": (column_length(TaskRow.assignee), False),
    },
    EventType.CSAT: {
        "milestone": (column_length(ProcessRow.key), False),
        "comment": (BODY, True),
    },
}
# The keys of ``created`` data (and ``field`` names) that are not custom fields.
_FIELD_RULES: dict[str, _Rule] = _RULES[EventType.CREATED]


def event_problem(event: Event) -> str | None:
    """Why ``event`` cannot be kept (its first reason), or None when it can."""
    problem = _instants_problem(event) or _id_problem(event)
    if problem is not None:
        return problem
    data = event.data
    for key, (limit, multiline) in _RULES[event.type].items():
        value = data.get(key)
        if isinstance(value, str) and (
            why := text_problem(value, limit=limit, multiline=multiline)
        ):
            return f"data.{key}: {why}"
    if event.type is EventType.CREATED:
        custom = {k: v for k, v in data.items() if k not in _FIELD_RULES}
        problem = fields_problem(custom, "data")
    elif event.type is EventType.FIELD:
        problem = _field_value_problem(str(data.get("field")), data.get("value"))
    elif event.type is EventType.COMMENT:
        problem = _blank_comment(data)
    if problem is None and len(json.dumps(data)) > EVENT_DATA:
        problem = f"data: at most {EVENT_DATA} characters as JSON"
    return problem


def _instants_problem(event: Event) -> str | None:
    instants: dict[str, datetime | None] = {"at": event.at}
    if event.type in (EventType.TASK, EventType.OVERRIDE):  # data validated again: only these
        payload = event.payload()
        if isinstance(payload, TaskData):
            instants["data.due"] = payload.due
        elif isinstance(payload, OverrideData):
            instants["data.pause_until"] = payload.pause_until
    for path, instant in instants.items():
        if instant is not None and not EARLIEST <= instant < LATEST:
            return f"{path}: give an instant from {EARLIEST.year} to {LATEST.year - 1}"
    return None


def _id_problem(event: Event) -> str | None:
    why = record_id_problem(event.record)
    if why is not None:
        return f"record: {why}"
    why = text_problem(event.id, limit=len(event.id))
    return None if why is None else f"id: {why}"


def _field_value_problem(name: str, value: Any) -> str | None:
    rule = _FIELD_RULES.get(name)
    if rule is None:
        return fields_problem(value, "data.value")
    if isinstance(value, str):
        why = text_problem(value, limit=rule[0])
        return None if why is None else f"data.value: {why}"
    return None


def fields_problem(fields: Any, path: str) -> str | None:
    """Custom fields: names of at most ``FIELD_NAME`` characters, single-line text all through
    (multi-line text belongs in comments and notes)."""
    for where, text in _texts(fields, path):
        why = text_problem(text, limit=FIELD_NAME if where.endswith("#name") else len(text))
        if why is not None:
            return f"{where.removesuffix('#name')}: {why}"
    return None


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in ``value``, keys (as ``path.key#name``) included, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield f"{path}.{key}#name", str(key)
            yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")


def _blank_comment(data: Mapping[str, Any]) -> str | None:
    """A comment's body may be left out (a helpdesk may not send the text); one given blank is
    no answer to anybody, so a public one would complete a first response with nothing said."""
    body = data.get("body")
    if data.get("public") is True and isinstance(body, str) and not body.strip():
        return "data.body: a public comment's body, when given, holds text"
    return None
