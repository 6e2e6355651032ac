"""The OpenID Connect client against a real provider process: discovery when first needed and
cached, the authorization request (state, nonce, PKCE), the code exchange, and an ID token
refused for each thing that can be wrong with it."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from caseclock.config import Settings
from caseclock.services import oidc
from caseclock.services.oidc import Pending, Provider, ProviderUnavailable, TokenRefused
from tests.oidc_provider import RunningProvider, query_of, running_provider


@pytest.fixture
def now() -> datetime:
    """The real time when the test starts: the provider stamps its tokens with it."""
    return datetime.now(UTC)


def _settings(issuer: str, client_id: str = "caseclock") -> Settings:
    return Settings(
        database_url="sqlite://",
        oidc_issuer=issuer,
        oidc_client_id=client_id,
        oidc_client_secret="s3cret",
        console_url="http://127.0.0.1:9",
    )


def _signed_in(
    provider: RunningProvider, client: Provider, subject: str, now: datetime
) -> tuple[Pending, str]:
    """A sign-in of ``subject`` taken to its ID token: (the pending sign-in, the token)."""
    pending = oidc.begin(next_path="/", invitation=None, now=now)
    back = provider.authorize(client.authorization_url(pending, now=now), subject)
    tokens = client.exchange(query_of(back)["code"], pending, now=now)
    return pending, str(tokens["id_token"])


def test_nothing_is_fetched_before_a_sign_in_and_discovery_is_then_cached(now: datetime) -> None:
    """Making the client fetches nothing (no provider is running yet); the first sign-in
    fetches discovery, later ones use the cached document even while the provider is down,
    until the cache is an hour old."""
    with running_provider() as provider:
        issuer = provider.url
    client = Provider(_settings(issuer))  # the provider is gone: construction must not care
    with pytest.raises(ProviderUnavailable, match="discovery document could not be fetched"):
        client.authorization_url(oidc.begin(next_path="/", invitation=None, now=now), now=now)
    with running_provider() as provider:
        client = Provider(_settings(provider.url))
        client.authorization_url(oidc.begin(next_path="/", invitation=None, now=now), now=now)
    later = now + timedelta(minutes=59)
    url = client.authorization_url(oidc.begin(next_path="/", invitation=None, now=later), now=later)
    assert url.startswith(provider.url)
    stale = now + timedelta(hours=1)
    with pytest.raises(ProviderUnavailable):
        client.authorization_url(oidc.begin(next_path="/", invitation=None, now=stale), now=stale)


def test_the_authorization_request_carries_state_nonce_and_a_pkce_challenge(now: datetime) -> None:
    """The browser is sent with this sign-in's state and nonce, the S256 challenge of its
    verifier, the client id, the callback and the scopes."""
    with running_provider() as provider:
        client = Provider(_settings(provider.url))
        pending = oidc.begin(next_path="/", invitation=None, now=now)
        query = query_of(client.authorization_url(pending, now=now))
    digest = hashlib.sha256(pending.verifier.encode("ascii")).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge_method"] == "S256"
    assert (query["state"], query["nonce"]) == (pending.state, pending.nonce)
    assert query["client_id"] == "caseclock"
    assert query["redirect_uri"] == "http://127.0.0.1:9/login/sso/callback"
    assert query["scope"] == "openid email profile"
    assert 43 <= len(pending.verifier) <= 128


def test_a_good_token_gives_its_claims(now: datetime) -> None:
    """Signed by the provider, for this client, fresh, with this sign-in's nonce: the claims,
    the provider's own among them."""
    with running_provider() as provider:
        provider.put_user("u-1", {"email": "ana@example.com", "groups": ["support"]})
        client = Provider(_settings(provider.url))
        pending, token = _signed_in(provider, client, "u-1", now)
        claims = client.validated_claims(token, nonce=pending.nonce, access_token=None, now=now)
    assert claims["sub"] == "u-1"
    assert claims["email"] == "ana@example.com"
    assert claims["groups"] == ["support"]
    assert claims["iss"] == provider.url


