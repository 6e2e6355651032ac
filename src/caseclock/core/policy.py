"""Policy bundles: calendars, entitlement processes and entitlement rules, as validated documents.

A bundle is YAML or JSON (see ``examples/policies/b2b.yaml``)::

    calendars: [ {name: us-east, timezone: America/New_York, week: {...}}, ... ]
    processes:
      gold:                                  # the key; a process is versioned by the store
        name: Gold
        calendar: {field: region, map: {apac: apac}, default: us-east}
        closed_statuses: [Closed]
        milestones:
          - key: first_response
            start: {on: created}
            complete: {on: comment, public: true, author_role: agent}
            target: 4h    # or {rules: [{when: ..., duration: 2h}], duration: 4h, recompute: true}
    entitlement_rules:
      rules: [{when: {field: tier, value: Gold}, process: gold}]
      default: standard

A milestone definition: ``key``, ``name``, ``applies_when`` (a level condition), ``start``,
``complete`` (left out: a dated checkpoint that completes at its deadline), ``pause`` (a
level), ``reset``, ``start_at`` (a date field that anchors the start,
for account lifecycle milestones), ``target``, ``calendar``, ``recurrence`` (``once``,
``repeat`` with ``until`` and ``anchor``, ``sequential``, ``independent``), ``on_reopen``
(``resume``, ``restart``, ``ignore``), ``owner`` (``record``, ``team_lead``, ``role:NAME``,
``field:NAME``), ``actions`` (``core.actions``) and ``criteria``, the success criteria a
completion should meet (``core.success_criteria``). Conditions are ``core.condition_spec``.

Every model forbids unknown keys and validation errors name their path, e.g.
``processes.gold.milestones[2].target.rules[0].when: unknown field 'prio'``; ``parse_bundle``
raises ``PolicyInvalid`` with all of them, so nothing ever half-loads.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from caseclock.core.actions import Actions, check_period
from caseclock.core.calendar_spec import CalendarSpec
from caseclock.core.condition_spec import Condition, has_triggers, milestone_refs
from caseclock.core.documents import Document
from caseclock.core.escalation import EscalationRule
from caseclock.core.periods import Period, parse_period
from caseclock.core.validation import describe_validation_error, error_path
from caseclock.core.yaml_bounds import TooLarge, check_expanded_size
from caseclock.errors import ValidationFailed

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
_OWNER = re.compile(r"^(record|team_lead|role:[\w.\-]+|field:[\w.\-]+)$")


class CalendarChoice(Document):
    """Which calendar a clock runs on: ``name``, or by a record field (``team``, ``region``).

    With ``field``, the value is looked up in ``map`` (case ignored), else used as a calendar
    name when one has that name, else ``default``.
    """

    name: str | None = None
    field: str | None = None
    map: dict[str, str] = Field(default_factory=dict)
    default: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_way(self) -> CalendarChoice:
        if (self.name is None) == (self.field is None):
            raise ValueError("a calendar is a name, or {field, map, default}")
        if self.field is not None and self.default is None:
            raise ValueError("a calendar chosen by field needs a default")
        return self

    def names(self) -> set[str]:
        """Every calendar name this choice can yield (for reference checks)."""
        found = set(self.map.values()) | {self.name, self.default}
        return {n for n in found if n is not None}


class TargetValue(Document):
    """A deadline: a ``duration`` (``4h``, ``5bd``, ``eobd``, ``30d``, ``3mo``) or a date field."""

    duration: str | None = None
    date_field: str | None = None

    _duration = field_validator("duration")(check_period)

    def period(self) -> Period | None:
        return None if self.duration is None else parse_period(self.duration)

    def is_given(self) -> bool:
        return self.duration is not None or self.date_field is not None

    def describe(self) -> str:
        return self.duration or f"until {self.date_field}"


def _both_given(value: TargetValue) -> bool:
    return value.duration is not None and value.date_field is not None


class TargetRule(TargetValue):
    """Use this target when ``when`` holds (a level condition on the record and account)."""

    when: Condition

    @model_validator(mode="after")
    def _complete(self) -> TargetRule:
        if not self.is_given() or _both_given(self):
            raise ValueError("a target rule takes exactly one of duration, date_field")
        _level_only(self.when, "when")
        return self


class Target(TargetValue):
    """Ordered ``rules`` (the first match wins), falling back to this target's own value.

    The target is chosen when a cycle starts; with ``recompute: true`` it is chosen again
    whenever the record changes while the cycle runs (a case raised to P1 gets the P1 target,
    counted from the same start).
    """

    rules: tuple[TargetRule, ...] = ()
    recompute: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"duration": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _something(self) -> Target:
        if _both_given(self):
            raise ValueError("a target takes one of duration, date_field")
        if not self.rules and not self.is_given():
            raise ValueError("a target needs a duration, a date_field or rules")
        return self


class Recurrence(Document):
    """``once``; ``repeat`` (until ``until``; the next cycle from completion or deadline);
    ``sequential`` / ``independent`` (a new cycle when the start condition matches again)."""

    mode: Literal["once", "repeat", "sequential", "independent"] = "once"
    until: Condition | None = None
    anchor: Literal["completion", "deadline"] = "completion"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"mode": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _repeat_only(self) -> Recurrence:
        if self.mode != "repeat" and (self.until is not None or self.anchor != "completion"):
            raise ValueError("until and anchor belong to recurrence mode 'repeat'")
        return self


class Criterion(Document):
    """One condition a completion should satisfy (``core.success_criteria``): exactly one of a
    note mentioning ``note``, the record field ``field`` set, a public agent reply, the status
    ``status`` reached, all within the cycle; ``label`` names it on the checklist."""

    note: str | None = Field(default=None, min_length=1, max_length=200)
    field: str | None = Field(default=None, min_length=1, max_length=100)
    public_reply: bool = False
    status: str | None = Field(default=None, min_length=1, max_length=200)
    label: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _exactly_one(self) -> Criterion:
        given = [self.note, self.field, self.public_reply or None, self.status]
        if sum(v is not None for v in given) != 1:
            raise ValueError("a criterion is one of note, field, public_reply, status")
        return self


class MilestoneDef(Document):
    """One milestone definition of a process."""

    key: str = Field(pattern=KEY_PATTERN, max_length=64)
    name: str | None = None
    description: str | None = None
    applies_when: Condition | None = None
    start: Condition
    complete: Condition | None = None  # None: a dated checkpoint, completed at its deadline
    pause: Condition | None = None
    reset: Condition | None = None
    start_at: str | None = None
    target: Target
    calendar: CalendarChoice | None = None
    recurrence: Recurrence = Recurrence()
    on_reopen: Literal["resume", "restart", "ignore"] = "resume"
    # Starting to apply after the start matched: count from that start (True), or from the
    # moment it applies (False); either way a completion met meanwhile is not asked again.
    retroactive: bool = False
    owner: str = "record"
    actions: Actions = Actions()
    # What "done" means (a checklist): a completion without them is "completed without criteria"
    criteria: tuple[Criterion, ...] = Field(default=(), max_length=20)
    # ``block``: a completion that misses a criterion does not complete (``core.replay``)
    without_criteria: Literal["record", "block"] = "record"
    # The most pauses may keep off one cycle's clock in all (``4h``, ``2bd``, ``3d``, on the
    # milestone's clock); beyond it the clock runs though paused (``core.cycles``)
    pause_cap: str | None = None
    _pause_cap = field_validator("pause_cap")(check_period)

    @model_validator(mode="after")
    def _levels(self) -> MilestoneDef:
        if self.applies_when is not None:
            _level_only(self.applies_when, "applies_when")
        if self.pause is not None:
            _level_only(self.pause, "pause")
        if not _OWNER.match(self.owner):
            raise ValueError("owner is record, team_lead, role:NAME or field:NAME")
        if self.without_criteria == "block" and not self.criteria:
            raise ValueError("without_criteria: block needs criteria to block on")
        return self

    @property
    def title(self) -> str:
        return self.name or self.key.replace("_", " ").capitalize()

    def conditions(self) -> Iterator[tuple[str, Condition]]:
        """(attribute, condition) for every condition of the definition."""
        for attr in ("applies_when", "start", "complete", "pause", "reset"):
            cond = getattr(self, attr)
            if cond is not None:
                yield attr, cond
        if self.recurrence.until is not None:
            yield "recurrence.until", self.recurrence.until


def _level_only(cond: Condition, where: str) -> None:
    if has_triggers(cond):
        raise ValueError(
            f"{where} is a condition on fields; event triggers ('on') cannot hold there"
        )


# The statuses that close a record of a process that names none, or of no process.
DEFAULT_CLOSED_STATUSES: tuple[str, ...] = ("Closed",)
# The most a process lets overrides extend one cycle, in all, unless it says otherwise.
DEFAULT_MAX_EXTENSION = "30d"


class Process(Document):
    """An entitlement process: a named, versioned set of milestone definitions."""

    key: str = Field(pattern=KEY_PATTERN, max_length=64)
    name: str = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    description: str | None = None
    calendar: CalendarChoice | None = None
    closed_statuses: tuple[str, ...] = DEFAULT_CLOSED_STATUSES
    # The statuses its records take (empty: any); an event setting another is refused, or with
    # ``unknown_statuses: flag`` kept and flagged in the answer.
    statuses: tuple[str, ...] = ()
    unknown_statuses: Literal["refuse", "flag"] = "refuse"
    # the most overrides may extend one cycle in all, on the milestone's clock (4h, 5bd, 30d)
    max_extension: str = DEFAULT_MAX_EXTENSION
    _max_extension = field_validator("max_extension")(check_period)
    # priority suggestions on its records (docs/insights.md): ``suggest`` (the default, None)
    # for a person to accept or dismiss, ``apply`` to set them at once (recorded as events),
    # ``off`` to make none
    priority_suggestions: Literal["suggest", "apply", "off"] | None = None
    milestones: tuple[MilestoneDef, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Process:
        keys = [m.key for m in self.milestones]
        undeclared = [s for s in self.closed_statuses if self.statuses and s not in self.statuses]
        if undeclared:
            raise ValueError(f"closed_statuses: {undeclared[0]!r} is not among statuses")
        for index, definition in enumerate(self.milestones):
            where = f"milestones[{index}]"
            if definition.key in keys[:index]:
                raise ValueError(f"{where}.key: duplicate milestone key {definition.key!r}")
            if definition.calendar is None and self.calendar is None:
                raise ValueError(f"{where}.calendar: no calendar here nor on the process")
            for attr, cond in definition.conditions():
                for ref in sorted(milestone_refs(cond)):
                    if ref not in keys or ref == definition.key:
                        raise ValueError(f"{where}.{attr}: no other milestone {ref!r}")
        dependency_order(self)
        return self

    def definition(self, key: str) -> MilestoneDef:
        for definition in self.milestones:
            if definition.key == key:
                return definition
        raise KeyError(key)

    def calendar_names(self) -> set[str]:
        choices = [self.calendar, *(m.calendar for m in self.milestones)]
        return set().union(*(c.names() for c in choices if c is not None))


def dependency_order(process: Process) -> tuple[MilestoneDef, ...]:
    """Definitions ordered so a relative milestone follows the ones it waits for."""
    pending = {m.key: m for m in process.milestones}
    ordered: list[MilestoneDef] = []
    while pending:
        ready = [
            m
            for m in pending.values()
            if not any(ref in pending for _, c in m.conditions() for ref in milestone_refs(c))
        ]
        if not ready:
            raise ValueError(f"milestones wait on each other in a circle: {sorted(pending)}")
        for definition in ready:
            ordered.append(definition)
            del pending[definition.key]
    return tuple(ordered)


class EntitlementRule(Document):
    """New records matching ``when`` (fields of the record and its account) get ``process``."""

    when: Condition
    process: str

    @model_validator(mode="after")
    def _level(self) -> EntitlementRule:
        _level_only(self.when, "when")
        return self


class EntitlementRules(Document):
    """New records' processes: ``rules`` (first match wins), else ``default``. In a bundle,
    ``replace: true`` makes them the whole set; without it they merge into the rules in force
    (``core.policy_scope``)."""

    rules: tuple[EntitlementRule, ...] = ()
    default: str | None = None
    replace: bool = False


class PolicyBundle(Document):
    """Everything an installation's policy holds, validated as one document."""

    calendars: list[CalendarSpec] = Field(default_factory=list)
    processes: dict[str, Process] = Field(default_factory=dict)
    entitlement_rules: EntitlementRules = EntitlementRules()
    escalation_rules: tuple[EscalationRule, ...] = ()  # see core.escalation
    # ``escalation_rules: {replace: true, rules: [...]}`` sets this: the rules are the whole set
    replace_escalation_rules: bool = False

    @model_validator(mode="before")
    @classmethod
    def _escalation_scope(cls, value: Any) -> Any:
        """``escalation_rules`` is a list (merged by name into the rules in force) or
        ``{replace: true|false, rules: [...]}``."""
        given = value.get("escalation_rules") if isinstance(value, dict) else None
        if not isinstance(given, dict):
            return value
        unknown = sorted(set(given) - {"replace", "rules"}, key=str)
        if unknown:
            raise ValueError(f"escalation_rules: unknown field {unknown[0]!r}")
        return {
            **value,
            "escalation_rules": given.get("rules", []),
            "replace_escalation_rules": given.get("replace", False),
        }

    @field_validator("processes", mode="before")
    @classmethod
    def _keys_from_names(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            key: {"key": key, **doc} if isinstance(doc, dict) and "key" not in doc else doc
            for key, doc in value.items()
        }

    @model_validator(mode="after")
    def _references(self) -> PolicyBundle:
        names = [c.name for c in self.calendars]
        for index, name in enumerate(names):
            if names.count(name) > 1:
                raise ValueError(f"calendars[{index}].name: duplicate calendar {name!r}")
        for key, process in self.processes.items():
            if process.key != key:
                raise ValueError(f"processes.{key}.key: {process.key!r} differs from its name")
            unknown = sorted(process.calendar_names() - set(names))
            if unknown:
                raise ValueError(f"processes.{key}: unknown calendar {unknown[0]!r}")
        for index, rule in enumerate(self.entitlement_rules.rules):
            if rule.process not in self.processes:
                where = f"entitlement_rules.rules[{index}].process"
                raise ValueError(f"{where}: unknown process {rule.process!r}")
        default = self.entitlement_rules.default
        if default is not None and default not in self.processes:
            raise ValueError(f"entitlement_rules.default: unknown process {default!r}")
        rule_names = [escalation.name for escalation in self.escalation_rules]
        for index, escalation in enumerate(self.escalation_rules):
            where = f"escalation_rules[{index}]"
            if rule_names.count(escalation.name) > 1:
                raise ValueError(f"{where}.name: duplicate rule {escalation.name!r}")
            if escalation.calendar not in names:
                raise ValueError(f"{where}.calendar: unknown calendar {escalation.calendar!r}")
        return self


