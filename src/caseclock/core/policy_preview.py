"""What a policy change would do: one record's milestones before and after, tallied.

Pure: the caller evaluates each record twice (under the policy in force and under the
proposed one, at the same instant, from the same timeline) and hands both lists here, record
by record, so a preview of 100,000 records streams in constant memory. ``PreviewTally``
counts, for the open records, every deadline moved earlier or later or left unchanged (a
cycle is matched by its milestone key and cycle number), keeps the ``TOP`` largest moves, and
lists the milestones that become violated or stop being violated at ``now``; and, for the
chosen period, compliance per milestone and per tier before and after, counted as the
reports count it (``core.compliance``; a cycle is in the period as ``ReportRepository``
selects it: ended in it, due in it while open, or breached in it).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from caseclock.core.compliance import Compliance
from caseclock.core.milestones import Basis, Milestone, MilestoneState
from caseclock.core.standing import state_at

TOP = 20
LISTED = 100  # the most newly violated / no longer violated milestones listed by name
NO_TIER = "(none)"


@dataclass(frozen=True, slots=True)
class Move:
    """One cycle's deadline before and after; ``by`` is after minus before."""

    record: str
    milestone: str
    cycle: int
    before: datetime
    after: datetime

    @property
    def by(self) -> timedelta:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Flip:
    """A milestone whose violation at ``now`` the change would begin or end."""

    record: str
    milestone: str
    cycle: int


@dataclass(frozen=True, slots=True)
class Side:
    """Compliance of one slice (a milestone or a tier) before and after."""

    label: str
    before: Compliance
    after: Compliance


@dataclass(slots=True)
class PreviewSummary:
    records: int = 0  # open records looked at
    records_changed: int = 0  # open records with at least one milestone changed
    earlier: int = 0
    later: int = 0
    unchanged: int = 0
    no_longer_dated: int = 0  # had a deadline, has none after (held, ended or gone)
    newly_dated: int = 0  # had none, has one after
    largest: list[Move] = field(default_factory=list)
    newly_violated: int = 0
    no_longer_violated: int = 0
    newly_violated_list: list[Flip] = field(default_factory=list)
    no_longer_violated_list: list[Flip] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    period_records: int = 0
    by_milestone: list[Side] = field(default_factory=list)
    by_tier: list[Side] = field(default_factory=list)
    overall: Side | None = None

    def brief(self) -> dict[str, Any]:
        """The counts, as the audit trail keeps them with an apply or a migration."""
        return {
            "records": self.records,
            "records_changed": self.records_changed,
            "earlier": self.earlier,
            "later": self.later,
            "unchanged": self.unchanged,
            "no_longer_dated": self.no_longer_dated,
            "newly_dated": self.newly_dated,
            "newly_violated": self.newly_violated,
            "no_longer_violated": self.no_longer_violated,
        }


_STATES = {str(state): state for state in MilestoneState}
_BASES = {str(basis): basis for basis in Basis}
# A stored milestone row as a preview reads it: key, name, cycle, state, calendar, started_at,
# deadline, completed_at, late, violated_at, basis.
StoredCycle = tuple[
    str,
    str,
    int,
    str,
    str | None,
    datetime | None,
    datetime | None,
    datetime | None,
    bool | None,
    datetime | None,
    str,
]


def stored_milestone(values: StoredCycle, *, now: datetime) -> Milestone:
    """A stored milestone row as it stands at ``now`` (``core.standing.state_at``: a running
    row past its deadline is violated, first at its deadline), as reports read it."""
    (
        key,
        name,
        cycle,
        state,
        calendar,
        started_at,
        deadline,
        completed_at,
        late,
        violated_at,
        basis,
    ) = values
    found = state_at(_STATES[state], deadline, now)
    if found is MilestoneState.VIOLATED and violated_at is None:
        violated_at = deadline
    return Milestone(
        key,
        name,
        cycle,
        found,
        calendar=calendar,
        started_at=started_at,
        deadline=deadline,
        completed_at=completed_at,
        late=late,
        violated_at=violated_at,
        basis=_BASES[basis],
    )


def in_period(m: Milestone, since: datetime, until: datetime) -> bool:
    """Whether a report of ``[since, until)`` counts this cycle."""
    completed = m.completed_at
    if completed is not None and since <= completed < until:
        return True
    violated = m.violated_at
    if violated is not None and since <= violated < until:
        return True
    deadline = m.deadline
    return completed is None and deadline is not None and since <= deadline < until


