"""People in the console: password sign-in, sessions that end at the next request, the
people page for admins, everyone's profile, the audit page, and scope through every page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services import people, teams
from tests.conftest import FAST_PASSWORDS, Database
from tests.console.conftest import Web
from tests.console.scenario import Keys
from tests.console.test_board import handed_to_a_role_queue
from tests.console.test_pages import rows
from tests.mail import running_smtp

PASSWORD = "tangerine-otter-44"


def _people(db: Database, clock: FixedClock) -> None:
    """root (admin), ana (agent on L1), lee (lead of L1), gus (agent scoped to globex)."""
    with db.session_factory() as session:
        made = {}
        for handle, role, scope in (
            ("root", "admin", None),
            ("ana", "agent", None),
            ("lee", "lead", None),
            ("gus", "agent", ["globex"]),
        ):
            made[handle] = people.create_user(
                session,
                people.NewUser(
                    handle=handle,
                    email=f"{handle}@example.com",
                    role=role,
                    accounts=scope,
                    password=PASSWORD,
                    time_zone="America/New_York",
                ),
                actor="test",
                passwords=FAST_PASSWORDS,
                now=clock.now(),
            )
        team = teams.create_team(session, "L1", {}, actor="test", now=clock.now())
        teams.set_member(session, team, made["ana"], lead=False, actor="test", now=clock.now())
        teams.set_member(session, team, made["lee"], lead=True, actor="test", now=clock.now())
        session.commit()


@pytest.fixture
def browser(
    db: Database, clock: FixedClock, keys: Keys, fast_password_settings: Settings
) -> Iterator[Callable[[], Web]]:
    """Makes browsers (each with its own cookies) over one app with cheap password hashing
    (its mail goes to a real SMTP server that keeps it)."""
    with ExitStack() as stack:
        yield from _browsers(stack, db, clock, fast_password_settings)


def _browsers(
    stack: ExitStack, db: Database, clock: FixedClock, fast: Settings
) -> Iterator[Callable[[], Web]]:
    _people(db, clock)
    mail = stack.enter_context(running_smtp())
    settings = fast.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mail[1]})
    app = create_app(settings, clock=clock, engine=db.engine, session_factory=db.session_factory)
    clients: list[TestClient] = []

    def make() -> Web:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Web(client)

    try:
        yield make
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def sign_in(web: Web, login: str, password: str = PASSWORD) -> Web:
    response = web.post("/login", {"login": login, "password": password})
    assert response.status_code == 303, response.text
    return web


def signed_out(web: Web) -> bool:
    response = web.get("/", follow_redirects=False)
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def test_password_sign_in_gives_mine_and_my_team(browser: Callable[[], Web]) -> None:
    """ana signs in with her email; the header links her profile; "Mine" and "My team" come
    from the directory (her handle, her team L1)."""
    ana = sign_in(browser(), "ana@example.com")
    board = ana.get("/").text
    assert '<a href="/profile" class="me"' in board
    assert "· L1 · agent" in board
    assert {r for r, *_ in rows(ana.get("/?scope=mine").text)} == {"C-2"}
    assert {r for r, *_ in rows(ana.get("/?scope=team").text)} == {"C-1", "C-2", "C-4"}


def test_wrong_password_then_rate_limit_with_a_clear_message(browser: Callable[[], Web]) -> None:
    """A wrong password answers 401 with a message; after five, even the right one is refused
    with 429 saying sign-in is paused and for how long."""
    web = browser()
    for _ in range(5):
        wrong = web.post("/login", {"login": "ana", "password": "not-her-password"})
        assert wrong.status_code == 401
        assert "That sign-in name or password is wrong." in wrong.text
    paused = web.post("/login", {"login": "ana", "password": PASSWORD})
    assert paused.status_code == 429
    assert "Sign-in is paused: too many failed sign-ins for this account" in paused.text
    assert "try again in 16 minutes" in paused.text


def test_sign_out_everywhere_ends_other_browsers_at_their_next_request(
    browser: Callable[[], Web],
) -> None:
    """Two browsers signed in as ana; one signs out everywhere; the other is sent to sign in at
    its very next request."""
    laptop, phone = sign_in(browser(), "ana"), sign_in(browser(), "ana")
    profile = phone.get("/profile").text
    assert len(re.findall(r"/profile/sessions/\d+/revoke", profile)) == 1  # the other one
    response = phone.post("/profile/sessions/revoke-all", {}, token_from="/profile")
    assert response.headers["location"] == "/login"
    assert signed_out(laptop)
    assert signed_out(phone)


def test_deactivated_user_is_out_at_the_next_request(browser: Callable[[], Web]) -> None:
    """An admin deactivates ana on the people page; ana's open session ends at once."""
    ana = sign_in(browser(), "ana")
    root = sign_in(browser(), "root")
    assert ana.get("/").status_code == 200
    done = root.post("/people/ana/deactivate", {}, token_from="/people")
    assert "deactivated" in root.get(done.headers["location"]).text
    assert signed_out(ana)
    assert sign_in_refused(browser(), "ana")


def sign_in_refused(web: Web, login: str) -> bool:
    return web.post("/login", {"login": login, "password": PASSWORD}).status_code == 401


