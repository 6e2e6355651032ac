"""Urgency cues in a comment: a documented list of rules, each a pattern and what it means.

The list is deliberately short and readable (``RULES``); a cue is reported with the words that
matched, so a person can see why a comment was read as urgent. docs/insights.md lists the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from caseclock.core.insights.text import own_words


@dataclass(frozen=True, slots=True)
class Rule:
    key: str
    label: str  # what the cue means, for people
    pattern: re.Pattern[str]


def _rule(key: str, label: str, pattern: str) -> Rule:
    return Rule(key, label, re.compile(pattern, re.IGNORECASE))


RULES: Final = (
    _rule(
        "outage",
        "production down",
        r"\b(?:production|prod|live|site|system|service|platform|everything|it)\s+(?:is\s+|went\s+|are\s+)?"
        r"(?:down|offline|unavailable)\b|\boutage\b|\bnot\s+working\s+at\s+all\b",
    ),
    _rule(
        "asap",
        "asked for it now",
        r"\b(?:asap|urgent(?:ly)?|immediately|right\s+away|as\s+soon\s+as\s+possible|critical)\b",
    ),
    _rule(
        "repeat",
        "asked again",
        r"\b(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth)\s+time\b|\bstill\s+(?:not|no|waiting)\b"
        r"|\bhow\s+many\s+times\b|\bagain\s+and\s+again\b",
    ),
    _rule(
        "impact",
        "business impact",
        r"\b(?:losing|lost)\s+(?:money|revenue|orders|customers|sales)\b|\bblock(?:ed|ing|er)\b"
        r"|\bcan(?:no|')t\s+(?:work|ship|bill|invoice|operate)\b|\ball\s+(?:users|customers)\b",
    ),
    _rule(
        "deadline",
        "a date of their own",
        r"\bby\s+(?:today|tonight|tomorrow|end\s+of\s+(?:the\s+)?day|eod|monday|tuesday|wednesday"
        r"|thursday|friday)\b|\bgo[-\s]live\b",
    ),
    _rule(
        "escalation",
        "threatens to escalate",
        r"\bescalat\w*|\b(?:your|a)\s+manager\b|\bcancel\w*\s+(?:the\s+|our\s+)?(?:contract|subscription)"
        r"|\blegal\b|\blawyer",
    ),
)


@dataclass(frozen=True, slots=True)
class Cue:
    rule: str
    label: str
    words: str  # what matched, as written


def urgency_cues(body: str | None) -> tuple[Cue, ...]:
    """The cues in a comment's own words (quotes stripped), one per rule, in ``RULES`` order."""
    text = own_words(body)
    found: list[Cue] = []
    for rule in RULES:
        match = rule.pattern.search(text)
        if match is not None:
            found.append(Cue(rule.key, rule.label, match.group(0)))
    return tuple(found)
