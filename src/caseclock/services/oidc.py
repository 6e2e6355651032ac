"""Talking to an OpenID Connect provider: discovery, the authorization request, the code
exchange and the ID token's validation.

Nothing is fetched when this module is imported or when the app starts: the discovery document
is fetched at the first sign-in and kept for ``DISCOVERY_TTL``; the provider's signing keys
(JWKS) likewise, fetched again at once when a token names a key they lack (the provider rotated
its keys). Each sign-in carries a fresh ``state`` (the browser that comes back is the one that
left), ``nonce`` (the ID token was minted for this sign-in) and PKCE verifier (the code is
useless to anyone who intercepts it). An ID token is accepted only when signed by one of the
provider's keys with an algorithm it announces (never ``none`` nor a shared-secret one),
issued by the configured issuer, for this client, not expired, and carrying the sign-in's
nonce; Authlib's ``CodeIDToken`` holds those rules, joserfc checks the signature.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

from caseclock.config import Settings
from caseclock.errors import CaseclockError

DISCOVERY_TTL = timedelta(hours=1)
PENDING_LIFETIME = timedelta(minutes=10)  # from leaving for the provider to coming back
LEEWAY_SECONDS = 120  # clock skew allowed between the provider and this server
CALLBACK_PATH = "/login/sso/callback"
SAFE_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class ProviderUnavailable(CaseclockError):
    """The identity provider could not be reached or answered nonsense."""

    status = 502
    title = "The identity provider did not answer"


class TokenRefused(CaseclockError):
    """The provider's answer cannot be trusted for this sign-in."""

    status = 403
    title = "Single sign-on refused"


