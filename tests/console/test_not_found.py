"""Addresses no console page serves: an HTML page for people, problem details for the API."""

from __future__ import annotations

from tests.console.conftest import Web


def test_unknown_console_address_is_an_html_404(agent: Web) -> None:
    """A mistyped console address answers 404 with an HTML page that leads back to the board,
    not the API's problem JSON."""
    response = agent.get("/recrods/C-1")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    assert 'href="/"' in response.text


def test_unknown_address_without_a_session_is_an_html_404(web: Web) -> None:
    """The page is the same for someone not signed in (no redirect to sign in first)."""
    response = web.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_form_address_opened_as_a_page_is_an_html_405(agent: Web) -> None:
    """Opening a form's address (it only takes POST) answers an HTML page saying so."""
    response = agent.get("/records/C-1/comment")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "cannot be opened this way" in response.text


def test_unknown_api_address_stays_problem_json(agent: Web) -> None:
    """Under ``/api/`` an unknown address is still RFC 9457 problem details."""
    response = agent.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
