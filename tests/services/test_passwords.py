"""Passwords: Argon2id hashes, the acceptance rules, and rehashing when parameters change."""

from __future__ import annotations

import pytest

from caseclock.errors import ValidationFailed
from caseclock.services.passwords import (
    PasswordPolicy,
    check_acceptable,
    hash_password,
    verify_password,
)
from tests.conftest import FAST_PASSWORDS

STRONGER = PasswordPolicy(time_cost=2, memory_kib=2048, parallelism=1)


def test_hash_is_argon2id_and_verifies() -> None:
    """A stored hash is an Argon2id PHC string; the right password verifies, a wrong one not."""
    stored = hash_password(FAST_PASSWORDS, "correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct" not in stored
    assert verify_password(FAST_PASSWORDS, stored, "correct horse battery").ok
    assert not verify_password(FAST_PASSWORDS, stored, "correct horse battery!").ok


def test_verified_hash_is_upgraded_when_parameters_change() -> None:
    """A hash made with older parameters still verifies, and comes with a replacement made
    with the current ones; the replacement verifies without a further upgrade."""
    old = hash_password(FAST_PASSWORDS, "correct horse battery")
    outcome = verify_password(STRONGER, old, "correct horse battery")
    assert outcome.ok
    assert outcome.rehashed is not None
    assert "m=2048,t=2" in outcome.rehashed
    again = verify_password(STRONGER, outcome.rehashed, "correct horse battery")
    assert again.ok
    assert again.rehashed is None


def test_wrong_password_is_never_rehashed() -> None:
    """A failed check never offers a new hash, whatever the parameters."""
    old = hash_password(FAST_PASSWORDS, "correct horse battery")
    assert verify_password(STRONGER, old, "wrong horse battery") == verify_password(
        FAST_PASSWORDS, old, "nope"
    )
    assert verify_password(STRONGER, old, "wrong horse battery").rehashed is None


@pytest.mark.parametrize("stored", [None, "", "not a hash", "$argon2id$garbled"])
def test_missing_or_garbled_hash_refuses(stored: str | None) -> None:
    """No hash (a single-sign-on user) or a garbled one refuses every password."""
    assert not verify_password(FAST_PASSWORDS, stored, "correct horse battery").ok


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        ("x" * 1025, "at most 1024"),
        ("my-name-is-ANA.lopez!", "your handle"),
        ("ana.lopez-rocks-2026", "your handle"),
        ("mail-alopez-forever", "your email address"),
    ],
)
def test_unacceptable_passwords_are_refused(password: str, message: str) -> None:
    """Too short, too long, or holding the handle or the email's name part: refused, naming
    the password field."""
    with pytest.raises(ValidationFailed) as caught:
        check_acceptable(FAST_PASSWORDS, password, handle="ana.lopez", email="alopez@example.com")
    assert message in caught.value.detail
    assert caught.value.path == "password"


def test_acceptable_password_passes() -> None:
    """A long password unrelated to the person is accepted."""
    check_acceptable(FAST_PASSWORDS, "tangerine-otter-44", handle="ana", email="ana@example.com")