class PolicyInvalid(ValidationFailed):
    """A bundle failed validation; ``errors`` holds one ``path: message`` line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


_RELATIVE = re.compile(
    r"^(?P<path>\S+): "
    r"(?P<rel>(?:milestones|calendars|processes|entitlement_rules|escalation_rules)[^\s:]*): "
    r"(?P<msg>.*)$"
)


def _joined(line: str) -> str:
    """``processes.gold: milestones[1].key: msg`` -> ``processes.gold.milestones[1].key: msg``."""
    if m := _RELATIVE.match(line):
        return f"{m['path']}.{m['rel']}: {m['msg']}"
    return line


def describe_policy_error(exc: ValidationError) -> list[str]:
    """Path-named error lines for a bundle or process validation error."""
    return [_joined(line) for line in describe_validation_error(exc)]


class _PolicyLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so ``on: created`` keeps its key ``on``. Numbers are
    JSON's: ``.nan`` and ``.inf`` are refused where they stand, since a document is stored as
    JSON, which has no such numbers (a NaN condition value used to vanish on the way)."""

    def get_single_node(self) -> yaml.Node | None:
        """The document's root, refused when its aliases expand it too far (``yaml_bounds``)."""
        node = super().get_single_node()
        if node is not None:
            try:
                check_expanded_size(node)
            except TooLarge as exc:
                raise yaml.YAMLError(str(exc)) from None
        return node

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value} is not a JSON number", node.start_mark
            )
        return value


