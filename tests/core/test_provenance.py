"""Event provenance: the sources there are, a webhook's vendor, and what counts as caseclock's."""

from __future__ import annotations

import pytest

from caseclock.core.provenance import Provenance, Source, is_source, webhook_source


def test_sources_are_the_named_ones_and_vendor_webhooks() -> None:
    """api, console, worker, import, demo and webhook:VENDOR are sources; nothing else is."""
    assert all(is_source(s.value) for s in Source)
    assert webhook_source("zendesk") == "webhook:zendesk"
    assert is_source("webhook:help-scout_2")
    for other in ("", "API", "cc", "webhook:", "webhook:Zendesk", "webhook:a b", "robot"):
        assert not is_source(other), other


@pytest.mark.parametrize("vendor", ["", "Zendesk", "zen desk", "-x", "x" * 41, "a/b"])
def test_a_webhook_vendor_is_a_short_lower_case_name(vendor: str) -> None:
    """A vendor that could not be shown or filtered on plainly is refused with the rule."""
    with pytest.raises(ValueError, match="lower-case letters"):
        webhook_source(vendor)


def test_provenance_is_checked_when_made() -> None:
    """An unknown source, or an empty or overlong actor, is a programming error."""
    with pytest.raises(ValueError, match="unknown event source 'robot'"):
        Provenance("robot")
    for actor in ("", "x" * 201):
        with pytest.raises(ValueError, match="actor"):
            Provenance(Source.API, actor)


def test_only_the_worker_is_caseclock_itself() -> None:
    """Only the worker's events are caseclock's own; a webhook knows its vendor."""
    assert Provenance(Source.WORKER).by_caseclock
    assert not Provenance(Source.API, "service:cc-sync").by_caseclock
    assert not Provenance(webhook_source("cc")).by_caseclock
    assert Provenance(webhook_source("freshdesk")).vendor == "freshdesk"
    assert Provenance(Source.CONSOLE, "ana").vendor is None
