"""Deliveries connect to the address that was checked (DNS rebinding), with the URL's host name
kept for the Host header and for TLS; real receivers on 127.0.0.1, plain and HTTPS.

The resolver is a test's parameter (the system's would need a DNS server that changes its
answers); the connections, the receivers and TLS are real.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from caseclock.channels.connections import delivery_client
from caseclock.channels.destinations import RefusedDestination, check_url
from caseclock.channels.outcome import DeliveryStatus
from caseclock.channels.webhook import deliver_webhook
from tests.worker.servers import Receiver, start_receiver, stop_receiver

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "whsec_pinned"
PAYLOAD = {"id": "f-1", "type": "warning"}
HOST = "hooks.rebind.test"  # .test never resolves through a real DNS server
PUBLIC = "93.184.216.34"  # a global address; never connected to in these tests
LOOPBACK = "127.0.0.1"


class Rebinding:
    """A resolver that answers ``first`` once and ``then`` afterwards, counting its calls."""

    def __init__(self, first: str, then: str) -> None:
        self.first, self.then, self.calls = first, then, 0

    def __call__(self, host: str, _port: int) -> list[str]:
        assert host == HOST
        self.calls += 1
        return [self.first if self.calls == 1 else self.then]


def _to(address: str) -> Rebinding:
    return Rebinding(address, address)


def test_a_connection_goes_to_the_resolved_address_and_keeps_the_host_name(
    receiver: Receiver,
) -> None:
    """With a name resolving to 127.0.0.1 (private hosts allowed), the delivery reaches the
    receiver listening there, and the request still names the host it was addressed to: the
    connection used the resolver's answer, the HTTP request the URL's name."""
    url = f"http://{HOST}:{receiver.port}/hook"
    with delivery_client(allow_private=True, resolve=_to(LOOPBACK)) as client:
        outcome = deliver_webhook(
            client, url=url, secret=SECRET, payload=PAYLOAD, now=NOW, allow_private=True
        )
    assert outcome.status is DeliveryStatus.DELIVERED
    [request] = receiver.received
    assert request.headers["Host"] == f"{HOST}:{receiver.port}"


def test_a_name_rebound_to_loopback_after_its_check_never_reaches_the_local_receiver(
    receiver: Receiver,
) -> None:
    """An endpoint whose name resolved to a public address when it was checked (registration)
    and to 127.0.0.1 afterwards: the send resolves it once, for the connection itself, finds
    the loopback address, refuses it for good, and the receiver on 127.0.0.1 hears nothing.
    There is no second lookup between the check and the connection to rebind."""
    url = f"http://{HOST}:{receiver.port}/hook"
    resolver = Rebinding(PUBLIC, LOOPBACK)
    assert check_url(url, allow_private=False, resolve=resolver) == url  # registration
    with delivery_client(allow_private=False, resolve=resolver) as client:
        outcome = deliver_webhook(client, url=url, secret=SECRET, payload=PAYLOAD, now=NOW)
    assert outcome.status is DeliveryStatus.PERMANENT
    assert outcome.reason == (
        f"refused destination: {HOST} (127.0.0.1) is a private or loopback address; an admin "
        "allows those with CASECLOCK_ALLOW_PRIVATE_ENDPOINTS=true"
    )
    assert resolver.calls == 2  # the registration's check, then the connection's
    assert receiver.received == []


def test_a_metadata_address_is_refused_at_connection_even_when_private_hosts_are_allowed(
    receiver: Receiver,
) -> None:
    """Allowing private hosts never allows the cloud metadata service: a name that resolves
    to it is refused when the connection is opened."""
    url = f"http://{HOST}:{receiver.port}/hook"
    metadata = _to("169.254.169.254")
    with (
        delivery_client(allow_private=True, resolve=metadata) as client,
        pytest.raises(RefusedDestination, match="cloud metadata address"),
    ):
        client.post(url, content=b"{}")
    assert receiver.received == []


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST (and its key), written to ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[Receiver, ssl.SSLContext]]:
    """An HTTPS receiver on 127.0.0.1 with a certificate for HOST only, and a client context
    that trusts that certificate (and nothing else)."""
    cert, key = _certificate(tmp_path)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    server, thread = start_receiver(tls=server_side)
    try:
        yield server, ssl.create_default_context(cafile=str(cert))
    finally:
        stop_receiver(server, thread)


def test_tls_is_verified_for_the_host_name_not_the_address(
    tls_receiver: tuple[Receiver, ssl.SSLContext],
) -> None:
    """Over HTTPS the pinned connection presents the URL's name (SNI) and verifies the
    certificate against it: a certificate for the name passes though the socket goes to
    127.0.0.1, while another name resolving to the same address fails verification."""
    receiver, trusted = tls_receiver
    with delivery_client(allow_private=True, resolve=_to(LOOPBACK), verify=trusted) as client:
        outcome = deliver_webhook(
            client,
            url=f"https://{HOST}:{receiver.port}/hook",
            secret=SECRET,
            payload=PAYLOAD,
            now=NOW,
            allow_private=True,
        )
    assert outcome.status is DeliveryStatus.DELIVERED
    assert receiver.received[0].headers["Host"] == f"{HOST}:{receiver.port}"

    def other(_host: str, _port: int) -> list[str]:
        return [LOOPBACK]

    with (
        delivery_client(allow_private=True, resolve=other, verify=trusted) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.post(f"https://other.rebind.test:{receiver.port}/hook", content=b"{}")
    assert len(receiver.received) == 1
