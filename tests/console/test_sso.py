"""Single sign-on end to end: the console served on a socket, a real OpenID Connect provider
process, and a cookie-keeping HTTP client playing the browser. Who gets in, who is refused and
why, what is linked or created, and what the audit trail says."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from caseclock.config import Settings
from caseclock.services import invitations, people
from tests.conftest import FAST_PASSWORDS
from tests.console.sso_site import SsoSite, add_person, add_team, sso_site
from tests.oidc_provider import RunningProvider, query_of, real_now, running_provider


@pytest.fixture
def provider() -> Iterator[RunningProvider]:
    with running_provider() as running:
        yield running


def _site(sqlite_template: Path, tmp_path: Path, provider: RunningProvider, **settings: Any) -> Any:
    return sso_site(sqlite_template, tmp_path, issuer=provider.url, **settings)


def _go_to_provider(browser: httpx.Client, next_path: str = "/") -> str:
    """Press "Sign in with Example SSO": the console answers with the provider's address."""
    answer = browser.get("/login/sso", params={"next": next_path})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _come_back(browser: httpx.Client, callback: str) -> httpx.Response:
    """Follow the provider's redirect back to the console's callback."""
    path = callback.split("/login/sso/callback", 1)[1]
    return browser.get("/login/sso/callback" + path)


def _sign_in(site: SsoSite, provider: RunningProvider, subject: str) -> httpx.Response:
    with site.browser() as browser:
        back = provider.authorize(_go_to_provider(browser, "/records"), subject)
        answer = _come_back(browser, back)
        if answer.status_code == 303:
            assert browser.get("/profile").status_code == 200  # the session is real
        return answer


