"""What a bundle does to the rules in force: replace them, or merge into them, and say which.

A bundle is explicit about its scope (``docs/policy-changes.md``):

- without ``entitlement_rules`` (or ``escalation_rules``) it leaves those rules as they are;
- with them and without ``replace: true`` it merges: an entitlement rule whose ``when`` is
  the same as a rule in force replaces that rule, the others are added in front of the rules
  left (the bundle's rules are tried first), and a ``default`` it names replaces the one in
  force; an escalation rule replaces the rule in force of the same name, the others are added;
- with ``replace: true`` its rules are the whole set.

Pure: the caller reads the rules in force and stores the result. ``RuleChanges`` names what
was replaced, added and left, in words a person reads on the command line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from caseclock.core.entitlement import choose_process
from caseclock.core.escalation import EscalationRule
from caseclock.core.policy import EntitlementRule, EntitlementRules

Rule = TypeVar("Rule", EntitlementRule, EscalationRule)


@dataclass(slots=True)
class RuleChanges:
    """Rules (in words) a bundle replaced, added, and left in force as they were."""

    replaced: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.added)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _condition_words(rule: EntitlementRule) -> str:
    return _canonical(rule.when.model_dump(mode="json", exclude_none=True))


def entitlement_words(rule: EntitlementRule) -> str:
    """``when {"field":"tier","value":"Gold"} -> gold``."""
    return f"when {_condition_words(rule)} -> {rule.process}"


def _merge(
    current: Sequence[Rule],
    given: Sequence[Rule],
    *,
    replace: bool,
    identity: Callable[[Rule], str],
    words: Callable[[Rule], str],
) -> tuple[list[Rule], RuleChanges]:
    """The merged rules (the bundle's first, then those left) and what changed."""
    changes = RuleChanges()
    dump = {id(r): _canonical(r.model_dump(mode="json", exclude_none=True)) for r in current}
    in_force = {identity(r): r for r in current}
    for rule in given:
        earlier = in_force.get(identity(rule))
        if earlier is None:
            changes.added.append(words(rule))
        elif dump[id(earlier)] != _canonical(rule.model_dump(mode="json", exclude_none=True)):
            changes.replaced.append(words(rule))
    given_ids = {identity(r) for r in given}
    kept: list[Rule] = [r for r in current if identity(r) not in given_ids]
    if replace:
        changes.replaced += [f"{words(r)} (removed)" for r in kept]
        return list(given), changes
    changes.left = [words(r) for r in kept]
    return list(given) + kept, changes


def merge_entitlement_rules(
    current: EntitlementRules | None, given: EntitlementRules, *, default_given: bool
) -> tuple[EntitlementRules, RuleChanges]:
    """The rules in force after a bundle's ``entitlement_rules`` (``given``) are applied."""
    before = current or EntitlementRules()
    rules, changes = _merge(
        before.rules,
        given.rules,
        replace=given.replace,
        identity=_condition_words,
        words=entitlement_words,
    )
    default = before.default
    if given.replace or default_given:
        default = given.default
        if default != before.default:
            was = f" (was {before.default})" if before.default is not None else ""
            line = f"default -> {default or 'none'}{was}"
            (changes.added if before.default is None else changes.replaced).append(line)
    elif default is not None:
        changes.left.append(f"default -> {default}")
    return EntitlementRules(rules=tuple(rules), default=default), changes


def merge_escalation_rules(
    current: Sequence[EscalationRule], given: Sequence[EscalationRule], *, replace: bool
) -> tuple[tuple[EscalationRule, ...], RuleChanges]:
    """The escalation rules in force after a bundle's, matched by name."""
    rules, changes = _merge(
        current, given, replace=replace, identity=lambda r: r.name, words=lambda r: r.name
    )
    return tuple(rules), changes


def uncovered(
    rules: EntitlementRules, types: Sequence[str], tiers: Sequence[str], *, at: datetime
) -> list[str]:
    """A warning per record type (known to the installation) for which some known tier, or
    no tier at all when none is known, gets no process under ``rules``: such records would
    run no clock."""
    warnings = []
    for record_type in sorted(set(types)):
        choices: list[str | None] = [*sorted(set(tiers))] or [None]
        missing = [
            tier
            for tier in choices
            if choose_process(rules, {"type": record_type, "tier": tier}, {"tier": tier}, at=at)
            is None
        ]
        if not missing:
            continue
        if missing == [None]:
            warnings.append(f"records of type {record_type!r} get no process")
        else:
            named = ", ".join(str(t) for t in missing)
            warnings.append(f"records of type {record_type!r} get no process for tiers {named}")
    return warnings
