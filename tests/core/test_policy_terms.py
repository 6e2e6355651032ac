"""What a process listens for, read off its definitions: statuses, fields, manual completion."""

from __future__ import annotations

from typing import Any

from caseclock.core.policy import Process
from caseclock.core.policy_terms import FieldTerm, ManualCompletion, fields, manual_completion
from caseclock.core.policy_terms import statuses as named_statuses


def process(*milestones: dict[str, Any], closed: tuple[str, ...] = ("Closed",)) -> Process:
    return Process.model_validate(
        {
            "key": "p",
            "name": "P",
            "calendar": "24x7",
            "closed_statuses": list(closed),
            "milestones": list(milestones),
        }
    )


def milestone(key: str, complete: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"key": key, "start": {"on": "created"}, "complete": complete, "target": "4h", **extra}


def test_statuses_in_order_of_appearance_closed_ones_last() -> None:
    """Statuses from the conditions (in the order a definition lists them: start, complete,
    pause) and set_status actions, then the closed statuses not named before."""
    found = named_statuses(
        process(
            milestone(
                "a",
                {"on": "status_enters", "value": ["Investigating", "Testing"]},
                pause={"field": "status", "value": "Waiting"},
                actions={"violation": {"do": [{"type": "set_status", "status": "Escalated"}]}},
            ),
            closed=("Resolved", "Closed"),
        )
    )
    assert found == ("Investigating", "Testing", "Waiting", "Escalated", "Resolved", "Closed")


def test_fields_flags_choices_and_free_text() -> None:
    """A field only ever set or cleared is a flag; compared values become choices; a level
    without a value is free text; priority comes first; status and owner have their own forms."""
    found = fields(
        process(
            milestone(
                "dwell",
                {"on": "field_cleared", "field": "l2_escalated"},
                start={"on": "field_set", "field": "l2_escalated"},
            ),
            milestone("rca", {"field": "root_cause", "op": "is_set"}),
            milestone(
                "p1",
                {"field": "owner", "op": "is_set"},
                applies_when={"field": "priority", "op": "in", "value": ["P1", "P2"]},
            ),
        )
    )
    assert found == (
        FieldTerm("priority", ("P1", "P2"), flag=False),
        FieldTerm("l2_escalated", (), flag=True),
        FieldTerm("root_cause", (), flag=False),
    )


def test_manual_completion_only_for_one_writable_field_event() -> None:
    """Cleared flag -> clear it; set flag -> set it to yes; a field equal to a value -> that
    value; a reply, a status or a free-text level cannot be written as one field event."""
    cases: dict[str, tuple[dict[str, Any], ManualCompletion | None]] = {
        "cleared": ({"on": "field_cleared", "field": "l2"}, ManualCompletion("l2", None)),
        "set": ({"on": "field_set", "field": "signed"}, ManualCompletion("signed", True)),
        "equal": ({"field": "stage", "value": "done"}, ManualCompletion("stage", "done")),
        "reply": ({"on": "comment", "public": True}, None),
        "status": ({"field": "status", "value": "Closed"}, None),
        "text": ({"field": "root_cause", "op": "is_set"}, None),
    }
    built = process(*(milestone(key, cond) for key, (cond, _) in cases.items()))
    for definition in built.milestones:
        assert manual_completion(definition) == cases[definition.key][1], definition.key