def test_a_known_person_signs_in_and_their_identity_is_linked(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """ana exists with her email; her first sign-in through the provider links the provider's
    subject to her, opens a session and lands where she was going; all of it is audited."""
    with _site(sqlite_template, tmp_path, provider) as site:
        add_person(site.sessions, "ana", "ana@example.com", now=real_now())
        provider.put_user("sub-ana", {"email": "Ana@Example.com", "name": "Ana"})
        answer = _sign_in(site, provider, "sub-ana")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/records"
        assert site.identities() == [("ana", "sub-ana")]
        assert [a for _, a, _ in site.audit("user")][-1] == "link_identity"
        with site.browser() as browser:
            back = provider.authorize(_go_to_provider(browser), "sub-ana")
            assert _come_back(browser, back).status_code == 303
            profile = browser.get("/profile").text
        assert f"Linked to <strong>{provider.url}</strong>" in profile
        assert "with single sign-on" in profile
        assert "You have no caseclock password" in profile
        actor, action, details = site.audit("sign_in")[-1]
        assert (actor, action, details["method"]) == ("ana", "sign_in", "sso")
        assert details["subject"] == "sub-ana"


def test_a_changed_email_at_the_provider_is_still_the_same_person(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """Once linked, the provider's subject finds ana even after her email changed there: no
    second user, no second link."""
    with _site(sqlite_template, tmp_path, provider, oidc_create_users=True) as site:
        add_person(site.sessions, "ana", "ana@example.com", now=real_now())
        provider.put_user("sub-ana", {"email": "ana@example.com"})
        assert _sign_in(site, provider, "sub-ana").status_code == 303
        users = site.users()
        provider.put_user("sub-ana", {"email": "ana.silva@example.org"})
        assert _sign_in(site, provider, "sub-ana").status_code == 303
        assert site.users() == users
        assert site.identities() == [("ana", "sub-ana")]


def test_a_stranger_is_refused_with_a_clear_page_when_users_are_not_created(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """Someone the directory does not know is refused (403) with a page that says so and what
    to do; nobody is created and the refusal is audited."""
    with _site(sqlite_template, tmp_path, provider) as site:
        provider.put_user("sub-zed", {"email": "zed@example.com"})
        users = site.users()
        answer = _sign_in(site, provider, "sub-zed")
        assert answer.status_code == 403
        assert "nobody in caseclock&#39;s directory matches zed@example.com" in answer.text
        assert "ask an admin to invite you" in answer.text
        assert "cc_session" not in answer.headers.get("set-cookie", "")
        assert site.users() == users
        assert site.identities() == []
        actor, action, details = site.audit("sign_in")[-1]
        assert (actor, action) == ("sso:zed@example.com", "refused")
        assert "nobody" in details["reason"]


def test_a_stranger_is_created_with_the_roles_and_teams_of_their_groups(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """With creation on, the first sign-in makes a user from the claims: handle from
    preferred_username, the highest role of the mapped groups, the mapped teams (as a lead
    where the mapping says so)."""
    with _site(
        sqlite_template,
        tmp_path,
        provider,
        oidc_create_users=True,
        oidc_group_claim="groups",
        oidc_group_roles={"support": "agent", "support-leads": "lead"},
        oidc_group_teams={"support-l2": "L2:lead", "support-l1": "L1"},
    ) as site:
        add_team(site.sessions, "L1", now=real_now())
        add_team(site.sessions, "L2", now=real_now())
        provider.put_user(
            "sub-mo",
            {
                "email": "mo@example.com",
                "preferred_username": "mo",
                "name": "Mo Farah",
                "groups": ["support", "support-leads", "support-l2", "elsewhere"],
            },
        )
        assert _sign_in(site, provider, "sub-mo").status_code == 303
        mo = site.user("mo")
        assert mo is not None
        assert (mo.email, mo.role, mo.display_name) == ("mo@example.com", "lead", "Mo Farah")
        assert mo.password_hash is None
        teams = [(a, d) for _, a, d in site.audit("team") if a in ("add_member", "set_lead")]
        assert teams == [("add_member", {"user": "mo", "lead": True})]


def test_a_deactivated_person_is_refused(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """A linked identity does not bring a deactivated user back in."""
    with _site(sqlite_template, tmp_path, provider) as site:
        add_person(site.sessions, "ana", "ana@example.com", now=real_now(), role="admin")
        add_person(site.sessions, "bo", "bo@example.com", now=real_now())
        provider.put_user("sub-bo", {"email": "bo@example.com"})
        assert _sign_in(site, provider, "sub-bo").status_code == 303
        with site.sessions() as session:
            people.deactivate_user(
                session, people.get_user(session, "bo"), by=None, actor="ana", now=real_now()
            )
            session.commit()
        answer = _sign_in(site, provider, "sub-bo")
        assert answer.status_code == 403
        assert "bo is deactivated" in answer.text


def test_a_callback_with_another_state_is_refused_and_creates_nothing(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """A code delivered with a state this browser did not send (a forged or crossed
    callback) is refused before the code is used."""
    with _site(sqlite_template, tmp_path, provider, oidc_create_users=True) as site:
        provider.put_user("sub-eve", {"email": "eve@example.com"})
        with site.browser() as browser:
            back = provider.authorize(_go_to_provider(browser), "sub-eve")
            query = query_of(back)
            answer = browser.get(
                "/login/sso/callback", params={"code": query["code"], "state": "forged"}
            )
            assert answer.status_code == 403
            assert "another state" in answer.text
            assert site.user("eve") is None
            assert site.audit("sign_in")[-1][1] == "refused"


def test_a_callback_without_a_sign_in_in_progress_is_refused(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """A callback in a browser that never left for the provider (no pending sign-in) gets a
    page asking to start again."""
    with _site(sqlite_template, tmp_path, provider) as site:
        with site.browser() as browser:
            answer = browser.get("/login/sso/callback", params={"code": "x", "state": "y"})
        assert answer.status_code == 400
        assert "start it again" in answer.text


def test_a_token_with_another_nonce_is_refused(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """If the authorization request's nonce is swapped on the way (the ID token then carries
    another nonce than this sign-in's), the sign-in is refused and nothing is created."""
    with _site(sqlite_template, tmp_path, provider, oidc_create_users=True) as site:
        provider.put_user("sub-eve", {"email": "eve@example.com"})
        with site.browser() as browser:
            leaving = _go_to_provider(browser)
            nonce = query_of(leaving)["nonce"]
            answer = _come_back(
                browser, provider.authorize(leaving.replace(nonce, "swapped-nonce"), "sub-eve")
            )
            assert answer.status_code == 403
            assert "nonce" in answer.text
            assert site.user("eve") is None


def test_an_expired_token_is_refused(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """On a server whose clock is two hours past the provider's, the provider's one-hour ID
    token has expired: refused, nobody signed in."""
    with _site(sqlite_template, tmp_path, provider) as site:
        add_person(site.sessions, "ana", "ana@example.com", now=real_now())
        provider.put_user("sub-ana", {"email": "ana@example.com"})
        site.clock.shift = timedelta(hours=2)
        answer = _sign_in(site, provider, "sub-ana")
        assert answer.status_code == 403
        assert "the ID token has expired" in answer.text
        assert site.identities() == []


def test_a_provider_that_cannot_be_reached_gives_a_clear_page(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """With nothing answering at the issuer when the person presses the button, the sign-in
    page says the provider cannot be reached (502) and nothing is created."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with sso_site(sqlite_template, tmp_path, issuer=nowhere) as site:
        users = site.users()
        with site.browser() as browser:
            answer = browser.get("/login/sso")
        assert answer.status_code == 502
        assert "Example SSO cannot be reached just now" in answer.text
        assert "Sign in with Example SSO" in answer.text
        assert site.users() == users


def test_a_provider_that_goes_down_during_the_sign_in_gives_a_clear_page(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The provider stops between sending the person back and the code exchange: the same
    clear page, the refusal audited, nobody created or signed in."""
    provider_running = running_provider()
    provider = provider_running.__enter__()
    try:
        with _site(sqlite_template, tmp_path, provider, oidc_create_users=True) as site:
            provider.put_user("sub-eve", {"email": "eve@example.com"})
            with site.browser() as browser:
                back = provider.authorize(_go_to_provider(browser), "sub-eve")
                provider_running.__exit__(None, None, None)
                answer = _come_back(browser, back)
                assert answer.status_code == 502
                assert "cannot be reached just now" in answer.text
                assert site.user("eve") is None
                assert site.audit("sign_in")[-1][1] == "refused"
                assert browser.get("/profile").status_code == 303  # not signed in
    finally:
        provider_running.__exit__(None, None, None)


def test_password_sign_in_can_be_turned_off(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """With password sign-in off, the sign-in page offers only the provider (and the folded
    API key), and a posted password is refused without being checked."""
    with _site(sqlite_template, tmp_path, provider, password_sign_in=False) as site:
        add_person(site.sessions, "ana", "ana@example.com", now=real_now(), password="x" * 20)
        with site.browser() as browser:
            page = browser.get("/login")
            assert "Sign in with Example SSO" in page.text
            assert 'name="password"' not in page.text
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token is not None
            answer = browser.post(
                "/login", data={"csrf": token.group(1), "login": "ana", "password": "x" * 20}
            )
            assert answer.status_code == 403
            assert "Password sign-in is turned off here" in answer.text


def test_an_invitation_accepted_with_single_sign_on_links_the_identity(
    sqlite_template: Path, tmp_path: Path, provider: RunningProvider
) -> None:
    """An invited person who chooses single sign-on on their invitation page is linked to the
    invited user, whatever email the provider holds for them, and the link is used up."""
    with _site(sqlite_template, tmp_path, provider) as site:
        with site.sessions() as session:
            issued = invitations.invite(
                session,
                people.NewUser("mo", "mo@example.com"),
                team=None,
                lead=False,
                actor="root",
                settings=Settings(database_url="sqlite://", console_url=site.url),
                passwords=FAST_PASSWORDS,
                now=real_now(),
            )
            session.commit()
        token = issued.link.rsplit("/", 1)[1]
        provider.put_user("sub-mo", {"email": "m.farah@corp.example"})
        with site.browser() as browser:
            leaving = browser.get(f"/invitation/{token}/sso")
            assert leaving.status_code == 303
            answer = _come_back(browser, provider.authorize(leaving.headers["location"], "sub-mo"))
            assert answer.status_code == 303
            assert browser.get("/profile").status_code == 200
        assert site.identities() == [("mo", "sub-mo")]
        with site.browser() as browser:
            assert browser.get(f"/invitation/{token}").status_code == 410
