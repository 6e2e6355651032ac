"""Where a delivery may go: email addresses and endpoint URLs, checked where they enter and
again where they are used.

An address is ``local@domain`` with no control character, space or header punctuation, so it
cannot add a header or a recipient to a message. An endpoint URL is ``http(s)://host...`` with
no control character or space, and its host never is a link-local, cloud-metadata, multicast,
reserved or unspecified address; private and loopback hosts only when the installation allows
them (``CASECLOCK_ALLOW_PRIVATE_ENDPOINTS``, for receivers on the same network and for tests).
A host name is judged by what it resolves to: at registration when it resolves, and again
whenever a connection to it is opened, on the very addresses the connection then uses
(``connections.PinnedBackend``), so a name later pointed at a metadata or loopback address is
refused then, however quickly it changes its answer.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

MAX_URL = 2000
MAX_ADDRESS = 254  # RFC 5321's limit on a path
# Cloud instance-metadata services that are not link-local (those are refused as a class).
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("100.100.100.200", "fd00:ec2::254", "169.254.169.254")
)
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]")
_ADDRESS = re.compile(r"[^@<>()\[\],;:\"\\]+@[^@<>()\[\],;:\"\\]+")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]


class RefusedDestination(ValueError):
    """An address or URL a delivery must not go to; the message says why."""


def check_address(address: str) -> str:
    """Return ``address`` if it is one plain email address, else raise ``RefusedDestination``."""
    if _CONTROL.search(address):
        raise RefusedDestination(
            f"recipient {address!r} holds a control character or a space; not an address"
        )
    if len(address) > MAX_ADDRESS or not _ADDRESS.fullmatch(address):
        raise RefusedDestination(f"recipient {address!r} is not an email address")
    return address


def check_url(
    url: str, *, allow_private: bool, resolve: Resolver | None = None, lookup: bool = True
) -> str:
    """Return ``url`` if a delivery may be posted to it, else raise ``RefusedDestination``.

    ``resolve`` (host, port) -> IP strings; the system resolver by default. A host that does
    not resolve is not refused here (the send then fails and is retried). With ``lookup``
    false a host name is not resolved (its addresses are checked when a connection to it is
    opened: ``connections.PinnedBackend``); an address written in the URL always is checked.
    """
    if len(url) > MAX_URL:
        raise RefusedDestination(f"an endpoint URL is at most {MAX_URL} characters")
    if _CONTROL.search(url):
        raise RefusedDestination("an endpoint URL holds no control character or space")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedDestination(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedDestination("an endpoint URL is http(s)://host/...")
    host = parts.hostname
    if lookup or _literal(host.rstrip(".").lower()) is not None:
        default_port = 443 if parts.scheme == "https" else 80
        check_addresses(host, port or default_port, allow_private=allow_private, resolve=resolve)
    elif host.rstrip(".").lower() in METADATA_HOSTS:
        raise RefusedDestination(f"{host} is a cloud metadata service")
    return url


def check_addresses(
    host: str, port: int, *, allow_private: bool, resolve: Resolver | None = None
) -> list[Address]:
    """The addresses of ``host`` (a name or an address) that a delivery may connect to: all
    it resolves to, unless one of them is refused (``RefusedDestination``); none when it does
    not resolve."""
    name = host.rstrip(".").lower()
    if name in METADATA_HOSTS:
        raise RefusedDestination(f"{name} is a cloud metadata service")
    literal = _literal(name)
    found = [literal] if literal is not None else _resolved(name, port, resolve)
    for address in found:
        _check_ip(address, name, allow_private=allow_private)
    return found


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # the forms inet_aton reads and a browser would too: 0x7f.1, 2130706433
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _resolved(host: str, port: int, resolve: Resolver | None) -> list[Address]:
    lookup = resolve or _system_resolve
    try:
        names = list(lookup(host, port))
    except OSError:
        return []
    return [ipaddress.ip_address(name.split("%", 1)[0]) for name in names]


def _system_resolve(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]


def _check_ip(address: Address, host: str, *, allow_private: bool) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    shown = host if host == str(address) else f"{host} ({address})"
    if address in METADATA_ADDRESSES:
        raise RefusedDestination(f"{shown} is a cloud metadata address")
    if address.is_link_local:
        raise RefusedDestination(f"{shown} is a link-local address")
    unusable = address.is_reserved and not address.is_loopback  # ::1 lies in a reserved block
    if address.is_unspecified or address.is_multicast or unusable:
        raise RefusedDestination(f"{shown} is not an address to deliver to")
    private = address.is_loopback or address.is_private or not address.is_global
    if private and not allow_private:
        raise RefusedDestination(
            f"{shown} is a private or loopback address; an admin allows those with "
            "CASECLOCK_ALLOW_PRIVATE_ENDPOINTS=true"
        )
