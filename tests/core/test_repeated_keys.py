"""A policy or calendar document that repeats a key is refused: a YAML reader would keep the
last value without a word, so a second ``target:`` silently replaced the first."""

from __future__ import annotations

import pytest

from caseclock.core.policy import PolicyInvalid, parse_document


def test_a_repeated_key_names_its_line_and_path() -> None:
    """The error gives the repeated key's line and column, the mapping's path and the line
    of the first occurrence."""
    text = (
        "processes:\n"
        "  gold:\n"
        "    milestones:\n"
        "      - key: a\n"
        "        target: 4h\n"
        "        target: 1h\n"
    )
    with pytest.raises(PolicyInvalid) as refused:
        parse_document(text)
    assert refused.value.errors == [
        "line 6, column 9: processes.gold.milestones[0]: duplicate key 'target' (first at line 5)"
    ]


def test_a_repeated_top_level_key_is_refused() -> None:
    with pytest.raises(PolicyInvalid, match=r"^line 2, column 1: the top level: duplicate key"):
        parse_document("calendars: []\ncalendars: []\n")


def test_json_text_is_held_to_the_same_rule() -> None:
    """A bundle in JSON is read by the same reader, so one with a repeated key is refused too."""
    with pytest.raises(PolicyInvalid, match=r"^line 1, column 24: a: duplicate key 'b'"):
        parse_document('{"a": {"b": 1, "c": 2, "b": 3}}')


def test_a_merge_key_may_be_overridden() -> None:
    """``<<: *anchor`` then an explicit key is YAML's way of sharing and overriding, not a
    repetition."""
    text = "base: &base {target: 4h, key: a}\nother: {<<: *base, target: 1h}\n"
    assert parse_document(text)["other"] == {"target": "1h", "key": "a"}


def test_a_self_referencing_alias_does_not_hang_the_check() -> None:
    """An alias that points into its own node is walked once."""
    data = parse_document("a: &x [1, *x]\n")
    assert data["a"][1] is data["a"]
