"""Where webhook deliveries may go, and posting them there (server-side request forgery guarded).

Only `https` URLs, or `http` to a host of the allowlist. A host whose addresses include a
private, loopback, link-local, reserved or multicast one is refused unless allowlisted. The
check runs when a subscription is saved and again at every delivery, where the connection
goes to the very address that was checked (DNS rebinding cannot swap it in between), with the
URL's host name kept for the Host header and TLS (SNI and certificate). Connect and read
timeouts bound each attempt, at most `response_cap` bytes of the answer are read, and
redirects are not followed (a 3xx is a failed attempt).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.errors import RuleViolation


@dataclass(frozen=True)
class SendResult:
    status: int | None
    error: str | None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or not ip.is_global)


class WebhookUrls:
    def __init__(self, allowed_hosts: Sequence[str] = ()) -> None:
        self._allowed = frozenset(h.strip().lower() for h in allowed_hosts if h.strip())

    def check(self, url: str) -> None:
        self.target(url)

    def target(self, url: str) -> Target:
        """The URL's parts and the addresses it may be reached at; RuleViolation (field `url`) if none."""
        if len(url) > 2000:
            raise RuleViolation("The URL is longer than 2000 characters", field="url")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise RuleViolation("The URL is not valid", field="url") from None
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not host:
            raise RuleViolation("The URL must be an absolute https:// URL", field="url")
        allowed = host in self._allowed
        if parts.scheme == "http" and not allowed:
            raise RuleViolation("The URL must use https (http only to allowlisted hosts)", field="url")
        if parts.username or parts.password:
            raise RuleViolation("The URL must not carry credentials", field="url")
        port = port or (443 if parts.scheme == "https" else 80)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise RuleViolation(f"The URL's host {host} cannot be resolved", field="url") from None
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))
        if not allowed and any(_refused(a) for a in addresses):
            raise RuleViolation(f"The URL's host {host} resolves to a private, loopback or link-local address",
                                field="url")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return Target(parts.scheme, host, port, path, addresses)


class HttpSender:
    def __init__(self, urls: WebhookUrls, connect_timeout: float = 5.0, read_timeout: float = 10.0,
                 response_cap: int = 4096) -> None:
        self._urls = urls
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._cap = response_cap
        self._tls = ssl.create_default_context()

    def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult:
        try:
            target = self._urls.target(url)
        except RuleViolation as refused:
            return SendResult(None, refused.message)
        try:
            return self._post(target, headers, body)
        except (TimeoutError, socket.timeout):
            return SendResult(None, "Timed out")
        except (OSError, http.client.HTTPException) as error:
            return SendResult(None, f"{type(error).__name__}: {error}"[:300])

    def _post(self, target: Target, headers: dict[str, str], body: bytes) -> SendResult:
        sock = self._connect(target)
        sock.settimeout(self._read_timeout)
        if target.scheme == "https":
            sock = self._tls.wrap_socket(sock, server_hostname=target.host)
        connection = (http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection)(
            target.host, target.port, timeout=self._read_timeout)
        connection.sock = sock  # already connected, to the address that was checked
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(self._cap)  # drained up to the cap, never further
            status = response.status
        finally:
            connection.close()
        if 200 <= status < 300:
            return SendResult(status, None)
        if 300 <= status < 400:
            return SendResult(status, f"HTTP {status}: redirects are not followed")
        return SendResult(status, f"HTTP {status}")

    def _connect(self, target: Target) -> socket.socket:
        """To the first of the checked addresses that answers (never to a name resolved again)."""
        failure: OSError | None = None
        for address in target.addresses:
            try:
                return socket.create_connection((address, target.port), timeout=self._connect_timeout)
            except OSError as error:
                failure = error
        raise failure or OSError("no address")