def test_people_page_is_an_admins(browser: Callable[[], Web]) -> None:
    """Agents and leads get 403 on the people and audit pages and see no link to them; an
    admin invites a person, sets a role, resets a password that then signs in."""
    lee = sign_in(browser(), "lee")
    assert lee.get("/people").status_code == 403
    assert lee.get("/audit").status_code == 403
    assert 'href="/people"' not in lee.get("/").text
    root = sign_in(browser(), "root")
    assert 'href="/people"' in root.get("/").text
    added = root.post(
        "/people",
        {"handle": "mo", "email": "mo@example.com", "role": "agent", "team": "L1"},
        token_from="/people",
    )
    assert "Invitation sent to mo@example.com" in root.get(added.headers["location"]).text
    root.post("/people/mo/role", {"role": "lead"}, token_from="/people")
    reset = root.post("/people/mo/password", {}, token_from="/people")
    match = re.search(r"New password for mo, shown only now: (\S+)</p>", reset.text)
    assert match is not None
    mo = sign_in(browser(), "mo", match.group(1))
    assert "· L1 · lead" in mo.get("/").text
    audit = root.get("/audit?kind=user").text
    assert "user <strong>mo</strong>" in audit
    assert "password" in audit


def test_a_role_queue_is_no_team_the_directory_lacks(
    browser: Callable[[], Web], db: Database
) -> None:
    """W-3 sits in the queue of ``role:senior_engineer``: the people page still lists L2 as a
    team to create, and names the Senior engineer queue apart, as no team to create, never as
    ``senior_engineer``."""
    handed_to_a_role_queue(db, "W-3")
    html = sign_in(browser(), "root").get("/people").text
    panel = html.split('id="unmapped-h"')[1].split("</section>")[0]
    listed = panel.split("</ul>")[0]
    assert '<span class="badge yellow">team</span> <strong>L2</strong>' in listed
    assert "queue" not in listed
    assert (
        "Not listed, as the role queues the policy hands records to are not teams and need "
        "nothing created: the Senior engineer queue (1 record)." in panel
    )
    assert "senior_engineer" not in html


def test_profile_changes_zone_and_makes_a_key_shown_once(browser: Callable[[], Web]) -> None:
    """ana changes her zone (the header shows it), makes a key whose secret is shown once,
    and cannot make one above her role."""
    ana = sign_in(browser(), "ana")
    ana.post(
        "/profile", {"display_name": "Ana L.", "time_zone": "Europe/Madrid"}, token_from="/profile"
    )
    assert "Europe/Madrid" in ana.get("/").text
    made = ana.post("/profile/keys", {"role": "viewer", "name": "script"}, token_from="/profile")
    assert re.search(r'<code class="secret">cc_[0-9a-f]{8}_', made.text)
    assert '<code class="secret">' not in ana.get("/profile").text
    too_much = ana.post("/profile/keys", {"role": "admin"}, token_from="/profile")
    assert "at most their role" in ana.get(too_much.headers["location"]).text


def test_scoped_user_sees_nothing_of_other_accounts(browser: Callable[[], Web]) -> None:
    """gus, scoped to globex, gets 404 on acme's record and account pages, and the board,
    the accounts list and the reports CSV carry nothing of acme (not even in counts)."""
    gus = sign_in(browser(), "gus")
    assert gus.get("/records/C-1").status_code == 404
    assert gus.get("/accounts/acme").status_code == 404
    assert {r for r, *_ in rows(gus.get("/").text)} == {"C-4"}
    accounts = gus.get("/accounts").text
    assert "globex" in accounts
    assert "acme" not in accounts.lower()
    csv = gus.get("/reports/violations.csv")
    assert csv.status_code == 200
    assert "C-1" not in csv.text
    assert "acme" not in csv.text.lower()


def test_record_flags_names_the_directory_lacks_and_offers_its_people(
    browser: Callable[[], Web],
) -> None:
    """C-1's owner bo is no user: the record says so; the hand-over form offers the
    directory's handles and teams; ana's C-2 carries no flag."""
    ana = sign_in(browser(), "ana")
    c1 = ana.get("/records/C-1").text
    assert "not in the directory" in c1
    assert '<datalist id="directory-people"><option value="ana">' in c1
    assert '<option value="L1">' in c1
    c2 = ana.get("/records/C-2").text
    assert "bo" not in re.findall(r"<dt>Owner</dt><dd>([^<]*)", c2)[0]
    assert "not in the directory</span>" not in c2.split("<dt>Owner</dt>")[1].split("</dd>")[0]


def test_lead_sees_the_team_queue_and_acts_on_its_records(browser: Callable[[], Web]) -> None:
    """lee leads L1: "My team" is L1's queue, and a comment lee posts on an L1 record is
    stored with lee as its author."""
    lee = sign_in(browser(), "lee")
    assert {r for r, *_ in rows(lee.get("/?scope=team").text)} == {"C-1", "C-2", "C-4"}
    posted = lee.post(
        "/records/C-1/comment",
        {"body": "Taking a look as the team lead.", "visibility": "internal"},
        token_from="/records/C-1",
    )
    assert posted.status_code == 303
    page = lee.get(posted.headers["location"]).text
    assert "Taking a look as the team lead." in page
    assert "lee" in page


def test_a_lead_of_two_teams_sees_both_on_my_team(
    browser: Callable[[], Web], db: Database, clock: FixedClock
) -> None:
    """lee leads L1 and, once made a lead of L2 too, "My teams" shows both teams' queues, and
    the header names both; an agent on a team (ana, on L1 only) keeps seeing just that one."""
    with db.session_factory() as session:
        l2 = teams.create_team(session, "L2", {}, actor="test", now=clock.now())
        lee = people.get_user(session, "lee")
        teams.set_member(session, l2, lee, lead=True, actor="test", now=clock.now())
        session.commit()
    web = sign_in(browser(), "lee")
    page = web.get("/?scope=team").text
    assert {r for r, *_ in rows(page)} == {"C-1", "C-2", "C-3", "C-4"}
    assert "My teams" in page
    assert "· L1, L2 · lead" in page
    ana = sign_in(browser(), "ana")
    assert {r for r, *_ in rows(ana.get("/?scope=team").text)} == {"C-1", "C-2", "C-4"}
