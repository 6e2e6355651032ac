"""A bundle's scope over the rules in force: left alone, merged, or replaced, and said so."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from caseclock.core.json_numbers import strict_loads
from caseclock.core.policy import EntitlementRules, PolicyInvalid, parse_bundle
from caseclock.core.policy_scope import (
    merge_entitlement_rules,
    merge_escalation_rules,
    uncovered,
)

AT = datetime(2026, 3, 9, tzinfo=UTC)
IN_FORCE = EntitlementRules.model_validate(
    {
        "rules": [
            {"when": {"field": "tier", "value": "Platinum"}, "process": "platinum"},
            {"when": {"field": "tier", "value": "Gold"}, "process": "gold"},
        ],
        "default": "standard",
    }
)


def _rules(document: dict[str, object]) -> EntitlementRules:
    return EntitlementRules.model_validate(document)


def test_rules_without_replace_go_first_and_leave_the_others() -> None:
    """The account example's one rule is tried first; the tier rules and default stay."""
    given = _rules({"rules": [{"when": {"field": "type", "value": "account"}, "process": "life"}]})
    merged, changes = merge_entitlement_rules(IN_FORCE, given, default_given=False)
    assert [r.process for r in merged.rules] == ["life", "platinum", "gold"]
    assert merged.default == "standard"
    assert changes.added == ['when {"field":"type","value":"account"} -> life']
    assert changes.replaced == []
    assert len(changes.left) == 3  # two rules and the default


def test_a_rule_on_the_same_condition_replaces_the_one_in_force() -> None:
    """Same ``when``, another process: replaced in place of the old one, not doubled."""
    given = _rules({"rules": [{"when": {"field": "tier", "value": "Gold"}, "process": "gold2"}]})
    merged, changes = merge_entitlement_rules(IN_FORCE, given, default_given=False)
    assert [r.process for r in merged.rules] == ["gold2", "platinum"]
    assert changes.replaced == ['when {"field":"tier","value":"Gold"} -> gold2']


def test_replace_true_makes_the_bundle_the_whole_set() -> None:
    """``replace: true``: the rules not in the bundle and the default are removed."""
    given = _rules(
        {"replace": True, "rules": [{"when": {"field": "tier", "value": "Gold"}, "process": "g"}]}
    )
    merged, changes = merge_entitlement_rules(IN_FORCE, given, default_given=False)
    assert [r.process for r in merged.rules] == ["g"]
    assert merged.default is None
    assert changes.left == []
    assert any("platinum (removed)" in line for line in changes.replaced)
    assert "default -> none (was standard)" in changes.replaced


def test_a_default_named_replaces_the_default_in_force() -> None:
    merged, changes = merge_entitlement_rules(
        IN_FORCE, _rules({"default": "basic"}), default_given=True
    )
    assert merged.default == "basic"
    assert "default -> basic (was standard)" in changes.replaced


def test_escalation_rules_merge_by_name_or_replace_with_the_mapping_form() -> None:
    """A list merges by name; ``{replace: true, rules: [...]}`` is the whole set."""
    base = """
calendars: [{name: utc, timezone: UTC, always_open: true}]
escalation_rules: RULES
"""
    one = '[{name: idle, after: 4h, calendar: utc, do: [{type: add_note, body: "x"}]}]'
    two = '[{name: idle, after: 8h, calendar: utc, do: [{type: add_note, body: "x"}]},' + (
        '{name: old, after: 2h, calendar: utc, do: [{type: add_note, body: "y"}]}]'
    )
    current = parse_bundle(base.replace("RULES", two)).escalation_rules
    merged, changes = merge_escalation_rules(
        current, parse_bundle(base.replace("RULES", one)).escalation_rules, replace=False
    )
    assert [(r.name, r.after) for r in merged] == [("idle", "4h"), ("old", "2h")]
    assert (changes.replaced, changes.added, changes.left) == (["idle"], [], ["old"])
    whole = parse_bundle(base.replace("RULES", f"{{replace: true, rules: {one}}}"))
    assert whole.replace_escalation_rules
    merged, changes = merge_escalation_rules(
        current, whole.escalation_rules, replace=whole.replace_escalation_rules
    )
    assert [r.name for r in merged] == ["idle"]
    assert changes.replaced == ["idle", "old (removed)"]


def test_the_mapping_form_refuses_unknown_fields() -> None:
    with pytest.raises(PolicyInvalid, match="unknown field 'rule'"):
        parse_bundle("escalation_rules: {replace: true, rule: []}")


def test_uncovered_names_the_types_and_tiers_left_without_a_process() -> None:
    """Tier rules without a default leave Standard cases and every work order uncovered."""
    rules = _rules({"rules": list(IN_FORCE.model_dump(mode="json")["rules"])})
    found = uncovered(rules, ["case", "work_order"], ["Gold", "Standard"], at=AT)
    assert found == [
        "records of type 'case' get no process for tiers Standard",
        "records of type 'work_order' get no process for tiers Standard",
    ]
    assert uncovered(IN_FORCE, ["case"], [], at=AT) == []
    assert uncovered(EntitlementRules(), ["case"], [], at=AT) == [
        "records of type 'case' get no process"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a' in the top level"),
        ('{"x": [{"b": 1}, {"c": 1, "c": 1}]}', "duplicate key 'c' in x[1]"),
    ],
)
def test_json_refuses_a_repeated_key_with_its_path(text: str, message: str) -> None:
    """JSON's reader keeps the last of two equal keys; caseclock refuses the document."""
    with pytest.raises(json.JSONDecodeError, match=message.replace("[", r"\[")):
        strict_loads(text)


def test_json_without_repeats_reads_as_before() -> None:
    assert strict_loads('{"a": {"b": [1, {"c": 2}]}}') == {"a": {"b": [1, {"c": 2}]}}