def test_a_token_for_another_application_is_refused(now: datetime) -> None:
    """An ID token the provider issued to another client id (its audience) is refused."""
    with running_provider() as provider:
        other = Provider(_settings(provider.url, client_id="someone-else"))
        pending, token = _signed_in(provider, other, "u-1", now)
        ours = Provider(_settings(provider.url))
        with pytest.raises(TokenRefused, match="another application"):
            ours.validated_claims(token, nonce=pending.nonce, access_token=None, now=now)


def test_a_token_of_another_sign_in_is_refused(now: datetime) -> None:
    """A token whose nonce is not this sign-in's (a replayed token) is refused."""
    with running_provider() as provider:
        client = Provider(_settings(provider.url))
        _, token = _signed_in(provider, client, "u-1", now)
        with pytest.raises(TokenRefused, match="nonce"):
            client.validated_claims(token, nonce="another", access_token=None, now=now)


def test_an_expired_token_is_refused(now: datetime) -> None:
    """The provider's tokens last an hour: past it (and the two minutes of leeway), refused;
    within the leeway, still good."""
    with running_provider() as provider:
        client = Provider(_settings(provider.url))
        pending, token = _signed_in(provider, client, "u-1", now)
        client.validated_claims(
            token, nonce=pending.nonce, access_token=None, now=now + timedelta(minutes=61)
        )
        with pytest.raises(TokenRefused, match="expired"):
            client.validated_claims(
                token, nonce=pending.nonce, access_token=None, now=now + timedelta(minutes=63)
            )


def test_a_token_signed_by_another_key_is_refused(now: datetime) -> None:
    """A token made by another provider (its own key) does not verify with this provider's
    keys, even after fetching them again."""
    with running_provider() as stranger:
        foreign = Provider(_settings(stranger.url))
        pending, token = _signed_in(stranger, foreign, "u-1", now)
    with running_provider() as provider:
        client = Provider(_settings(provider.url))
        with pytest.raises(TokenRefused, match="signature"):
            client.validated_claims(token, nonce=pending.nonce, access_token=None, now=now)


def test_a_tampered_token_is_refused(now: datetime) -> None:
    """Changing one claim of a good token breaks its signature."""
    with running_provider() as provider:
        client = Provider(_settings(provider.url))
        pending, token = _signed_in(provider, client, "u-1", now)
        header, payload, signature = token.split(".")
        claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        forged = claims.replace(b'"sub": "u-1"', b'"sub": "u-2"').replace(
            b'"sub":"u-1"', b'"sub":"u-2"'
        )
        assert forged != claims
        body = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
        with pytest.raises(TokenRefused, match="signature"):
            client.validated_claims(
                f"{header}.{body}.{signature}", nonce=pending.nonce, access_token=None, now=now
            )


def test_a_code_used_twice_is_refused_by_the_provider(now: datetime) -> None:
    """The provider answers a reused authorization code with an error: refused, not a crash."""
    with running_provider() as provider:
        client = Provider(_settings(provider.url))
        pending = oidc.begin(next_path="/", invitation=None, now=now)
        back = provider.authorize(client.authorization_url(pending, now=now), "u-1")
        code = query_of(back)["code"]
        client.exchange(code, pending, now=now)
        with pytest.raises(TokenRefused, match="refused the sign-in code"):
            client.exchange(code, pending, now=now)


def test_single_sign_on_settings_hang_together(now: datetime) -> None:
    """An issuer needs a client id, and password sign-in can be turned off only with single
    sign-on; a group may map only to a role that exists."""
    with pytest.raises(ValueError, match="needs CASECLOCK_OIDC_CLIENT_ID"):
        Settings(database_url="sqlite://", oidc_issuer="https://id.example.com")
    with pytest.raises(ValueError, match="PASSWORD_SIGN_IN can be false only"):
        Settings(database_url="sqlite://", password_sign_in=False)
    with pytest.raises(ValueError, match="is not admin, lead, agent or viewer"):
        Settings(database_url="sqlite://", oidc_group_roles={"ops": "boss"})