def as_migrated(
    before: Sequence[Milestone], after: Sequence[Milestone], at: datetime
) -> list[Milestone]:
    """A migrated record's milestones: ``after`` (its timeline under the new version), but a
    cycle decided by ``at`` (completed then) keeps its ``before`` values while the new version
    finds it decided too (or lacks it); the store keeps such rows (``kept_version``)."""
    kept = {
        (m.key, m.cycle): m for m in before if m.completed_at is not None and m.completed_at <= at
    }
    result = []
    for m in after:
        old = kept.pop((m.key, m.cycle), None)
        result.append(old if old is not None and m.completed_at is not None else m)
    return result + list(kept.values())


_COMPLETED: Final = MilestoneState.COMPLETED
_VIOLATED: Final = MilestoneState.VIOLATED
_RUNNING: Final = MilestoneState.RUNNING
_PAUSED: Final = MilestoneState.PAUSED
_CANCELLED: Final = MilestoneState.CANCELLED
_OPEN: Final = frozenset({_RUNNING, _PAUSED, _VIOLATED})


def _outcome(m: Milestone) -> int:
    """Where ``core.compliance`` counts a cycle: on time, late, violated, open, other (0-4)."""
    breached = bool(m.late) or m.violated_at is not None
    state = m.state
    if state is _COMPLETED:
        return 1 if breached else 0
    if state is _VIOLATED:
        return 2
    if state is _RUNNING or state is _PAUSED:
        return 2 if breached else 3
    if state is _CANCELLED and breached:
        return 1
    return 4


