"""The optional summary provider: an OpenAI-compatible chat-completions endpoint that writes
the prose of a handoff summary.

Off unless an admin sets ``CASECLOCK_LLM_URL``: with it off nothing is sent anywhere and the
summary is the extractive one. With it on, the worker (never ingestion, never a page) sends the
record's facts and its thread's key sentences, and keeps the answer's prose beside the same
facts. Any failure (no answer within the timeout, an HTTP error, an answer that is not a
chat completion, an empty or overlong text) keeps the extractive summary, with a note saying
why; it never raises to the caller.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import httpx

from caseclock.config import Settings

MAX_PROSE: Final = 2000  # characters; a longer answer is not a summary
SYSTEM_PROMPT: Final = (
    "You write handoff summaries of support cases for the next agent. Using only the facts "
    "and thread given, write three to five plain sentences: what the customer needs, what "
    "has been done, what is promised or awaited next. No greeting, no list, no markup."
)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    url: str
    key: str | None
    model: str
    timeout: float

    @classmethod
    def of(cls, settings: Settings) -> ProviderConfig | None:
        """The provider the settings configure, or None (the default: nothing leaves)."""
        if not settings.llm_url:
            return None
        return cls(
            settings.llm_url, settings.llm_key, settings.llm_model, settings.llm_timeout_seconds
        )


@dataclass(frozen=True, slots=True)
class Prose:
    """The provider's prose, or why there is none (``text`` None, ``failure`` set)."""

    text: str | None
    failure: str | None = None


def request_body(config: ProviderConfig, facts: list[str], thread: str) -> dict[str, Any]:
    """The chat-completions request for one record."""
    content = "Facts:\n" + "\n".join(facts) + "\n\nThread (key sentences):\n" + (thread or "-")
    return {
        "model": config.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": content},
        ],
    }


def write_prose(
    client: httpx.Client, config: ProviderConfig, facts: list[str], thread: str
) -> Prose:
    """Ask the provider for the summary's prose; a failure of any kind is a ``Prose`` with
    its reason, never an exception."""
    headers = {"Authorization": f"Bearer {config.key}"} if config.key else {}
    try:
        response = client.post(
            config.url,
            json=request_body(config, facts, thread),
            headers=headers,
            timeout=config.timeout,
        )
    except httpx.TimeoutException:
        return Prose(None, f"the summary provider did not answer within {config.timeout:g} s")
    except httpx.HTTPError as exc:
        return Prose(None, f"the summary provider could not be reached ({type(exc).__name__})")
    if response.status_code != httpx.codes.OK:
        return Prose(None, f"the summary provider answered HTTP {response.status_code}")
    return _prose_of(response.content)


def _prose_of(content: bytes) -> Prose:
    garbage = Prose(None, "the summary provider's answer was not a chat completion")
    try:
        document = json.loads(content)
        text = document["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return garbage
    if not isinstance(text, str) or not text.strip():
        return Prose(None, "the summary provider answered with no text")
    text = " ".join(text.split())
    if len(text) > MAX_PROSE:
        return Prose(None, f"the summary provider's answer was longer than {MAX_PROSE} characters")
    return Prose(text)
