"""Where webhooks may go: the address classifier and the HTTP transport that enforces it at connect time.

A URL checked only at registration can later resolve to an internal address
(DNS rebinding), so the transport resolves the host once per request, refuses
the request if any address is private, loopback, link-local, CGNAT, metadata or
otherwise not public (including IPv6 forms that embed such an IPv4 address), and
connects to the very address it checked — keeping the ``Host`` header and the TLS
server name of the original host, so virtual hosting and certificates still work.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}

Resolver = Callable[[str, int], Awaitable[list[str]]]


class EndpointRefused(httpx.TransportError):
    """The endpoint's address is not one a webhook may be sent to."""


def forbidden_reason(address: IPAddress | str) -> str | None:
    """Why a webhook must not connect to ``address``; None when it is a public address."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if ip in METADATA:
        return "cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = forbidden_reason(embedded)
            return f"embeds {embedded}: {inner}" if inner else None
        if ip in NAT64_LOCAL_USE:
            return "local-use NAT64 address"
        if ip.teredo is not None:
            return "Teredo tunnel address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "carrier-grade NAT address (100.64.0.0/10)"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local address"
    if ip.is_reserved:
        return "reserved address"
    if ip.is_private:
        return "private address"
    if not ip.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for: mapped, 6to4, NAT64 or the old compatible form."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # '::' and '::1' are not IPv4-compatible addresses
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def endpoint_url_problem(url: str, *, production: bool, allowed_hosts: Collection[str] = ()) -> str | None:
    """What is wrong with a webhook URL as registered; None when it may be used.

    A host name cannot be judged until it is resolved: that happens at every connect.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return "the URL must use https (or http outside production)"
    if production and parts.scheme != "https":
        return "the URL must use https"
    if not host:
        return "the URL has no host"
    if parts.username or parts.password:
        return "the URL must not carry credentials"
    if host in allowed_hosts:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return "localhost is not a public address"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    reason = forbidden_reason(ip)
    return f"{host} is a {reason}" if reason else None


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _ip_literal(host: str) -> str:
    """The address in its usual form (as the resolver gives it), its scope kept."""
    address, _, scope = host.partition("%")
    text = str(ipaddress.ip_address(address))
    return f"{text}%{scope}" if scope else text


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that only ever connects to an address it has checked."""

    def __init__(
        self,
        *,
        allowed_hosts: Collection[str] = (),
        require_https: bool = False,
        resolver: Resolver = system_resolver,
        transport_factory: Callable[[], httpx.AsyncBaseTransport] = httpx.AsyncHTTPTransport,
    ) -> None:
        self.allowed_hosts = set(allowed_hosts)
        self.require_https = require_https
        self.resolver = resolver
        self.transport_factory = transport_factory
        # One pool per host name, so a pooled connection is never reused with another host's TLS name.
        self._transports: dict[str, httpx.AsyncBaseTransport] = {}

    async def checked_address(self, host: str, port: int) -> str:
        try:
            # An IP literal is its own (only) address: no lookup in a thread; it is still checked below.
            addresses = [_ip_literal(host)] if _is_ip_literal(host) else await self.resolver(host, port)
        except OSError as exc:
            raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpx.ConnectError(f"{host} has no address")
        if host in self.allowed_hosts:
            return addresses[0]
        for address in addresses:
            if address in self.allowed_hosts:
                continue
            reason = forbidden_reason(address.split("%", 1)[0])
            if reason:
                raise EndpointRefused(f"{host} resolves to {address}, a {reason}")
        return addresses[0]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https") or (self.require_https and url.scheme != "https"):
            raise EndpointRefused(f"{url.scheme} endpoints are not allowed")
        host = url.host
        address = await self.checked_address(host, url.port or (443 if url.scheme == "https" else 80))
        # The Host header was set from the original URL when the request was built.
        request.url = url.copy_with(host=address)
        if url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        transport = self._transports.get(host)
        if transport is None:
            transport = self._transports[host] = self.transport_factory()
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()
        self._transports.clear()
