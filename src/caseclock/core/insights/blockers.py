"""What a record is waiting on at an instant, read from its timeline.

* **The customer**: the record's status says it waits (``Waiting for Customer``, ``Pending
  customer``), or the last public comment is an agent's question; the blocker says what was
  asked ("log files") and since when.
* **A pause**: an override paused a milestone's clock (``pause``, or ``pause_until`` a later
  instant) and nothing resumed it; the blocker gives the override's reason.
* **A task**: a task created on the record while it is open, with its assignee.
* **Another milestone**: a pending milestone whose start waits on another one's completion
  (given by the caller, who knows the policy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from caseclock.core.events import Event, EventType
from caseclock.core.insights.text import own_words, sentences

_WAITING: Final = re.compile(r"\b(?:wait\w*|pending|awaiting|on\s+hold)\b", re.IGNORECASE)
_ASKED: Final = re.compile(
    r"\b(?:send|share|provide|attach|upload|forward|confirm)\s+(?:us\s+|me\s+|over\s+)?"
    r"(?:the\s+|your\s+|a\s+|an\s+|some\s+)?([^.?!,;:\n]{3,60}?)(?:\s+(?:please|so|when|from|for)\b|[.?!,;:\n]|$)",
    re.IGNORECASE,
)
_DETAIL: Final = 80


@dataclass(frozen=True, slots=True)
class Blocker:
    kind: str  # customer, pause, task, milestone
    label: str  # "waiting on customer"
    detail: str | None  # what was asked, the pause's reason, the task's title
    since: datetime
    who: str | None = None  # the task's assignee, the override's author

    def describe(self, age: str | None = None) -> str:
        """``waiting on customer: log files, 2 days`` (``age`` already worded)."""
        text = self.label + (f": {self.detail}" if self.detail else "")
        return text + (f", {age}" if age else "")


def asked_for(body: str | None) -> str | None:
    """What an agent's comment asks the customer for: the thing to send, else its question."""
    words = own_words(body)
    match = _ASKED.search(words)
    if match is not None:
        return match.group(1).strip()
    questions = [s for s in sentences(words) if s.endswith("?")]
    chosen = questions[-1] if questions else None
    return chosen[:_DETAIL] if chosen else None


def _is_question(body: str | None) -> bool:
    return own_words(body).rstrip().endswith("?")


class _Fold:
    """The blockers' state, advanced one event at a time."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.status_since: datetime | None = None
        self.asked: tuple[datetime, str | None] | None = None  # last agent ask, unanswered
        self.question: bool = False
        self.pauses: dict[str, Blocker] = {}
        self.tasks: list[Blocker] = []
        self.closed = False

    def step(self, event: Event, at: datetime) -> None:
        data, kind = event.data, event.type
        if kind is EventType.STATUS or kind is EventType.CREATED:
            status = data.get("status")
            if isinstance(status, str) and status != self.status:
                self.status, self.status_since = status, event.at
        elif kind is EventType.COMMENT and data.get("public") is True:
            self._comment(event)
        elif kind is EventType.OVERRIDE:
            self._override(event, at)
        elif kind is EventType.TASK and isinstance(data.get("title"), str):
            assignee = data.get("assignee")
            who = assignee if isinstance(assignee, str) else None
            self.tasks.append(Blocker("task", "open task", str(data["title"]), event.at, who))
        elif kind is EventType.CLOSED:
            self.closed = True
        elif kind is EventType.REOPENED:
            self.closed = False

    def _comment(self, event: Event) -> None:
        body = event.data.get("body")
        text = body if isinstance(body, str) else None
        if event.data.get("author_role") == "agent":
            self.asked = (event.at, asked_for(text))
            self.question = _is_question(text) or self.asked[1] is not None
        elif event.data.get("author_role") == "customer":
            self.asked, self.question = None, False

    def _override(self, event: Event, at: datetime) -> None:
        data = event.data
        key = str(data.get("milestone"))
        if data.get("resume"):
            self.pauses.pop(key, None)
            return
        until = data.get("pause_until")
        if data.get("pause") or (isinstance(until, str) and datetime.fromisoformat(until) > at):
            by = data.get("by")
            self.pauses[key] = Blocker(
                "pause",
                f"{key} paused",
                str(data.get("reason") or "") or None,
                event.at,
                by if isinstance(by, str) else None,
            )

    def blockers(self, waits_on: Iterable[tuple[str, str]], at: datetime) -> list[Blocker]:
        if self.closed:
            return []
        found: list[Blocker] = []
        waiting = self.status is not None and _WAITING.search(self.status) is not None
        if waiting or self.question:
            since = self.status_since if waiting and self.status_since is not None else at
            detail = None
            if self.asked is not None:
                since = self.asked[0] if not waiting else min(since, self.asked[0])
                detail = self.asked[1]
            found.append(Blocker("customer", "waiting on customer", detail, since))
        found.extend(self.pauses.values())
        found.extend(self.tasks)
        found.extend(
            Blocker("milestone", f"{name} waits on", other, at) for name, other in waits_on
        )
        return found


def blockers_at(
    timeline: Sequence[Event], at: datetime, waits_on: Iterable[tuple[str, str]] = ()
) -> list[Blocker]:
    """What the record waits on at ``at``, from its events up to that instant (events after it
    are ignored). ``waits_on`` lists (pending milestone, the milestone it waits for)."""
    fold = _Fold()
    for event in timeline:
        if event.at > at:
            break
        fold.step(event, at)
    return fold.blockers(waits_on, at)
