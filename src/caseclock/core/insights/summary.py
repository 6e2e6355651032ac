"""The handoff summary of a record: the thread's key sentences and the facts beside them.

The sentences are extractive: TextRank (``summa``, pure Python with its own stop words and
stemmer, no downloaded data) ranks the sentences of the public comments and internal notes,
and the best few are kept in the order they were written. The facts (owner, team, the last
handoff note, what the record waits on) are read from the timeline, never inferred. A provider
configured by an admin may write prose instead; ``services/insights`` falls back to this.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from summa.summarizer import summarize

from caseclock.core.events import Event, EventType
from caseclock.core.insights.blockers import Blocker, blockers_at
from caseclock.core.insights.reasons import span
from caseclock.core.insights.text import own_words, sentences

SUMMARY_WORDS: Final = 60  # about three sentences
_SHORT: Final = 3  # a thread of this many sentences or fewer is kept whole


@dataclass(frozen=True, slots=True)
class Handoff:
    at: datetime
    to: str | None
    note: str


@dataclass(frozen=True, slots=True)
class Summary:
    sentences: tuple[str, ...]
    owner: str | None
    team: str | None
    handoff: Handoff | None
    blockers: tuple[Blocker, ...]

    def source_text(self) -> str:
        """The thread's key sentences as one text (what a provider is given besides facts)."""
        return " ".join(self.sentences)

    def fact_lines(self, now: datetime, due_next: tuple[str, datetime] | None = None) -> list[str]:
        """The facts read from the timeline, one line each, instants in UTC: who owns it, the
        last handoff note, what is due next (``due_next``: a milestone's name and deadline),
        what it waits on."""
        owner = self.owner or "nobody"
        lines = [f"Owner: {owner}" + (f" (team {self.team})" if self.team else "")]
        if self.handoff is not None:
            lines.append(f"Last handoff note ({_utc(self.handoff.at)}): {self.handoff.note}")
        if due_next is not None:
            lines.append(f"Due next: {due_next[0]}, {_utc(due_next[1])}")
        lines.extend(f"Waiting on: {b.describe(_age(now - b.since))}" for b in self.blockers)
        return lines

    def text(self, now: datetime, due_next: tuple[str, datetime] | None = None) -> str:
        """The extractive summary as plain text: the facts, then the thread's key sentences."""
        lines = self.fact_lines(now, due_next)
        if self.sentences:
            lines.append("Thread: " + self.source_text())
        return "\n".join(lines)


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _age(elapsed: timedelta) -> str:
    return span(max(0.0, elapsed.total_seconds()))


def thread_text(timeline: Sequence[Event], at: datetime) -> list[str]:
    """The sentences of the public comments and notes written up to ``at``, in order."""
    found: list[str] = []
    for event in timeline:
        if event.at > at:
            break
        if event.type is EventType.COMMENT or event.type is EventType.NOTE:
            body = event.data.get("body")
            if isinstance(body, str):
                found.extend(sentences(own_words(body)))
    return found


def key_sentences(thread: Sequence[str], words: int = SUMMARY_WORDS) -> tuple[str, ...]:
    """TextRank's best sentences of ``thread`` (about ``words`` words), in thread order; a
    short thread is kept whole, a thread TextRank cannot rank gives its last sentences."""
    if len(thread) <= _SHORT:
        return tuple(thread)
    with warnings.catch_warnings():  # summa warns on threads it cannot rank; handled below
        warnings.simplefilter("ignore")
        picked = summarize("\n".join(thread), words=words, split=True)
    chosen = [s for s in picked if isinstance(s, str) and s.strip()]
    return tuple(chosen) if chosen else tuple(thread[-_SHORT:])


def summary_at(
    timeline: Sequence[Event], at: datetime, waits_on: Sequence[tuple[str, str]] = ()
) -> Summary:
    """The summary of a record at ``at`` from its events up to then."""
    owner: str | None = None
    team: str | None = None
    handoff: Handoff | None = None
    for event in timeline:
        if event.at > at:
            break
        data = event.data
        if event.type is EventType.CREATED or event.type is EventType.OWNER:
            owner = _text(data.get("owner")) if "owner" in data else owner
            team = _text(data.get("team")) if "team" in data else team
            note = data.get("note")
            if event.type is EventType.OWNER and isinstance(note, str) and note.strip():
                handoff = Handoff(event.at, owner, note.strip())
    return Summary(
        sentences=key_sentences(thread_text(timeline, at)),
        owner=owner,
        team=team,
        handoff=handoff,
        blockers=tuple(blockers_at(timeline, at, waits_on)),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
