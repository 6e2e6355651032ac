"""A real OpenID Connect provider for the tests: oidc-provider-mock's Flask app under werkzeug's
server in a thread, on a free port of 127.0.0.1. It signs ID tokens with its own RSA key,
serves discovery and JWKS, and lets a person "sign in" by posting a subject to its authorize
endpoint (the browser tests click its form). People's claims are set with ``put_user``."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import werkzeug.serving
from oidc_provider_mock import User, app


@dataclass(frozen=True)
class RunningProvider:
    url: str  # the issuer

    def put_user(self, subject: str, claims: Mapping[str, Any]) -> None:
        """Give ``subject`` these claims (email, name, groups, ...) in its next tokens."""
        answer = httpx.put(f"{self.url}/users/{subject}", json=dict(claims))
        assert answer.status_code == 204, answer.text

    def authorize(self, authorization_url: str, subject: str) -> str:
        """Sign ``subject`` in at the provider's authorize endpoint the way its form does;
        return where it sends the browser back (the client's callback with code and state)."""
        answer = httpx.post(authorization_url, data={"sub": subject})
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


@contextmanager
def running_provider(*users: User) -> Iterator[RunningProvider]:
    """The provider, with ``users`` known beforehand; it demands a nonce in every request."""
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, app(require_nonce=True, user_claims=users), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield RunningProvider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def real_now() -> datetime:
    """The time the provider stamps on its tokens (a server talking to it runs near it)."""
    return datetime.now(UTC).replace(microsecond=0)


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
