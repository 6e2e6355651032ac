"""Policy bundles: validation with paths, nothing half-loads, round trips, the shipped example."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from caseclock.core.policy import PolicyBundle, PolicyInvalid, Process, parse_bundle
from caseclock.document_files import load_bundle
from caseclock.errors import ValidationFailed
from tests.core.evaluate_setup import B2B, B2B_PATH

MILESTONE_KEYS = [
    "first_response",
    "assignment",
    "resolution",
    "l2_dwell",
    "root_cause",
    "status_update",
    "acknowledgement",
    "customer_update",
]


def _doc() -> dict[str, Any]:
    return copy.deepcopy(B2B.model_dump(mode="json", exclude={"calendars"})) | {
        "calendars": [
            {"name": n, "timezone": "UTC", "always_open": True} for n in ("us-east", "apac", "24x7")
        ]
    }


def _errors(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(PolicyInvalid) as caught:
        parse_bundle(json.dumps(doc))
    return caught.value.errors


def test_shipped_b2b_bundle_has_the_issue_layout() -> None:
    """examples/policies/b2b.yaml holds the calendars, processes and milestone keys asked for."""
    assert [c.name for c in B2B.calendars] == ["us-east", "apac", "24x7"]
    assert list(B2B.processes) == ["platinum", "gold", "standard"]
    for process in B2B.processes.values():
        assert [m.key for m in process.milestones] == MILESTONE_KEYS
        for definition in process.milestones:
            assert definition.actions.warning.effective_share() == 0.75
            assert definition.actions.violation.do
            assert any(a.type == "set_field" for a in definition.actions.success.do)
    assert B2B.entitlement_rules.default == "standard"


def test_unknown_field_error_names_the_full_path() -> None:
    """A typo deep in a target rule is reported at its path, with the unknown key."""
    doc = _doc()
    rule = {"when": {"prio": "P1"}, "duration": "2h"}
    doc["processes"]["gold"]["milestones"][2]["target"] = {"rules": [rule], "duration": "4h"}
    assert "processes.gold.milestones[2].target.rules[0].when: unknown field 'prio'" in _errors(doc)


def test_every_error_is_reported_and_nothing_loads() -> None:
    """Two problems give two lines; the error is a ValidationFailed for the API."""
    doc = _doc()
    doc["processes"]["gold"]["milestones"][0]["target"] = "4 parsecs"
    doc["processes"]["standard"]["milestones"][1]["owner"] = "the boss"
    errors = _errors(doc)
    assert len(errors) == 2
    assert errors[0].startswith("processes.gold.milestones[0].target.duration: not a duration")
    assert errors[1].startswith("processes.standard.milestones[1]: owner is record")
    with pytest.raises(ValidationFailed):
        parse_bundle(json.dumps(doc))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["processes"]["gold"].update(calendar="mars"),
            "processes.gold: unknown calendar 'mars'",
        ),
        (
            lambda d: d["entitlement_rules"].update(default="diamond"),
            "entitlement_rules.default: unknown process 'diamond'",
        ),
        (
            lambda d: d["processes"]["gold"]["milestones"][1].update(key="first_response"),
            "processes.gold.milestones[1].key: duplicate milestone key 'first_response'",
        ),
        (
            lambda d: d["processes"]["gold"]["milestones"][0].update(
                start={"on": "milestone_completed", "milestone": "nope"}
            ),
            "processes.gold.milestones[0].start: no other milestone 'nope'",
        ),
        (
            lambda d: d["processes"]["gold"]["milestones"][2].update(pause={"on": "created"}),
            "pause is a condition on fields",
        ),
        (
            lambda d: d["processes"]["gold"]["milestones"][0].update(
                start={"field": "x", "on": "created", "all": []}
            ),
            "a condition takes exactly one of",
        ),
        (
            lambda d: d["processes"]["gold"]["milestones"][0]["actions"]["violation"].update(
                repeat_every="2bd"
            ),
            "an offset is business time",
        ),
    ],
)
def test_invalid_documents_name_what_is_wrong(mutate: Any, message: str) -> None:
    """Cross-references, duplicates, triggers where levels belong and bad offsets are refused."""
    doc = _doc()
    mutate(doc)
    assert any(message in line for line in _errors(doc)), _errors(doc)


def test_relative_milestones_waiting_in_a_circle_are_refused() -> None:
    """Two milestones that each start when the other completes can never start."""
    doc = _doc()
    ms = doc["processes"]["gold"]["milestones"]
    ms[0]["start"] = {"on": "milestone_completed", "milestone": "assignment"}
    ms[1]["start"] = {"on": "milestone_completed", "milestone": "first_response"}
    assert any("in a circle" in line for line in _errors(doc))


def test_process_round_trips_through_json() -> None:
    """The store keeps processes as JSON: dump then validate gives the same process."""
    for process in B2B.processes.values():
        dumped = json.loads(json.dumps(process.model_dump(mode="json")))
        assert Process.model_validate(dumped) == process
        assert "not_" not in json.dumps(dumped)


def test_bundle_round_trips_through_json_when_calendars_do() -> None:
    """A bundle without calendar hours (24x7 calendars) round-trips whole."""
    bundle = PolicyBundle.model_validate(_doc())
    assert PolicyBundle.model_validate(bundle.model_dump(mode="json")) == bundle


def test_yaml_on_key_stays_a_key() -> None:
    """'on:' in YAML is a trigger key, not the YAML 1.1 boolean true."""
    bundle = load_bundle(B2B_PATH)
    assert bundle.processes["gold"].milestones[0].start.on == "created"


def test_yaml_syntax_error_names_the_line() -> None:
    """Broken YAML is reported with its line and column."""
    with pytest.raises(PolicyInvalid, match=r"line \d+, column \d+: expected"):
        parse_bundle("processes:\n  gold: [unclosed\n")


@pytest.mark.parametrize("number", [".nan", ".inf", "-.inf", ".NaN"])
def test_nan_and_infinity_are_refused_where_they_stand(number: str) -> None:
    """A document is stored as JSON, which has no NaN: a NaN condition value used to vanish
    on the way (the rule then matched any tier). It is refused with its line and column."""
    text = B2B_PATH.read_text(encoding="utf-8").replace(
        "{field: tier, value: Gold}", f"{{field: tier, value: {number}}}"
    )
    assert number in text
    line = next(i for i, row in enumerate(text.splitlines(), 1) if number in row)
    with pytest.raises(PolicyInvalid, match=rf"^line {line}, column \d+: {re.escape(number)} "):
        parse_bundle(text)


def test_a_document_nested_too_deeply_is_refused() -> None:
    with pytest.raises(PolicyInvalid, match=r"^document: nested too deeply to read$"):
        parse_bundle("calendars: " + "[" * 100_000 + "\n")


def test_a_time_zone_name_too_long_for_a_file_is_unknown() -> None:
    """ZoneInfo raises OSError (file name too long) for such a name, not its usual error."""
    bundle = _doc()
    bundle["calendars"][0]["timezone"] = "Europe/" + "x" * 10_000
    with pytest.raises(PolicyInvalid, match=r"calendars\[0\]\.timezone: unknown time zone"):
        parse_bundle(json.dumps(bundle))


def test_missing_file_is_a_validation_error() -> None:
    """A path that cannot be read is one clear error."""
    with pytest.raises(PolicyInvalid, match="no such file"):
        load_bundle("/nonexistent/policy.yaml")


def test_shorthands_expand() -> None:
    """'target: 4h', 'recurrence: repeat' and 'calendar: us-east' expand to documents."""
    doc = _doc()
    definition = doc["processes"]["gold"]["milestones"][0]
    definition.update(target="4h", recurrence="independent", calendar="apac")
    loaded = PolicyBundle.model_validate(doc).processes["gold"].milestones[0]
    assert (loaded.target.duration, loaded.recurrence.mode) == ("4h", "independent")
    assert loaded.calendar is not None
    assert loaded.calendar.name == "apac"
