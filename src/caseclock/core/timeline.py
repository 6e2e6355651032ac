"""A record's timeline: its events deduplicated and in the one order the evaluator reads them.

Compiled with the rest of the evaluator (``setup.py``); ``core.events`` holds the pydantic
envelope, which mypyc cannot compile, and imports nothing from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from caseclock.core.events import Event, EventType
from caseclock.core.instants import instant_us

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_CREATED: Final = EventType.CREATED


def timeline_key(event: Event) -> tuple[int, int, str]:
    """Order of the timeline: by occurrence, ``created`` first at a tie, then by id.

    The key depends only on the event itself, so the order never depends on arrival.
    """
    return (instant_us(event.at), 0 if event.type is _CREATED else 1, event.id)


def build_timeline(events: Iterable[Event]) -> list[Event]:
    """Deduplicate by id (the first seen wins) and order by ``timeline_key``."""
    return stamped_timeline(events)[0]


def stamped_timeline(events: Iterable[Event]) -> tuple[list[Event], list[int]]:
    """``build_timeline``, with each event's instant in UTC microseconds beside it."""
    seen: set[str] = set()
    keys: list[tuple[int, int, str]] = []
    kept: list[Event] = []
    ordered = True
    for event in events:
        key = timeline_key(event)
        if key[2] in seen:
            continue
        seen.add(key[2])
        if keys and key < keys[-1]:
            ordered = False
        keys.append(key)
        kept.append(event)
    if not ordered:  # a timeline read from the store is in order already
        order = sorted(range(len(keys)), key=keys.__getitem__)
        keys, kept = [keys[i] for i in order], [kept[i] for i in order]
    return kept, [key[0] for key in keys]
