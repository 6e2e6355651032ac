"""A policy preview as text: what ``policy preview`` and ``policy apply`` print."""

from __future__ import annotations

from datetime import timedelta

from caseclock.cli.simulate_render import compliance_text, when_text
from caseclock.core.durations import format_timedelta
from caseclock.core.policy_preview import PreviewSummary, Side


def _span(by: timedelta) -> str:
    return ("-" if by < timedelta(0) else "+") + format_timedelta(abs(by))


def _sides(title: str, sides: list[Side]) -> list[str]:
    width = max((len(s.label) for s in sides), default=0)
    lines = [f"  {title}:"]
    for side in sides:
        lines.append(f"    {side.label:<{width}}  before {compliance_text(side.before)}")
        lines.append(f"    {'':<{width}}  after  {compliance_text(side.after)}")
    return lines


def render_summary(s: PreviewSummary) -> str:
    """Open records first (deadlines moved, violations begun or ended, the largest moves),
    then the period's compliance per milestone and tier, before and after."""
    lines = [
        f"open records: {s.records:,} ({s.records_changed:,} changed)",
        f"deadlines: {s.earlier:,} earlier, {s.later:,} later, {s.unchanged:,} unchanged"
        + (f"; {s.no_longer_dated:,} no longer dated" if s.no_longer_dated else "")
        + (f"; {s.newly_dated:,} newly dated" if s.newly_dated else ""),
        f"newly violated: {s.newly_violated:,}; no longer violated: {s.no_longer_violated:,}",
    ]
    for flip in s.newly_violated_list[:20]:
        lines.append(f"  violated after: {flip.record} {flip.milestone} #{flip.cycle}")
    for flip in s.no_longer_violated_list[:20]:
        lines.append(f"  no longer violated: {flip.record} {flip.milestone} #{flip.cycle}")
    if s.largest:
        lines.append("largest moves:")
        lines += [
            f"  {m.record} {m.milestone} #{m.cycle}: {when_text(m.before)} -> {when_text(m.after)} "
            f"({_span(m.by)})"
            for m in s.largest
        ]
    if s.since is not None and s.until is not None and s.overall is not None:
        lines.append(
            f"compliance {s.since:%Y-%m-%d} to {s.until:%Y-%m-%d} ({s.period_records:,} records):"
        )
        lines += _sides("all", [s.overall])
        lines += _sides("by milestone", s.by_milestone)
        lines += _sides("by tier", s.by_tier)
    return "\n".join(lines)
