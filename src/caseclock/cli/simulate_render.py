"""Text rendering for ``caseclock simulate``: tables, explanations, the what-if comparison."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from caseclock.core.compliance import Compliance, compliance
from caseclock.core.durations import format_timedelta
from caseclock.core.explain import explain
from caseclock.core.milestones import Milestone, MilestoneState
from caseclock.core.simulation import RecordResult

_COLUMNS = ("milestone", "cycle", "state", "deadline", "elapsed", "remaining", "owner")


def when_text(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M %z")


def _span(value: timedelta | None) -> str:
    return "-" if value is None else format_timedelta(value)


def _state(m: Milestone) -> str:
    if m.state is MilestoneState.COMPLETED:
        return f"completed ({'late' if m.late else 'on time'})"
    if m.state is MilestoneState.CANCELLED and m.late:
        return "cancelled (after its deadline)"
    return m.state.value


def _row(m: Milestone) -> tuple[str, ...]:
    return (
        m.key,
        str(m.cycle),
        _state(m),
        when_text(m.deadline),
        _span(m.elapsed),
        _span(m.remaining),
        m.owner or "-",
    )


def table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    """Left-aligned columns, two spaces apart."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]


def _heading(result: RecordResult) -> str:
    if result.process is None:
        return f"{result.record}: no entitlement (no rule matched, no default): no clock runs"
    return f"{result.record}: process {result.process} v{result.version}"


def render_results(results: list[RecordResult], at: datetime) -> str:
    out = [f"at {at.isoformat()}"]
    for result in results:
        out += ["", _heading(result)]
        if result.process is None:
            continue
        out += ["  " + line for line in table([_row(m) for m in result.milestones], _COLUMNS)]
        if result.timers:
            t = result.timers[0]
            out.append(
                f"  next: {t.kind.value} of {t.milestone} (cycle {t.cycle}) at {when_text(t.at)}"
            )
    return "\n".join(out)


def render_explain(result: RecordResult) -> str:
    out = [_heading(result)]
    if result.replay is None:
        return out[0]
    for item in explain(result.replay):
        label = "notes" if item.cycle == 0 else f"cycle {item.cycle}"
        out += ["", f"{item.key} ({item.title}), {label}"]
        out += [f"  {line.text}" for line in item.lines]
    return "\n".join(out)


def _rate(c: Compliance) -> str:
    return "-" if c.rate is None else f"{c.rate:.0%}"


def compliance_text(c: Compliance) -> str:
    return f"{_rate(c)} ({c.on_time} on time, {c.late} late, {c.violated} violated, {c.open} open)"


def render_what_if(
    current: list[RecordResult], other: list[RecordResult], name: str, other_name: str
) -> str:
    """Both evaluations side by side, milestone by milestone, and the compliance difference."""
    header = (
        "record",
        "milestone",
        "cycle",
        f"state: {name}",
        "deadline",
        f"state: {other_name}",
        "deadline",
    )
    rows = []
    for a, b in zip(current, other, strict=True):
        theirs = {(m.key, m.cycle): m for m in b.milestones}
        ours = {(m.key, m.cycle): m for m in a.milestones}
        for key in sorted(ours.keys() | theirs.keys(), key=lambda k: (k[0], k[1])):
            x, y = ours.get(key), theirs.get(key)
            rows.append(
                (
                    a.record,
                    key[0],
                    str(key[1]),
                    _state(x) if x else "-",
                    when_text(x.deadline if x else None),
                    _state(y) if y else "-",
                    when_text(y.deadline if y else None),
                )
            )
    c1 = compliance(m for r in current for m in r.milestones)
    c2 = compliance(m for r in other for m in r.milestones)
    out = table(rows, header)
    out += [
        "",
        f"compliance {name}: {compliance_text(c1)}",
        f"compliance {other_name}: {compliance_text(c2)}",
    ]
    if c1.rate is not None and c2.rate is not None:
        out.append(f"difference: {(c2.rate - c1.rate) * 100:+.1f} points")
    return "\n".join(out)