_PolicyLoader.add_constructor("tag:yaml.org,2002:float", _PolicyLoader.construct_yaml_float)

_PolicyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _refuse_duplicate_keys(root: yaml.Node) -> None:
    """Refuse a mapping that repeats a key: a YAML reader keeps the last one silently, so a
    second ``target:`` would replace the first without a word. Names the line and the path."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Sequence[int | str]]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in seen:  # an alias repeats a node already walked (or walks into itself)
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*loc, index)) for index, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                earlier = first.setdefault((key.tag, key.value), key)
                if earlier is not key:
                    mark = key.start_mark
                    where = error_path(loc) or "the top level"
                    raise PolicyInvalid(
                        [
                            f"line {mark.line + 1}, column {mark.column + 1}: {where}: "
                            f"duplicate key {key.value!r} (first at line "
                            f"{earlier.start_mark.line + 1})"
                        ]
                    )
                stack.append((value, (*loc, key.value)))


def parse_document(text: str) -> Any:
    """YAML (of which JSON is a subset) to plain data; a syntax error or a repeated key names
    the line.

    Booleans are YAML 1.2's ``true`` / ``false`` only: ``on``, ``yes`` and ``no`` stay text.
    """
    try:
        return _read_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        raise PolicyInvalid([f"{where}: {exc.problem or 'not valid YAML or JSON'}"]) from None
    except yaml.YAMLError as exc:
        raise PolicyInvalid([f"document: {exc}"]) from None
    except RecursionError:  # the reader recurses once per level of nesting
        raise PolicyInvalid(["document: nested too deeply to read"]) from None


def _read_yaml(text: str) -> Any:
    """``yaml.load`` with the policy reader, refusing repeated keys before building values."""
    loader = _PolicyLoader(text)  # reads the text: a character YAML refuses raises here
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_duplicate_keys(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def bundle_of(data: Any) -> PolicyBundle:
    """A bundle from parsed data; raise ``PolicyInvalid`` naming each problem's path."""
    if not isinstance(data, dict):
        raise PolicyInvalid(["document: a bundle is a mapping with calendars, processes, ..."])
    try:
        return PolicyBundle.model_validate(data)
    except ValidationError as exc:
        raise PolicyInvalid(describe_policy_error(exc)) from None


def parse_bundle(text: str) -> PolicyBundle:
    """A bundle from YAML or JSON text; raise ``PolicyInvalid`` on any error. Reading a bundle
    from a file is ``caseclock.document_files.load_bundle``."""
    return bundle_of(parse_document(text))


def dump_bundle(bundle: PolicyBundle) -> str:
    """The bundle as JSON text (what the store keeps), loadable by ``parse_bundle``."""
    return json.dumps(bundle.model_dump(mode="json"), indent=2, sort_keys=False)
