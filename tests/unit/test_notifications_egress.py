"""Where webhooks may go: the address classifier, the URL check at registration, and the guard at connect time."""

from __future__ import annotations

import httpx
import pytest

from services.notifications.egress import EndpointRefused, GuardedTransport, endpoint_url_problem, forbidden_reason


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


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


def guarded(addresses: dict[str, list[str]], recorder: Recorder, **kwargs) -> httpx.AsyncClient:
    async def resolve(host: str, port: int) -> list[str]:
        return addresses[host]

    transport = GuardedTransport(
        resolver=resolve, transport_factory=lambda: httpx.MockTransport(recorder.handler), **kwargs
    )
    return httpx.AsyncClient(transport=transport, follow_redirects=False)


async def test_the_request_goes_to_the_checked_address_with_host_and_tls_name_kept():
    recorder = Recorder()
    async with guarded({"hooks.partner.example": ["93.184.215.14"]}, recorder) as client:
        response = await client.post("https://hooks.partner.example/cohesion?x=1", content=b"{}")
    assert response.status_code == 204
    sent = recorder.requests[0]
    assert sent.url.host == "93.184.215.14" and sent.url.path == "/cohesion" and sent.url.params["x"] == "1"
    assert sent.headers["host"] == "hooks.partner.example"
    assert sent.extensions["sni_hostname"] == "hooks.partner.example"


async def test_a_host_that_resolves_to_an_internal_address_is_refused_at_connect_time():
    recorder = Recorder()
    # Registered with a harmless-looking name, later rebound to the metadata service.
    async with guarded({"rebind.partner.example": ["169.254.169.254"]}, recorder) as client:
        with pytest.raises(EndpointRefused, match="metadata"):
            await client.post("https://rebind.partner.example/hook", content=b"{}")
    assert recorder.requests == []


async def test_one_internal_address_among_public_ones_is_enough_to_refuse():
    recorder = Recorder()
    async with guarded({"mixed.example": ["93.184.215.14", "10.0.0.5"]}, recorder) as client:
        with pytest.raises(EndpointRefused, match="private"):
            await client.post("https://mixed.example/hook", content=b"{}")
    assert recorder.requests == []


async def test_ip_literals_are_checked_too():
    recorder = Recorder()
    async with guarded({"::ffff:127.0.0.1": ["::ffff:127.0.0.1"]}, recorder) as client:
        with pytest.raises(EndpointRefused, match="loopback"):
            await client.post("http://[::ffff:127.0.0.1]/hook", content=b"{}")


async def test_plain_http_is_refused_when_https_is_required():
    recorder = Recorder()
    async with guarded({"partner.example": ["93.184.215.14"]}, recorder, require_https=True) as client:
        with pytest.raises(EndpointRefused, match="http"):
            await client.post("http://partner.example/hook", content=b"{}")
    assert recorder.requests == []


async def test_an_allow_listed_address_is_let_through():
    recorder = Recorder()
    async with guarded({"127.0.0.1": ["127.0.0.1"]}, recorder, allowed_hosts=["127.0.0.1"]) as client:
        response = await client.post("http://127.0.0.1:9000/hook", content=b"{}")
    assert response.status_code == 204 and recorder.requests[0].url.port == 9000


async def test_an_ip_literal_is_checked_without_a_lookup():
    recorder = Recorder()
    async with guarded({}, recorder) as client:  # the resolver knows nothing: a lookup would raise KeyError
        with pytest.raises(EndpointRefused, match="private"):
            await client.post("http://10.1.2.3/hook", content=b"{}")
        with pytest.raises(EndpointRefused, match="metadata"):
            await client.post("http://[fd00:ec2::254]/hook", content=b"{}")
        response = await client.post("http://93.184.215.14:8080/hook", content=b"{}")
    assert response.status_code == 204
    assert [str(r.url) for r in recorder.requests] == ["http://93.184.215.14:8080/hook"]
