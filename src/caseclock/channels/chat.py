"""Chat notifications: a Slack-compatible incoming-webhook message, posted like any webhook.

The message has a plain ``text`` (what notifications and Slack-compatible servers that ignore
blocks show) and ``blocks``: a section with the headline and details, and a section with the
console link. Chat endpoints are unsigned (incoming webhooks authenticate by their secret URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from caseclock.channels.outcome import DeliveryOutcome
from caseclock.channels.payloads import Trigger, console_link, encode_json, record_summary
from caseclock.channels.webhook import DEFAULT_TIMEOUT, post_json
from caseclock.channels.wording import TITLES, time_left, utc_time
from caseclock.core.milestones import Milestone

LINK_LABEL = "Open in caseclock"


def chat_message(
    trigger: Trigger,
    record: Mapping[str, object],
    milestone: Milestone | None,
    console_url: str,
) -> dict[str, Any]:
    """The message for one trigger; ``milestone`` is None for an escalation rule."""
    summary = record_summary(record)
    subject = milestone.name if milestone is not None else f"rule {trigger.rule or '?'}"
    headline = f"{TITLES[trigger.kind]}: {subject} on {summary['type'] or 'record'} {summary['id']}"
    details = " · ".join(
        str(summary[name])
        for name in ("account", "tier", "priority", "owner", "team")
        if summary[name] is not None
    )
    timing = ""
    if milestone is not None:
        deadline = (
            "" if milestone.deadline is None else f"deadline {utc_time(milestone.deadline)}, "
        )
        timing = deadline + time_left(milestone)
    if trigger.late:
        timing = f"{timing} (fired late, after downtime)".strip()
    link = console_link(console_url, str(summary["id"]))
    anchor = f"<{link}|{LINK_LABEL}>"
    lines = [f"*{escape(headline)}*", escape(details), escape(timing)]
    body = "\n".join(line for line in lines if line)
    text = escape(headline) + (f". {escape(timing)}" if timing else "")
    return {
        "text": f"{text} {anchor}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
            {"type": "section", "text": {"type": "mrkdwn", "text": anchor}},
        ],
    }


def deliver_chat(
    client: httpx.Client,
    *,
    url: str,
    message: Mapping[str, Any],
    key: str,
    now: datetime,
    timeout: float = DEFAULT_TIMEOUT,
    allow_private: bool = False,
) -> DeliveryOutcome:
    """POST ``message`` to a Slack-compatible incoming webhook URL."""
    return post_json(
        client,
        url,
        encode_json(message),
        key=key,
        now=now,
        timeout=timeout,
        allow_private=allow_private,
    )


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
