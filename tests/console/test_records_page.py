"""The records page (search and filters) and giving a record without an entitlement a process."""

from __future__ import annotations

import re

from tests.console.conftest import Web
from tests.console.scenario import Keys


def listed(html: str) -> list[str]:
    return re.findall(r'<tr data-record="([^"]+)">', html)


def test_search_matches_id_subject_account_owner_and_status(agent: Web) -> None:
    """One box finds records by a part of their id, subject, account name or id, owner or
    status, ignoring case."""
    assert listed(agent.get("/records", params={"q": "c-2"}).text) == ["C-2"]
    assert listed(agent.get("/records", params={"q": "sso LOGIN"}).text) == ["C-2"]
    assert sorted(listed(agent.get("/records", params={"q": "globex"}).text)) == ["C-4"]
    assert sorted(listed(agent.get("/records", params={"q": "Acme Manu"}).text)) == [
        "C-1",
        "C-2",
        "C-3",
    ]
    assert sorted(listed(agent.get("/records", params={"q": "chen"}).text)) == ["C-3"]
    everything = listed(agent.get("/records", params={"q": "new"}).text)
    assert sorted(everything) == ["C-1", "C-2", "C-3", "C-4", "C-5"]
    assert listed(agent.get("/records", params={"q": "100%_"}).text) == []


def test_filters_narrow_the_list_and_show_records_without_entitlement(agent: Web) -> None:
    """Tier, owner, state and "without an entitlement" filter; such a record is flagged."""
    assert sorted(listed(agent.get("/records", params={"tier": "Gold"}).text)) == [
        "C-1",
        "C-2",
        "C-3",
    ]
    assert sorted(listed(agent.get("/records", params={"owner": "bo"}).text)) == ["C-1", "C-4"]
    assert listed(agent.get("/records", params={"state": "closed"}).text) == []
    missing = agent.get("/records", params={"entitlement": "missing"}).text
    assert listed(missing) == ["C-5"]
    assert "no entitlement" in missing


def test_a_scoped_key_finds_only_its_accounts(web: Web, keys: Keys) -> None:
    """A key scoped to Globex finds nothing of Acme, whatever it searches."""
    web.sign_in(keys.scoped, me="gl")
    assert listed(web.get("/records").text) == ["C-4"]
    assert listed(web.get("/records", params={"q": "acme"}).text) == []


def test_records_page_is_in_the_navigation(agent: Web) -> None:
    """The header links to the records page."""
    assert '<a href="/records"' in agent.get("/").text


def test_giving_a_flagged_record_a_process_starts_its_clocks(agent: Web) -> None:
    """A record without an entitlement offers the processes; choosing Gold runs its
    milestones from the record's creation (first response already 30 min overdue), and it
    leaves the board's list of records without a clock."""
    page = agent.get("/records/C-5").text
    assert 'id="form-process"' in page
    response = agent.post("/records/C-5/process", {"process": "gold"}, token_from="/records/C-5")
    assert response.status_code == 303
    record = agent.get("/records/C-5").text
    assert 'id="form-process"' not in record
    assert 'data-milestone="first_response"' in record
    assert "30m overdue" in record
    assert 'data-record="C-5"' in agent.get("/").text
    assert listed(agent.get("/records", params={"entitlement": "missing"}).text) == []


def test_an_unknown_process_is_refused_at_the_form(agent: Web) -> None:
    """A process key that does not exist is refused inside the form, and no clock starts."""
    response = agent.post(
        "/records/C-5/process", {"process": "platinum"}, token_from="/records/C-5"
    )
    assert response.status_code == 422
    assert "no process with key" in response.text
    assert 'id="form-process"' in agent.get("/records/C-5").text
