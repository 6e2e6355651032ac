"""A form as it was sent: which one, its values as typed, and why it was refused.

The record page renders every form from a ``FormState``: the refused form shows its error
beside the field it names and keeps what was typed; the other forms show their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import Request

FormValues = dict[str, str]


async def form_values(request: Request) -> FormValues:
    """The submitted form's text values (the CSRF token left out)."""
    form = await request.form()
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"}


@dataclass(frozen=True, slots=True)
class FormState:
    name: str | None = None  # the form that was sent
    error: str | None = None
    path: str | None = None  # the field the error is about, when it names one
    values: Mapping[str, str] = field(default_factory=dict)

    def value(self, form: str, key: str, default: object = "") -> str:
        """The typed value of ``key`` if ``form`` was the one sent, else ``default``."""
        if form == self.name:
            return self.values.get(key, "")
        return "" if default is None else str(default)

    def checked(self, form: str, key: str, default: bool) -> bool:
        return key in self.values if form == self.name else default

    def error_of(self, form: str) -> str | None:
        return self.error if form == self.name else None

    def invalid(self, form: str, key: str) -> bool:
        return form == self.name and self.path == key
