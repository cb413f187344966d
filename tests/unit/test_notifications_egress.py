"""Where webhooks may go: the address classifier, the URL check at registration, and the guard at connect time.

The guard is tested through the real client against servers on loopback, reached under
partner-like names by a resolver the test controls (an allow-listed host is exempt by its name as written).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.notifications.egress import EndpointRefused, WebhookClient, endpoint_url_problem, forbidden_reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "81.2.69.160",
        "2606:4700:4700::1111",
        "2a00:1450:4009:81f::200e",
        "::ffff:8.8.8.8",  # IPv4-mapped public address
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
    ],
)
def test_public_addresses_are_allowed(address):
    assert forbidden_reason(address) is None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "private"),  # documentation range, never a real endpoint
        ("fec0::1", "site-local"),
        ("::ffff:127.0.0.1", "embeds 127.0.0.1: loopback"),
        ("::ffff:169.254.169.254", "embeds 169.254.169.254: cloud metadata"),
        ("::ffff:10.1.2.3", "embeds 10.1.2.3: private"),
        ("64:ff9b::7f00:1", "embeds 127.0.0.1: loopback"),
        ("64:ff9b::a9fe:a9fe", "embeds 169.254.169.254: cloud metadata"),
        ("64:ff9b::6440:1", "embeds 100.64.0.1: carrier-grade NAT"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("2002:7f00:1::", "embeds 127.0.0.1: loopback"),
        ("2002:a9fe:a9fe::1", "embeds 169.254.169.254: cloud metadata"),
        ("2002:c0a8:101::1", "embeds 192.168.1.1: private"),
        ("::127.0.0.1", "embeds 127.0.0.1: loopback"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ],
)
def test_internal_addresses_are_refused_with_the_reason(address, reason):
    found = forbidden_reason(address)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    ("url", "production", "problem"),
    [
        ("https://partner.example/hook", True, None),
        ("http://partner.example/hook", False, None),
        ("http://partner.example/hook", True, "https"),
        ("ftp://partner.example/hook", False, "https"),
        ("https://127.0.0.1/hook", False, "loopback"),
        ("https://[::ffff:10.0.0.1]/hook", False, "private"),
        ("https://169.254.169.254/latest/meta-data", False, "metadata"),
        ("https://localhost:8080/hook", False, "localhost"),
        ("https://user:pw@partner.example/hook", False, "credentials"),
        ("https:///hook", False, "no host"),
        ("https://partner.example:99999/hook", False, "not a valid URL"),
    ],
)
def test_a_webhook_url_is_checked_at_registration(url, production, problem):
    found = endpoint_url_problem(url, production=production)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_an_allow_listed_test_address_may_be_registered():
    assert endpoint_url_problem("http://127.0.0.1:8123/hook", production=False, allowed_hosts=["127.0.0.1"]) is None


class Endpoint:
    """A loopback HTTP(S) server that answers 204 and keeps each request's head and TLS server name."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self.server_names: list[str | None] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
            0,
        )
        await reader.readexactly(length)
        self.heads.append(head)
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    def header(self, name: bytes) -> bytes | None:
        for line in self.heads[-1].split(b"\r\n"):
            key, _, value = line.partition(b":")
            if key.strip().lower() == name:
                return value.strip()
        return None


@asynccontextmanager
async def endpoint(tls: ssl.SSLContext | None = None) -> AsyncIterator[Endpoint]:
    found = Endpoint()
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: found.server_names.append(name)
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0, ssl=tls)
    found.port = server.sockets[0].getsockname()[1]
    async with server:
        yield found


def certificate_for(name: str) -> tuple[bytes, bytes]:
    """A self-signed certificate (PEM) and its key (PEM) for ``name``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def resolving(addresses: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        return addresses[host]  # a name the test did not give raises KeyError: no lookup may happen

    return resolve


async def test_the_request_goes_to_the_checked_address_with_host_and_tls_name_kept(tmp_path):
    cert, key = certificate_for("hooks.partner.example")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_tls = ssl.create_default_context(cadata=cert.decode())
    async with endpoint(server_tls) as server:
        client = WebhookClient(
            allowed_hosts=["hooks.partner.example"],  # exempt by its name: its address is loopback here
            resolver=resolving({"hooks.partner.example": ["127.0.0.1"]}),
            require_https=True,
            tls=client_tls,
        )
        try:
            answer = await client.post(
                f"https://hooks.partner.example:{server.port}/cohesion?x=1", b"{}", {"content-type": "x/y"}
            )
        finally:
            await client.aclose()
    assert answer.status_code == 204
    assert server.heads[0].startswith(b"POST /cohesion?x=1 HTTP/1.1")
    assert server.header(b"host") == f"hooks.partner.example:{server.port}".encode()
    # The certificate was verified against the partner's name, which the TLS handshake named too.
    assert server.server_names == ["hooks.partner.example"]


async def test_a_host_that_resolves_to_an_internal_address_is_refused_at_connect_time():
    async with endpoint() as server:
        # Registered with a harmless-looking name, later rebound to loopback (where the server is).
        client = WebhookClient(resolver=resolving({"rebind.partner.example": ["127.0.0.1"]}))
        try:
            with pytest.raises(EndpointRefused, match="loopback"):
                await client.post(f"http://rebind.partner.example:{server.port}/hook", b"{}", {})
        finally:
            await client.aclose()
    assert server.heads == []


async def test_one_internal_address_among_public_ones_is_enough_to_refuse():
    client = WebhookClient(resolver=resolving({"mixed.example": ["93.184.215.14", "169.254.169.254"]}))
    try:
        with pytest.raises(EndpointRefused, match="metadata"):
            await client.post("https://mixed.example/hook", b"{}", {})
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.1.2.3/hook", "private"),
        ("http://[fd00:ec2::254]/hook", "metadata"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://[64:ff9b::a9fe:a9fe]/hook", "metadata"),
    ],
)
async def test_an_ip_literal_is_checked_without_a_lookup(url, reason):
    client = WebhookClient(resolver=resolving({}))
    try:
        with pytest.raises(EndpointRefused, match=reason):
            await client.post(url, b"{}", {})
    finally:
        await client.aclose()


async def test_plain_http_is_refused_when_https_is_required():
    client = WebhookClient(resolver=resolving({"partner.example": ["93.184.215.14"]}), require_https=True)
    try:
        with pytest.raises(EndpointRefused, match="http"):
            await client.post("http://partner.example/hook", b"{}", {})
    finally:
        await client.aclose()


async def test_an_allow_listed_address_is_let_through_and_the_body_arrives_whole():
    async with endpoint() as server:
        client = WebhookClient(allowed_hosts=["127.0.0.1"], resolver=resolving({}))
        try:
            answer = await client.post(f"http://127.0.0.1:{server.port}/hook", b'{"a": 1}', {"webhook-id": "m1"})
        finally:
            await client.aclose()
    assert answer.status_code == 204 and answer.excerpt is None
    assert server.header(b"webhook-id") == b"m1" and server.header(b"content-length") == b"8"
