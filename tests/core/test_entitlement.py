"""Choosing a record's process from the bundle's entitlement rules."""

from __future__ import annotations

from datetime import UTC, datetime

from caseclock.core.entitlement import choose_process
from caseclock.core.policy import EntitlementRules
from tests.core.evaluate_setup import B2B

RULES = EntitlementRules.model_validate(
    {
        "rules": [
            {
                "when": {
                    "all": [
                        {"field": "type", "value": "work_order"},
                        {"field": "region", "value": "apac"},
                    ]
                },
                "process": "field_apac",
            },
            {
                "when": {"field": "product", "op": "in", "value": ["Edge", "Core"]},
                "process": "product",
            },
            {
                "when": {"field": "account.renewal_date", "op": "within_next", "value": "30d"},
                "process": "renewal",
            },
        ],
        "default": "basic",
    }
)


def test_b2b_rules_follow_the_account_tier() -> None:
    """Platinum and Gold tiers get their processes; anything else the standard default."""
    rules = B2B.entitlement_rules
    assert choose_process(rules, {"type": "case"}, {"tier": "Platinum"}) == "platinum"
    assert choose_process(rules, {"type": "case", "tier": "gold"}) == "gold"
    assert choose_process(rules, {"type": "case"}, {"tier": "Bronze"}) == "standard"


def test_first_matching_rule_wins_over_later_ones() -> None:
    """Rules are ordered: the first match decides."""
    fields = {"type": "work_order", "region": "apac", "product": "Edge"}
    assert choose_process(RULES, fields) == "field_apac"
    assert choose_process(RULES, {"type": "case", "product": "core"}) == "product"


def test_date_rules_measure_from_the_given_instant() -> None:
    """A renewal-window rule matches only with the instant it is measured from."""
    account = {"renewal_date": "2026-04-20"}
    at = datetime(2026, 4, 6, tzinfo=UTC)
    assert choose_process(RULES, {}, account, at=at) == "renewal"
    assert choose_process(RULES, {}, account) == "basic"


def test_no_match_and_no_default_means_no_process() -> None:
    """Without a default, an unmatched record has no entitlement (None): no clock runs."""
    rules = EntitlementRules.model_validate({"rules": RULES.model_dump(mode="json")["rules"]})
    assert choose_process(rules, {"type": "case"}) is None
