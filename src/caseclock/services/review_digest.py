"""A review in words: one line per item (the same on the page, in the email and in chat), the
email's template context and the chat message, and who receives a team's digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from caseclock.channels.chat import escape
from caseclock.channels.payloads import console_link
from caseclock.channels.wording import local_time
from caseclock.core.compliance import Compliance
from caseclock.core.durations import format_timedelta
from caseclock.services.csat import CsatSlice
from caseclock.services.directory import Directory
from caseclock.services.reviews import Item, Review
from caseclock.store.models import TeamRow
from caseclock.store.repositories.outbox import EndpointRepository

SECTIONS_IN_CHAT = ("violated", "at_risk", "decide")


def satisfaction(answers: CsatSlice) -> str:
    """CSAT in words: ``80% satisfied (4 of 5 answers)``, or ``no answers``."""
    if answers.rate is None:
        return "no answers"
    return f"{answers.rate:.0%} satisfied ({answers.satisfied} of {answers.answers} answers)"


def rate(counts: Compliance) -> str:
    """``87% (26 of 30)``, or ``no milestone decided``."""
    if counts.rate is None:
        return "no milestone decided"
    return f"{counts.rate:.0%} ({counts.on_time} of {counts.decided})"


def _when(value: datetime | None, zone: tzinfo) -> str:
    return "—" if value is None else local_time(value, zone)


def item_words(item: Item, section: str, review: Review, zone: tzinfo | None = None) -> str:
    """What a lead needs to read about one item, after its record id, with instants on the
    wall clock of ``zone`` (the reader's; by default the team's)."""
    row, zone = item.row, zone or review.zone
    parts = [row.name + (f" (cycle {row.cycle})" if row.cycle > 1 else "")]
    if section in ("violated", "decide", "at_risk"):
        parts.append(f"due {_when(row.deadline, zone)}")
    elif section == "late":
        parts.append(f"due {_when(row.deadline, zone)}, done {_when(row.completed_at, zone)}")
    elif section == "stalled":
        parts.append(f"no activity since {_when(row.last_activity, zone)}")
    elif section == "paused" and item.held is not None:
        held = item.held
        since = ""
        if held.since is not None:
            long = format_timedelta(review.now - held.since)
            since = f" for {long} (since {_when(held.since, zone)})"
        parts.append(f"held by {held.by or 'nobody named'}: {held.why}{since}")
    details = [
        f"owner {row.owner}" if row.owner else "no owner",
        *(v for v in (row.tier, row.account_id, row.subject) if v),
    ]
    return ", ".join(parts) + " · " + ", ".join(details)


def review_link(console_url: str, review: Review) -> str:
    base = console_url.rstrip("/")
    return (
        f"{base}/reviews/{quote(review.team, safe='')}?cadence={review.cadence.value}"
        f"&until={quote(review.period.end.isoformat(), safe='')}"
    )


def email_context(review: Review, console_url: str) -> dict[str, Any]:
    """What the ``review`` email templates read."""
    sections = []
    for section in review.sections:
        items = [
            {
                "record_id": item.row.record_id,
                "words": item_words(item, section.key, review),
                "text": f"{item.row.record_id} {item_words(item, section.key, review)}",
                "link": console_link(console_url, item.row.record_id),
                "mark": None if item.mark is None else {"by": item.mark.by, "note": item.mark.note},
            }
            for item in section.items
        ]
        more = section.total - len(items)
        sections.append(
            {"title": section.title, "total": section.total, "entries": items, "more": more}
        )
    return {
        "team": review.team,
        "cadence": review.cadence.value,
        "tiers": ", ".join(sorted(review.tiers)) if review.tiers else "",
        "since": local_time(review.period.start, review.zone),
        "until": local_time(review.period.end, review.zone),
        "compliance": rate(review.compliance),
        "previous": rate(review.previous),
        "csat": satisfaction(review.csat),
        "previous_csat": satisfaction(review.previous_csat),
        "counts": {
            "violated": review.section("violated").total,
            "at_risk": review.section("at_risk").total,
        },
        "sections": sections,
        "notes": [
            {
                "record_id": n.record_id,
                "milestone": n.milestone,
                "note": n.note,
                "by": n.by,
                "at": local_time(n.at, review.zone),
            }
            for n in review.notes
        ],
        "link": review_link(console_url, review),
    }


def chat_message(review: Review, console_url: str) -> dict[str, Any]:
    """A Slack-compatible message: the counts, the worst items of the sections that need
    acting on, and the link to the review."""
    head = (
        f"*{review.cadence.value.capitalize()} milestone review, team {escape(review.team)}*: "
        f"compliance {rate(review.compliance)} (previous {rate(review.previous)}), "
        f"CSAT {satisfaction(review.csat)}"
    )
    lines = [head]
    for key in SECTIONS_IN_CHAT:
        section = review.section(key)
        lines.append(f"{escape(section.title)}: {section.total}")
        lines.extend(
            f"• {escape(item.row.record_id)} {escape(item_words(item, key, review))}"
            for item in section.items[:5]
        )
    anchor = f"<{review_link(console_url, review)}|Open the review>"
    return {
        "text": f"{head} {anchor}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": anchor}},
        ],
    }


def targets(
    session: Session,
    team: TeamRow,
    directory: Directory,
    recipients: Sequence[str] | None = None,
) -> tuple[list[str], str | None]:
    """Where a team's digest goes: the addresses of its leads and its own address (or the
    ``recipients`` its schedule names instead), and the URL of its chat endpoint (None
    without one)."""
    found: list[str | None] = list(recipients or ())
    if recipients is None:
        found = [directory.address(h) for h in directory.team_leads(team.name)]
        found.append(team.email)
    endpoint = EndpointRepository(session).get(team.chat_endpoint) if team.chat_endpoint else None
    return sorted({a for a in found if a}), None if endpoint is None else endpoint.url
