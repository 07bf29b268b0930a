"""Where the server may send requests of its own (webhooks): public addresses only.

An operator chooses a webhook URL, so without this check they could make the server POST to
its own loopback, the cloud metadata service (169.254.169.254) or the city's internal network.
A target is refused when any address its host resolves to is not globally routable (loopback,
private, shared, link-local, multicast, unspecified, reserved, documentation), also when it
hides behind an IPv4-mapped IPv6 address or a numeric host such as 2130706433, 0x7f.1 or
0177.0.0.1 (which resolvers read as 127.0.0.1). `WEBHOOK_ALLOWED_TARGETS` lets on-premises
receivers through: networks (10.20.0.0/16), addresses or host names.

The rule is checked twice: when the URL is saved (`check_url`, a 400 naming the field) and on
the socket actually connected at delivery (`EgressAdapter`), so a host name that resolved to
a public address when saved and to 127.0.0.1 later (DNS rebinding) is still refused. Redirects
are never followed.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# A label resolvers read as a number: decimal, 0x-hex or 0-prefixed octal (inet_aton forms).
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class EgressRefused(Exception):
    """The target is not one the server may reach."""


@dataclass(frozen=True)
class Policy:
    networks: tuple = ()
    hosts: frozenset = field(default_factory=frozenset)

    @classmethod
    def from_setting(cls, value) -> "Policy":
        """Parse WEBHOOK_ALLOWED_TARGETS: a list or comma-separated string of networks,
        addresses or host names."""
        items = value.split(",") if isinstance(value, str) else list(value or ())
        networks, hosts = [], set()
        for item in (str(i).strip().lower() for i in items):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(item.rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def allows_address(self, address: str) -> bool:
        ip = _address(address)
        if any(ip.version == n.version and ip in n for n in self.networks):
            return True
        return ip.is_global and not ip.is_multicast


def _address(text: str):
    ip = ipaddress.ip_address(text.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        return ip.ipv4_mapped
    return ip


def _host_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise EgressRefused("only http and https targets are allowed")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise EgressRefused("invalid port") from None
    if not host:
        raise EgressRefused("the URL has no host")
    if "%" in host:
        raise EgressRefused("IPv6 zone identifiers are not allowed")
    return host.rstrip(".").lower(), port or (443 if parts.scheme == "https" else 80)


def _non_canonical_ip(host: str) -> bool:
    """True for a numeric host that is not a plain dotted quad (2130706433, 0x7f.1, 0177.0.0.1)."""
    labels = host.split(".")
    if not all(_NUMERIC_LABEL.match(label) for label in labels):
        return False
    try:
        ipaddress.IPv4Address(host)  # refuses leading zeros, hex and short forms
        return False
    except ValueError:
        return True


def check_url(url: str, policy: Policy, resolve=socket.getaddrinfo) -> list[str]:
    """Return the addresses `url` reaches, or raise EgressRefused saying why not. A host that
    does not resolve yet passes (with no addresses): delivery checks the connected peer."""
    host, port = _host_of(url)
    if host in policy.hosts:
        return []
    if _non_canonical_ip(host):
        raise EgressRefused("write the IP address in its usual dotted form")
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    addresses = sorted({info[4][0] for info in infos})
    for address in addresses:
        if not policy.allows_address(address):
            raise EgressRefused(f"{host} resolves to {address}, which is not a public address "
                                "(allow it with WEBHOOK_ALLOWED_TARGETS)")
    return addresses


def check_peer(sock, host: str, policy: Policy) -> None:
    """Check the address a socket actually connected to (defeats DNS rebinding)."""
    if host.rstrip(".").lower() in policy.hosts:
        return
    address = sock.getpeername()[0]
    if not policy.allows_address(address):
        raise EgressRefused(f"{host} connected to {address}, which is not a public address")


def _checked(connection_class, policy: Policy):
    class Checked(connection_class):
        def _new_conn(self):
            sock = super()._new_conn()
            try:
                check_peer(sock, self.host, policy)
            except EgressRefused:
                sock.close()
                raise
            return sock

    return Checked


class EgressAdapter(HTTPAdapter):
    """A requests adapter whose connections check the peer address against `policy`."""

    def __init__(self, policy: Policy, **kwargs):
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        http = type("EgressHTTPPool", (HTTPConnectionPool,),
                    {"ConnectionCls": _checked(HTTPConnection, self.policy)})
        https = type("EgressHTTPSPool", (HTTPSConnectionPool,),
                     {"ConnectionCls": _checked(HTTPSConnection, self.policy)})
        self.poolmanager.pool_classes_by_scheme = {"http": http, "https": https}
