"""Where deliveries may go: endpoint URLs and email addresses are checked where they enter
(registration, policy) and again where they are used (the channels, before each send)."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from caseclock.api.app import create_app
from caseclock.channels.destinations import (
    RefusedDestination,
    Resolver,
    check_address,
    check_url,
)
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.core.actions import ActionSpec
from caseclock.services.access import create_key
from caseclock.store.database import SessionFactory
from caseclock.store.models import DeliveryRow
from tests.conftest import T0, Database
from tests.worker.firing_setup import created, minutes, prepare, run_once, send, settings_for
from tests.worker.servers import Receiver, SmtpSink


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/latest/", "metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://100.100.100.200/latest/meta-data/", "metadata"),
        ("http://169.254.10.1/hook", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://[::ffff:169.254.169.254]/", "metadata"),
        ("http://0.0.0.0:8000/hook", "not an address"),
        ("http://224.0.0.1/hook", "not an address"),
        ("ftp://ops.example.com/hook", "http(s)"),
        ("file:///etc/passwd", "http(s)"),
        ("gopher://ops.example.com/", "http(s)"),
        ("https://ops.example.com/ho\nok", "control character"),
        ("https://ops.example.com/\x00", "control character"),
        ("https://ops.example.com/a b", "control character"),
        ("https:///no-host", "http(s)"),
    ],
)
def test_urls_a_delivery_never_goes_to(url: str, why: str) -> None:
    """Metadata, link-local, unspecified and multicast hosts, other schemes and control
    characters are refused, even where private addresses are allowed."""
    with pytest.raises(RefusedDestination, match=why.replace("(", r"\(").replace(")", r"\)")):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://0x7f.1/hook",  # 127.0.0.1 as inet_aton reads it
        "http://2130706433/hook",  # 127.0.0.1 as one number
    ],
)
def test_private_and_loopback_hosts_only_when_allowed(url: str) -> None:
    """A private or loopback host, however written, needs the installation's permission."""
    with pytest.raises(RefusedDestination, match="ALLOW_PRIVATE_ENDPOINTS"):
        check_url(url, allow_private=False)
    assert check_url(url, allow_private=True) == url


PUBLIC = "93.184.216.34"


def test_a_host_name_is_judged_by_what_it_resolves_to() -> None:
    """A name that resolves to a metadata address is refused even when private hosts are
    allowed; one that resolves to a public address passes; one that does not resolve passes
    (the send will fail and be retried, and is checked again then)."""

    def to(*addresses: str) -> Resolver:
        return lambda _host, _port: list(addresses)

    with pytest.raises(RefusedDestination, match="metadata"):
        check_url("http://hooks.example.com/", allow_private=True, resolve=to("169.254.169.254"))
    with pytest.raises(RefusedDestination, match="private"):
        check_url(
            "http://hooks.example.com/",
            allow_private=False,
            resolve=to("93.184.216.34", "10.0.0.7"),
        )
    public = check_url(
        "https://hooks.example.com/x", allow_private=False, resolve=to("93.184.216.34")
    )
    assert public == "https://hooks.example.com/x"

    def unresolvable(_host: str, _port: int) -> list[str]:
        raise OSError("Name or service not known")

    assert check_url("https://nowhere.invalid/", allow_private=False, resolve=unresolvable)


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.com\r\nBcc: eve@evil.example",
        "ana@example.com\n",
        "ana@example.com, eve@evil.example",
        "Ana <ana@example.com>",
        "ana example@example.com",
        "ana",
        "ana@",
        "@example.com",
        "ana@example.com\x00",
    ],
)
def test_recipients_that_are_not_one_plain_address_are_refused(address: str) -> None:
    """Line breaks, several addresses, display names, spaces and NULs are not an address."""
    with pytest.raises(RefusedDestination):
        check_address(address)


def test_plain_addresses_pass() -> None:
    """Ordinary addresses, with dots, plus and hyphens, go through unchanged."""
    for address in ("ana@example.com", "first.last+sla@sub.example-corp.co.uk"):
        assert check_address(address) == address


def test_a_policy_cannot_carry_a_raw_url() -> None:
    """A webhook action names a registered endpoint; a url in a policy is refused."""
    with pytest.raises(ValidationError, match="registered endpoint"):
        ActionSpec(type="webhook", url="http://169.254.169.254/")
    with pytest.raises(ValidationError, match="endpoint"):
        ActionSpec(type="webhook")
    assert ActionSpec(type="webhook", endpoint="ops").endpoint == "ops"


def _api(db: Database, clock: FixedClock, *, allow_private: bool) -> TestClient:
    settings = Settings(database_url=db.url, allow_private_endpoints=allow_private)
    app = create_app(settings, clock=clock, engine=db.engine, session_factory=db.session_factory)
    return TestClient(app)


@pytest.fixture
def admin(db: Database) -> dict[str, str]:
    with db.session_factory() as session:
        made = create_key(session, role="admin", name=None, accounts=None, now=T0)
        session.commit()
    return {"Authorization": f"Bearer {made.secret}"}


def _register(client: TestClient, admin: dict[str, str], url: str) -> httpx.Response:
    body = {"name": "ops", "kind": "chat", "url": url}
    response: httpx.Response = client.post("/api/v1/endpoints", json=body, headers=admin)
    return response


def test_registration_refuses_what_a_delivery_may_not_reach(
    db: Database, clock: FixedClock, admin: dict[str, str]
) -> None:
    """POST /endpoints answers 422 naming `url` for a metadata address, another scheme, a
    control character, and a loopback host while the installation does not allow private
    ones; nothing is stored."""
    with _api(db, clock, allow_private=False) as client:
        for url in (
            "http://169.254.169.254/latest/meta-data/",
            "file:///etc/passwd",
            "https://hooks.example.com/a\r\nX-Injected: 1",
            "http://127.0.0.1:9000/hook",
        ):
            response = _register(client, admin, url)
            assert response.status_code == 422, url
            assert response.json()["errors"][0]["path"] == "url"
        assert client.get("/api/v1/endpoints", headers=admin).json() == []


def test_registration_takes_a_loopback_host_when_the_installation_allows_it(
    db: Database, clock: FixedClock, admin: dict[str, str]
) -> None:
    """With CASECLOCK_ALLOW_PRIVATE_ENDPOINTS a loopback receiver registers; metadata still
    does not."""
    with _api(db, clock, allow_private=True) as client:
        assert _register(client, admin, "http://127.0.0.1:9000/hook").status_code == 201
        refused = _register(client, admin, "http://169.254.169.254/")
        assert refused.status_code == 422


def test_a_send_to_a_host_no_longer_allowed_is_refused_before_it_leaves(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
) -> None:
    """An endpoint registered while private hosts were allowed is checked again at send time:
    a worker whose installation no longer allows them dead-letters the delivery, and the
    receiver never hears of it."""
    url, factory = committed_db
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-1", T0))
    settings = settings_for(url, smtp_sink[1], allow_private_endpoints=False)
    run_once(factory, settings, client, T0 + minutes(50))
    with factory() as session:
        row = session.scalars(select(DeliveryRow).where(DeliveryRow.channel == "webhook")).one()
    assert row.state == "failed"
    assert row.last_error is not None
    assert "private or loopback" in row.last_error
    assert receiver.received == []