class PreviewTally:
    """Accumulates records' before/after milestones into a ``PreviewSummary``.

    Compliance is counted cycle by cycle into five counters per slice and side (what
    ``core.compliance`` counts), so a record costs a few increments. ``state`` and
    ``restore`` carry the open records' part across transactions (a migration's batches)."""

    def __init__(self, *, since: datetime, until: datetime, top: int = TOP) -> None:
        self._summary = PreviewSummary(since=since, until=until)
        self._since, self._until = since, until
        self._top = top
        # a min-heap on |by| of the largest moves; the counter keeps equal sizes apart
        self._heap: list[tuple[float, int, Move]] = []
        self._seen = 0
        # label -> [before, after] counters (on time, late, violated, open, other)
        self._period: dict[str, list[list[int]]] = {}
        self._tiers: dict[str, list[list[int]]] = {}
        self._all = [[0] * 5, [0] * 5]

    def add_open(
        self, record: str, before: Sequence[Milestone], after: Sequence[Milestone]
    ) -> None:
        """One open record: its deadlines and violations before and after."""
        s = self._summary
        s.records += 1
        if before is after:
            s.unchanged += sum(1 for m in before if m.state in _OPEN and m.deadline is not None)
            return
        was = {(m.key, m.cycle): m for m in before}
        now_ = {(m.key, m.cycle): m for m in after}
        changed = False
        for cycle_key in sorted(was.keys() | now_.keys()):
            old, new = was.get(cycle_key), now_.get(cycle_key)
            if not _is_open(old) and not _is_open(new):
                continue
            changed |= self._compare(record, cycle_key, old, new)
        s.records_changed += changed

    def _compare(
        self,
        record: str,
        cycle_key: tuple[str, int],
        old: Milestone | None,
        new: Milestone | None,
    ) -> bool:
        s = self._summary
        key, cycle = cycle_key
        old_deadline = old.deadline if old is not None else None
        new_deadline = new.deadline if new is not None else None
        if old_deadline is not None and new_deadline is not None:
            if new_deadline < old_deadline:
                s.earlier += 1
            elif new_deadline > old_deadline:
                s.later += 1
            else:
                s.unchanged += 1
            if new_deadline != old_deadline:
                self._keep(Move(record, key, cycle, old_deadline, new_deadline))
        elif old_deadline is not None:
            s.no_longer_dated += 1
        elif new_deadline is not None:
            s.newly_dated += 1
        was_violated = old is not None and old.state is _VIOLATED
        is_violated = new is not None and new.state is _VIOLATED
        if is_violated and not was_violated:
            s.newly_violated += 1
            if len(s.newly_violated_list) < LISTED:
                s.newly_violated_list.append(Flip(record, key, cycle))
        elif was_violated and not is_violated:
            s.no_longer_violated += 1
            if len(s.no_longer_violated_list) < LISTED:
                s.no_longer_violated_list.append(Flip(record, key, cycle))
        return (
            old_deadline != new_deadline
            or was_violated != is_violated
            or ((old is None) != (new is None))
        )

    def _keep(self, move: Move) -> None:
        size = abs(move.by.total_seconds())
        self._seen += 1
        entry = (size, -self._seen, move)
        if len(self._heap) < self._top:
            heapq.heappush(self._heap, entry)
        elif size > self._heap[0][0]:
            heapq.heapreplace(self._heap, entry)

    def add_period(
        self, tier: str | None, before: Iterable[Milestone], after: Iterable[Milestone]
    ) -> None:
        """One record's cycles in the period, before and after (others are skipped here);
        ``after`` may be ``before`` itself when the change leaves the record as it is."""
        since, until = self._since, self._until
        kept = [m for m in before if in_period(m, since, until)]
        made = kept if after is before else [m for m in after if in_period(m, since, until)]
        if not kept and not made:
            return
        self._summary.period_records += 1
        tiers = self._tiers.get(tier or NO_TIER)
        if tiers is None:
            tiers = self._tiers[tier or NO_TIER] = [[0] * 5, [0] * 5]
        for side, items in ((0, kept), (1, made)):
            every, of_tier = self._all[side], tiers[side]
            for m in items:
                outcome = _outcome(m)
                every[outcome] += 1
                of_tier[outcome] += 1
                label = m.name or m.key
                sides = self._period.get(label)
                if sides is None:
                    sides = self._period[label] = [[0] * 5, [0] * 5]
                sides[side][outcome] += 1

    def state(self) -> dict[str, Any]:
        """The open records' part so far, as JSON (``restore`` takes it back)."""
        s = self._summary
        return {
            **s.brief(),
            "largest_moves": [_move_json(move) for _, _, move in sorted(self._heap, reverse=True)],
            "newly_violated_list": [_flip_json(f) for f in s.newly_violated_list],
            "no_longer_violated_list": [_flip_json(f) for f in s.no_longer_violated_list],
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Carry on from ``state`` (what ``state`` gave; counts missing from it are 0)."""
        s = self._summary
        for name in s.brief():
            setattr(s, name, int(state.get(name, 0)))
        for move in state.get("largest_moves", []):
            self._keep(
                Move(
                    move["record"],
                    move["milestone"],
                    move["cycle"],
                    datetime.fromisoformat(move["before"]),
                    datetime.fromisoformat(move["after"]),
                )
            )
        s.newly_violated_list = [_flip(f) for f in state.get("newly_violated_list", [])]
        s.no_longer_violated_list = [_flip(f) for f in state.get("no_longer_violated_list", [])]

    def summary(self) -> PreviewSummary:
        s = self._summary
        s.largest = [move for _, _, move in sorted(self._heap, reverse=True)]
        s.by_milestone = _sides(self._period)
        s.by_tier = _sides(self._tiers)
        s.overall = Side("all", Compliance(*self._all[0]), Compliance(*self._all[1]))
        return s


def _is_open(m: Milestone | None) -> bool:
    return m is not None and m.state in (
        MilestoneState.RUNNING,
        MilestoneState.PAUSED,
        MilestoneState.VIOLATED,
    )


def _sides(groups: dict[str, list[list[int]]]) -> list[Side]:
    return [
        Side(label, Compliance(*before), Compliance(*after))
        for label, (before, after) in sorted(groups.items(), key=lambda item: item[0].lower())
    ]


def _compliance_json(c: Compliance) -> dict[str, Any]:
    return {
        "on_time": c.on_time,
        "late": c.late,
        "violated": c.violated,
        "open": c.open,
        "rate": c.rate,
    }


def _side_json(side: Side) -> dict[str, Any]:
    return {
        "label": side.label,
        "before": _compliance_json(side.before),
        "after": _compliance_json(side.after),
    }


def _flip_json(flip: Flip) -> dict[str, Any]:
    return {"record": flip.record, "milestone": flip.milestone, "cycle": flip.cycle}


def _flip(found: Mapping[str, Any]) -> Flip:
    return Flip(found["record"], found["milestone"], int(found["cycle"]))


def _move_json(m: Move) -> dict[str, Any]:
    return {
        "record": m.record,
        "milestone": m.milestone,
        "cycle": m.cycle,
        "before": m.before.isoformat(),
        "after": m.after.isoformat(),
        "by_seconds": m.by.total_seconds(),
    }


def summary_to_json(s: PreviewSummary) -> dict[str, Any]:
    """The one JSON shape of a preview (API and ``policy preview --json``)."""
    return {
        **s.brief(),
        "largest_moves": [_move_json(m) for m in s.largest],
        "newly_violated_list": [_flip_json(f) for f in s.newly_violated_list],
        "no_longer_violated_list": [_flip_json(f) for f in s.no_longer_violated_list],
        "period": {
            "since": s.since.isoformat() if s.since else None,
            "until": s.until.isoformat() if s.until else None,
            "records": s.period_records,
            "overall": _side_json(s.overall) if s.overall else None,
            "by_milestone": [_side_json(x) for x in s.by_milestone],
            "by_tier": [_side_json(x) for x in s.by_tier],
        },
    }