@dataclass(frozen=True, slots=True)
class Discovery:
    """What caseclock uses of the provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: frozenset[str]
    basic_auth: bool  # client_secret_basic at the token endpoint (else client_secret_post)
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class Pending:
    """A sign-in that left for the provider: kept (signed) in the browser until it returns."""

    state: str
    nonce: str
    verifier: str
    next: str
    invitation: str | None  # the invitation token this sign-in accepts, if any
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "verifier": self.verifier,
            "next": self.next,
            "invitation": self.invitation,
            "exp": int(self.expires_at.timestamp()),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, now: datetime) -> Pending | None:
        """The pending sign-in a cookie holds, None when garbled or past its lifetime."""
        try:
            expires = datetime.fromtimestamp(int(data["exp"]), tz=now.tzinfo)
            pending = cls(
                state=str(data["state"]),
                nonce=str(data["nonce"]),
                verifier=str(data["verifier"]),
                next=str(data["next"]),
                invitation=None if data.get("invitation") is None else str(data["invitation"]),
                expires_at=expires,
            )
        except (KeyError, TypeError, ValueError):
            return None
        return pending if expires > now else None


def begin(*, next_path: str, invitation: str | None, now: datetime) -> Pending:
    return Pending(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=generate_token(64),  # 43-128 unreserved characters (RFC 7636)
        next=next_path,
        invitation=invitation,
        expires_at=now + PENDING_LIFETIME,
    )


class Provider:
    """One installation's identity provider; its discovery and keys are cached per process."""

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        if not settings.single_sign_on:
            raise ValueError("single sign-on is not configured")
        self.issuer = str(settings.oidc_issuer).rstrip("/")
        self.client_id = str(settings.oidc_client_id)
        self.client_secret = settings.oidc_client_secret
        self.scopes = settings.oidc_scopes
        self.redirect_uri = settings.console_url.rstrip("/") + CALLBACK_PATH
        self._timeout = settings.oidc_timeout
        self._transport = transport
        self._lock = threading.Lock()
        self._discovery: Discovery | None = None
        self._keys: KeySet | None = None

    def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as http:
                response = http.get(url, headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{what} could not be fetched from {url}: {exc}") from exc
        return _json_object(response, what)

    def discovery(self, *, now: datetime) -> Discovery:
        """The discovery document, fetched when missing or older than ``DISCOVERY_TTL``."""
        with self._lock:
            found = self._discovery
            if found is not None and now - found.fetched_at < DISCOVERY_TTL:
                return found
        url = f"{self.issuer}/.well-known/openid-configuration"
        document = self._get(url, "the provider's discovery document")
        try:
            issuer = str(document["issuer"])
            endpoints = [str(document[k]) for k in ("authorization_endpoint", "token_endpoint")]
            jwks_uri = str(document["jwks_uri"])
        except KeyError as exc:
            raise ProviderUnavailable(f"the discovery document at {url} lacks {exc}") from None
        if issuer.rstrip("/") != self.issuer:
            raise ProviderUnavailable(
                f"the discovery document names the issuer {issuer!r}, not {self.issuer!r}"
            )
        announced = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        found = Discovery(
            issuer=issuer,
            authorization_endpoint=endpoints[0],
            token_endpoint=endpoints[1],
            jwks_uri=jwks_uri,
            algorithms=frozenset(str(a) for a in announced) & SAFE_ALGORITHMS,
            basic_auth="client_secret_basic" in methods,
            fetched_at=now,
        )
        with self._lock:
            self._discovery = found
            self._keys = None
        return found

    def _key_set(self, discovery: Discovery, *, refresh: bool) -> KeySet:
        with self._lock:
            if self._keys is not None and not refresh:
                return self._keys
        document = self._get(discovery.jwks_uri, "the provider's signing keys")
        try:
            keys = KeySet.import_key_set(cast(Any, document))
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable(f"the provider's signing keys are unusable: {exc}") from exc
        with self._lock:
            self._keys = keys
        return keys

    def authorization_url(self, pending: Pending, *, now: datetime) -> str:
        """Where to send the browser: the provider's sign-in, with state, nonce and PKCE."""
        discovery = self.discovery(now=now)
        url: str = prepare_grant_uri(
            discovery.authorization_endpoint,
            client_id=self.client_id,
            response_type="code",
            redirect_uri=self.redirect_uri,
            scope=self.scopes,
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.verifier),
            code_challenge_method="S256",
        )
        return url

    def exchange(self, code: str, pending: Pending, *, now: datetime) -> dict[str, Any]:
        """Trade the authorization code for tokens at the token endpoint."""
        discovery = self.discovery(now=now)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": pending.verifier,
        }
        auth: httpx.BasicAuth | None = None
        if self.client_secret is not None and discovery.basic_auth:
            auth = httpx.BasicAuth(self.client_id, self.client_secret)
        else:
            form["client_id"] = self.client_id
            if self.client_secret is not None:
                form["client_secret"] = self.client_secret
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as http:
                response = http.post(
                    discovery.token_endpoint, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT
                )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the token endpoint could not be reached: {exc}") from exc
        if 400 <= response.status_code < 500:
            raise TokenRefused(f"the provider refused the sign-in code ({_oauth_error(response)})")
        return _json_object(response, "the token endpoint's answer")

    def validated_claims(
        self, id_token: str, *, nonce: str, access_token: str | None, now: datetime
    ) -> dict[str, Any]:
        """The claims of ``id_token`` once signature, issuer, audience, expiry and nonce hold;
        ``TokenRefused`` saying which did not."""
        discovery = self.discovery(now=now)
        algorithms = sorted(discovery.algorithms) or ["RS256"]
        try:
            try:
                token = jwt.decode(id_token, self._key_set(discovery, refresh=False), algorithms)
            except (InvalidKeyIdError, BadSignatureError):
                # the provider may have rotated its keys since they were fetched
                token = jwt.decode(id_token, self._key_set(discovery, refresh=True), algorithms)
        except BadSignatureError:
            raise TokenRefused("the ID token's signature is not the provider's") from None
        except JoseError as exc:
            raise TokenRefused(f"the ID token cannot be read: {exc.description}") from None
        options = {
            "iss": {"essential": True, "value": discovery.issuer},
            "aud": {"essential": True, "value": self.client_id},
        }
        params = {"nonce": nonce, "client_id": self.client_id, "access_token": access_token}
        claims = CodeIDToken(token.claims, token.header, options, params)
        try:
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
        except ExpiredTokenError:
            raise TokenRefused("the ID token has expired") from None
        except ClaimError as exc:
            raise TokenRefused(_claim_problem(exc.claim)) from None
        return dict(claims)


def _claim_problem(claim: str) -> str:
    return {
        "aud": "the ID token was issued for another application (audience)",
        "azp": "the ID token was issued for another application (authorized party)",
        "iss": "the ID token comes from another issuer",
        "nonce": "the ID token was not made for this sign-in (nonce)",
        "iat": "the ID token was issued in the future",
        "nbf": "the ID token is not valid yet",
        "at_hash": "the ID token does not match its access token",
    }.get(claim, f"the ID token's {claim!r} claim is missing or wrong")


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise ProviderUnavailable(f"{what}: the provider answered HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        raise ProviderUnavailable(f"{what} is not JSON") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{what} is not a JSON object")
    return document


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return f"HTTP {response.status_code}"
