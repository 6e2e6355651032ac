"""Seed 004: customer lifecycle and renewal milestones on account records."""

from __future__ import annotations

from caseclock.core.milestones import MilestoneState, TimerKind
from caseclock.document_files import load_bundle
from tests.core.evaluate_setup import ROOT, Timeline, at, run

ACCOUNTS = load_bundle(ROOT / "examples" / "policies" / "accounts.yaml")


def _acme() -> Timeline:
    return Timeline("A-acme").add(
        "created",
        "2017-08-20T09:00:00-04:00",
        type="account",
        start_date="2017-08-20",
        renewal_date="2018-01-31",
        account_manager="mia",
    )


def test_lifecycle_phases_fall_on_the_seed_dates() -> None:
    """Acquired 2017-08-20: introduction to Sep 20, adoption to Nov 20, retention to Aug 20 2018."""
    ms = run("account_lifecycle", _acme().events, "2017-10-01T00:00:00-04:00", bundle=ACCOUNTS)
    assert ms["introduction", 1].deadline == at("2017-09-20T00:00:00-04:00")
    assert ms["introduction", 1].state is MilestoneState.COMPLETED  # a dated checkpoint
    assert ms["adoption", 1].deadline == at("2017-11-20T00:00:00-05:00")
    assert ms["adoption", 1].state is MilestoneState.RUNNING
    assert ms["retention", 1].deadline == at("2018-08-20T00:00:00-04:00")
    assert ms["adoption", 1].owner == "mia"


def test_renewal_phase_recurs_on_every_anniversary() -> None:
    """Each anniversary completes a cycle and starts the next one, a year on."""
    ms = run("account_lifecycle", _acme().events, "2019-09-01T00:00:00-04:00", bundle=ACCOUNTS)
    assert ms["anniversary", 1].completed_at == at("2018-08-20T00:00:00-04:00")
    assert ms["anniversary", 2].completed_at == at("2019-08-20T00:00:00-04:00")
    assert ms["anniversary", 3].state is MilestoneState.RUNNING
    assert ms["anniversary", 3].deadline == at("2020-08-20T00:00:00-04:00")
    assert not any(t.kind is TimerKind.VIOLATION for t in ms["anniversary", 3].timers)


def test_retainer_reminder_two_months_before_expiry() -> None:
    """A retainer expiring 2018-01-31 warns on 2017-11-30; a new date starts the next term."""
    timeline = _acme()
    ms = run("account_lifecycle", timeline.events, "2017-12-01T00:00:00-05:00", bundle=ACCOUNTS)
    assert ms["renewal", 1].deadline == at("2018-01-31T00:00:00-05:00")
    assert ms["renewal", 1].warning_at == at("2017-11-30T00:00:00-05:00")
    timeline.add("field", "2018-01-15T10:00:00-05:00", field="renewal_date", value="2019-01-31")
    renewed = run(
        "account_lifecycle", timeline.events, "2018-02-01T00:00:00-05:00", bundle=ACCOUNTS
    )
    assert (renewed["renewal", 1].state, renewed["renewal", 1].late) == ("completed", False)
    assert renewed["renewal", 2].deadline == at("2019-01-31T00:00:00-05:00")


def test_unrenewed_retainer_is_violated_after_its_date() -> None:
    """Past the renewal date without a new one, the renewal milestone is violated."""
    ms = run("account_lifecycle", _acme().events, "2018-02-15T00:00:00-05:00", bundle=ACCOUNTS)
    assert ms["renewal", 1].state is MilestoneState.VIOLATED
