"""Blockers and summaries read from a timeline, up to an instant."""

from __future__ import annotations

from caseclock.core.insights.blockers import asked_for, blockers_at
from caseclock.core.insights.summary import key_sentences, summary_at
from tests.core.evaluate_setup import Timeline, at


def _case() -> Timeline:
    return (
        Timeline()
        .created("2026-03-02T09:00:00+00:00", owner="ana", team="L1")
        .add(
            "comment",
            "2026-03-02T10:00:00+00:00",
            public=True,
            author_role="agent",
            body="Thanks. Could you send us the log files from the gateway?",
        )
        .add("status", "2026-03-02T10:01:00+00:00", status="Waiting for Customer")
        .add("task", "2026-03-02T11:00:00+00:00", title="Check the retry queue", assignee="eli")
        .add(
            "override",
            "2026-03-02T12:00:00+00:00",
            milestone="resolution",
            pause=True,
            by="lee",
            reason="vendor patch pending",
        )
    )


def test_waiting_on_the_customer_says_what_was_asked_and_since_when() -> None:
    """A waiting status after an agent's request: the blocker names the thing asked for and
    counts from the request; a pause gives its reason; a task its assignee."""
    found = blockers_at(_case().events, at("2026-03-04T09:00:00+00:00"))
    assert [(b.kind, b.detail) for b in found] == [
        ("customer", "log files"),
        ("pause", "vendor patch pending"),
        ("task", "Check the retry queue"),
    ]
    assert found[0].since == at("2026-03-02T10:00:00+00:00")
    assert found[0].describe("2 days") == "waiting on customer: log files, 2 days"
    assert found[2].who == "eli"


def test_blockers_end_when_answered_resumed_or_closed() -> None:
    """The customer's answer and the status leaving the wait end the first; a resume ends the
    pause; closing the record ends them all; events after the instant are not read."""
    t = (
        _case()
        .add(
            "comment",
            "2026-03-03T09:00:00+00:00",
            public=True,
            author_role="customer",
            body="Here.",
        )
        .add("status", "2026-03-03T09:01:00+00:00", status="Investigating")
        .add(
            "override",
            "2026-03-03T10:00:00+00:00",
            milestone="resolution",
            resume=True,
            by="lee",
            reason="ok",
        )
    )
    later = blockers_at(t.events, at("2026-03-04T09:00:00+00:00"))
    assert [b.kind for b in later] == ["task"]
    assert [b.kind for b in blockers_at(t.events, at("2026-03-02T10:30:00+00:00"))] == ["customer"]
    closed = t.add("closed", "2026-03-05T09:00:00+00:00")
    assert blockers_at(closed.events, at("2026-03-06T09:00:00+00:00")) == []


def test_asked_for() -> None:
    """The thing to send, else the last question, else nothing."""
    assert asked_for("Please attach a screenshot of the error.") == "screenshot of the error"
    assert asked_for("Which version do you run?") == "Which version do you run?"
    assert asked_for("Fixed.") is None


def test_summary_merges_sentences_and_facts() -> None:
    """The summary keeps the thread's key sentences in order, the owner and team, the last
    handoff note and the blockers."""
    t = _case().add(
        "owner",
        "2026-03-03T08:00:00+00:00",
        owner="eli",
        team="L2",
        note="Promised the customer an update by Friday.",
    )
    found = summary_at(t.events, at("2026-03-04T09:00:00+00:00"))
    assert found.owner == "eli"
    assert found.team == "L2"
    assert found.handoff is not None
    assert found.handoff.note.startswith("Promised")
    assert found.sentences == ("Thanks.", "Could you send us the log files from the gateway?")
    assert [b.kind for b in found.blockers] == ["customer", "pause", "task"]


def test_key_sentences_of_a_long_thread() -> None:
    """TextRank keeps a few sentences of a long thread, in thread order, the same each time."""
    thread = [
        "The sync job fails after the upgrade.",
        "We see timeouts in the connector logs every night.",
        "Could you send the connector logs?",
        "Logs attached, the sync failure started on Monday.",
        "Root cause found in the connector retry logic.",
        "The fix for the connector retry logic is deployed.",
    ]
    picked = key_sentences(thread, words=25)
    assert 1 <= len(picked) < len(thread)
    assert list(picked) == [s for s in thread if s in picked]
    assert key_sentences(thread, words=25) == picked
