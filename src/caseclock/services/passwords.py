"""Passwords: Argon2id through argon2-cffi, a minimum length, and no handle or email inside.

A stored hash is a PHC string that names its own parameters; when the installation's
parameters change, a hash made with the old ones still verifies and is replaced by a new one at
the next successful sign-in (``Verified.rehashed``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from caseclock.config import Settings
from caseclock.errors import ValidationFailed

MAX_LENGTH = 1024  # beyond this a password is a denial of service, not a secret


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """How passwords are hashed and which ones are accepted."""

    min_length: int = 12
    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            type=Type.ID,
        )


def policy_from(settings: Settings) -> PasswordPolicy:
    return PasswordPolicy(
        min_length=settings.password_min_length,
        time_cost=settings.password_time_cost,
        memory_kib=settings.password_memory_kib,
        parallelism=settings.password_parallelism,
    )


@dataclass(frozen=True, slots=True)
class Verified:
    """The outcome of a check: ``ok``, and a new hash to store when the old one was made with
    other parameters."""

    ok: bool
    rehashed: str | None = None


def check_acceptable(policy: PasswordPolicy, password: str, *, handle: str, email: str) -> None:
    """Raise ``ValidationFailed`` (path ``password``) for a password too short, too long, or
    containing the user's handle or the name part of their email."""
    if len(password) < policy.min_length:
        raise ValidationFailed(
            f"a password needs at least {policy.min_length} characters", path="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"a password has at most {MAX_LENGTH} characters", path="password")
    lowered = password.casefold()
    local = email.partition("@")[0].casefold()
    for part, what in ((handle.casefold(), "handle"), (local, "email address")):
        if len(part) >= 3 and part in lowered:
            raise ValidationFailed(f"a password must not contain your {what}", path="password")


def hash_password(policy: PasswordPolicy, password: str) -> str:
    return policy.hasher().hash(password)


def verify_password(policy: PasswordPolicy, stored: str | None, password: str) -> Verified:
    """Whether ``password`` matches ``stored``; a match on a hash made with other parameters
    comes with its replacement."""
    if stored is None:
        return Verified(ok=False)
    hasher = policy.hasher()
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return Verified(ok=False)
    if hasher.check_needs_rehash(stored):
        return Verified(ok=True, rehashed=hasher.hash(password))
    return Verified(ok=True)


def generated_password() -> str:
    """A random password (24 URL-safe characters, about 144 bits), shown once to whoever asked."""
    return secrets.token_urlsafe(18)
