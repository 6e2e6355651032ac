"""/users and /teams: who may change the directory, what each role sees, and errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.people_fixtures import PASSWORD, person
from tests.conftest import Database

NEW_USER = {"handle": "ben", "email": "Ben@Example.com", "role": "agent", "password": PASSWORD}


def test_admin_creates_a_user_and_everyone_reads_the_directory(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An admin creates a user (email kept lower-case, password never returned); a viewer
    lists the directory but cannot see another user's account scope."""
    admin = person(people_client, db, clock, "root", "admin").api
    viewer = person(people_client, db, clock, "vera", "viewer").api
    made = admin.post("/api/v1/users", json={**NEW_USER, "accounts": ["ACME"]})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["email"] == "ben@example.com"
    assert body["has_password"] is True
    assert "password" not in body
    assert "password_hash" not in body
    assert body["accounts"] == ["ACME"]
    listed = viewer.get("/api/v1/users").json()["items"]
    ben = next(u for u in listed if u["handle"] == "ben")
    assert ben["scoped"] is True
    assert ben["accounts"] is None


def test_viewer_and_agent_cannot_change_the_directory(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Creating users and teams is an admin's: viewers and agents get 403 problem details and
    nothing is stored."""
    for handle, role in (("vera", "viewer"), ("ana", "agent"), ("lea", "lead")):
        api = person(people_client, db, clock, handle, role).api
        refused = api.post("/api/v1/users", json=NEW_USER)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert api.post("/api/v1/teams", json={"name": "L1"}).status_code == 403
    admin = person(people_client, db, clock, "root", "admin").api
    assert [u["handle"] for u in admin.get("/api/v1/users").json()["items"]] == [
        "ana",
        "lea",
        "root",
        "vera",
    ]
    assert admin.get("/api/v1/teams").json()["items"] == []


def test_people_change_their_own_name_and_zone_only(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An agent changes their display name and zone; their role, and other people, are out of
    reach (403), and a bad zone is a 422 naming the field."""
    ana = person(people_client, db, clock, "ana", "agent").api
    person(people_client, db, clock, "ben", "agent")
    changed = ana.patch(
        "/api/v1/users/ana", json={"display_name": "Ana L.", "time_zone": "Europe/Madrid"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == "Ana L."
    assert ana.patch("/api/v1/users/ana", json={"role": "admin"}).status_code == 403
    assert ana.patch("/api/v1/users/ben", json={"display_name": "x"}).status_code == 403
    bad = ana.patch("/api/v1/users/ana", json={"time_zone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "time_zone"


def test_duplicate_handle_or_email_conflicts(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A taken handle or email answers 409; a bad handle or a weak password 422."""
    admin = person(people_client, db, clock, "root", "admin").api
    assert admin.post("/api/v1/users", json=NEW_USER).status_code == 201
    assert (
        admin.post("/api/v1/users", json={**NEW_USER, "email": "b2@example.com"}).status_code == 409
    )
    assert admin.post("/api/v1/users", json={**NEW_USER, "handle": "ben2"}).status_code == 409
    bad_handle = admin.post("/api/v1/users", json={**NEW_USER, "handle": "no spaces"})
    assert bad_handle.status_code == 422
    weak = admin.post(
        "/api/v1/users",
        json={
            **NEW_USER,
            "handle": "carl",
            "email": "carl@example.com",
            "password": "carl-is-12345",
        },
    )
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["path"] == "password"


def test_teams_with_members_leads_and_calendar_checks(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A team is created with members and leads; a lead can be set and a member removed; an
    unknown calendar or chat endpoint is a 422, an unknown member a 404."""
    admin = person(people_client, db, clock, "root", "admin").api
    person(people_client, db, clock, "ana", "agent")
    person(people_client, db, clock, "lea", "lead")
    made = admin.post(
        "/api/v1/teams",
        json={"name": "L1", "email": "l1@example.com", "members": ["ana"], "leads": ["lea"]},
    )
    assert made.status_code == 201, made.text
    assert made.json()["leads"] == ["lea"]
    assert [m["handle"] for m in made.json()["members"]] == ["ana", "lea"]
    promoted = admin.put("/api/v1/teams/L1/members/ana", json={"lead": True})
    assert promoted.json()["leads"] == ["ana", "lea"]
    assert admin.delete("/api/v1/teams/L1/members/lea").status_code == 204
    assert admin.get("/api/v1/teams/L1").json()["leads"] == ["ana"]
    ana_teams = admin.get("/api/v1/users/ana").json()["teams"]
    assert ana_teams == [{"team": "L1", "lead": True}]
    assert admin.patch("/api/v1/teams/L1", json={"calendar": "nowhere"}).status_code == 422
    assert admin.patch("/api/v1/teams/L1", json={"chat_endpoint": "nope"}).status_code == 422
    assert admin.put("/api/v1/teams/L1/members/ghost", json={}).status_code == 404
    assert admin.get("/api/v1/teams/L9").status_code == 404


def test_failed_team_creation_stores_neither_team_nor_audit_row(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A team whose member list names an unknown user is refused as a whole: the team and the
    audit row written before the failure are rolled back together."""
    admin = person(people_client, db, clock, "root", "admin").api
    refused = admin.post("/api/v1/teams", json={"name": "L2", "members": ["ghost"]})
    assert refused.status_code == 404
    assert admin.get("/api/v1/teams/L2").status_code == 404
    assert admin.get("/api/v1/audit", params={"kind": "team"}).json()["items"] == []


def test_agent_cannot_change_policy(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Policy and calendars are an admin's: a lead's or an agent's key gets 403."""
    for handle, role in (("ana", "agent"), ("lea", "lead")):
        api = person(people_client, db, clock, handle, role).api
        refused = api.post(
            "/api/v1/calendars", json={"name": "x", "timezone": "UTC", "always_open": True}
        )
        assert refused.status_code == 403
        assert api.client.post("/api/v1/policy", headers=api.headers, json={}).status_code == 403


def test_last_admin_cannot_be_demoted_or_deactivated(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """The installation keeps an active admin user: demoting or deactivating the last one
    answers 409; with a second admin it works."""
    root = person(people_client, db, clock, "root", "admin").api
    person(people_client, db, clock, "ana", "agent")
    assert root.patch("/api/v1/users/root", json={"role": "agent"}).status_code == 409
    assert root.post("/api/v1/users/root/deactivate").status_code == 409
    person(people_client, db, clock, "boss", "admin")
    assert root.patch("/api/v1/users/boss", json={"role": "agent"}).status_code == 200


def test_owners_and_teams_unknown_to_the_directory_are_listed(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Events naming an owner or team the directory lacks are accepted; the admin's list
    names them with how many records carry them, and a name leaves it once mapped."""
    root = person(people_client, db, clock, "root", "admin").api
    for number, owner in enumerate(("ghost", "ghost", "root")):
        event = {
            "id": f"c{number}",
            "record": f"C-{number}",
            "type": "created",
            "at": clock.now().isoformat(),
            "data": {"owner": owner, "team": "EMEA"},
        }
        assert root.post("/api/v1/events", json=event).status_code == 200
    listed = root.get("/api/v1/directory/unmapped").json()
    assert listed == {
        "owners": [{"name": "ghost", "records": 2}],
        "teams": [{"name": "EMEA", "records": 3}],
    }
    assert root.post("/api/v1/teams", json={"name": "EMEA"}).status_code == 201
    assert root.get("/api/v1/directory/unmapped").json()["teams"] == []
    viewer = person(people_client, db, clock, "vera", "viewer").api
    assert viewer.get("/api/v1/directory/unmapped").status_code == 403
