"""Chat notifications: the Slack-compatible message, posted to a real local receiver."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx

from caseclock.channels.chat import chat_message, deliver_chat
from caseclock.channels.outcome import DeliveryStatus
from caseclock.channels.payloads import TriggerKind
from caseclock.core.milestones import MilestoneState
from tests.worker.samples import CONSOLE, KEY, NOW, milestone, record, trigger
from tests.worker.servers import Receiver, Reply

LINK = "<https://sla.example.com/console/records/C-1042|Open in caseclock>"


def test_gold_breach_posts_to_the_monitoring_channel(
    client: httpx.Client, receiver: Receiver
) -> None:
    """A Gold milestone violation reaches the incoming webhook as text plus blocks."""
    violated = milestone(state=MilestoneState.VIOLATED, remaining=timedelta(minutes=-20))
    message = chat_message(trigger(TriggerKind.VIOLATION), record(), violated, CONSOLE)
    outcome = deliver_chat(
        client, url=receiver.url, message=message, key=KEY, now=NOW, allow_private=True
    )
    assert outcome.status is DeliveryStatus.DELIVERED
    [request] = receiver.received
    assert request.headers["Idempotency-Key"] == KEY
    assert json.loads(request.body) == {
        "text": "Milestone violated: First response on case C-1042. deadline Tue 24 Nov 2026 "
        f"16:30 UTC, overdue by 20m of business time {LINK}",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Milestone violated: First response on case C-1042*\n"
                    "ShieldGuard Security · Gold · P1 · ana · L1\n"
                    "deadline Tue 24 Nov 2026 16:30 UTC, overdue by 20m of business time",
                },
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": LINK}},
        ],
    }


def test_chat_errors_are_classified_like_webhooks(client: httpx.Client, receiver: Receiver) -> None:
    """Slack answers 404 no_service for a deleted webhook: permanent, with its words."""
    receiver.script(Reply(404, b"no_service"))
    message = chat_message(trigger(), record(), milestone(), CONSOLE)
    outcome = deliver_chat(
        client, url=receiver.url, message=message, key=KEY, now=NOW, allow_private=True
    )
    assert (outcome.status, outcome.reason) == (DeliveryStatus.PERMANENT, "HTTP 404: no_service")


def test_mrkdwn_control_characters_are_escaped() -> None:
    """An account named with <, > and & cannot inject links or mentions."""
    message = chat_message(trigger(), record(account="<!channel> & Co"), milestone(), CONSOLE)
    assert "&lt;!channel&gt; &amp; Co" in message["blocks"][0]["text"]["text"]


def test_escalation_message_names_the_rule_and_late_firing() -> None:
    """Without a milestone the headline names the rule; a late trigger says so."""
    fired = trigger(TriggerKind.ESCALATION, rule="gold-stale-8h", late=True)
    message = chat_message(fired, record(), None, CONSOLE)
    assert message["text"] == (
        "Escalation: rule gold-stale-8h on case C-1042. (fired late, after downtime) " + LINK
    )
