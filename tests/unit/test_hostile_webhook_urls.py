"""A webhook URL's host is judged once, by one rule, at registration and at every connect: an IPv4
address in any spelling a resolver accepts is the address it names, and the allowed-hosts exemption
holds for the host as written, never for another name or spelling that reaches the same address."""

from __future__ import annotations

import ipaddress

import pytest

from services.notifications.egress import EndpointRefused, WebhookClient, endpoint_url_problem, ipv4_of
from tests.unit.test_notifications_egress import endpoint, resolving

LOOPBACK_SPELLINGS = [
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://127.0.0.1./",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.0.1/",
]


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("10.0x10.1", "10.16.0.1"),
        ("169.254.43518", "169.254.169.254"),
        ("134744072", "8.8.8.8"),
    ],
)
def test_any_ipv4_spelling_is_parsed_as_the_address_it_names(host, address):
    assert ipv4_of(host) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("host", ["partner.example", "hooks.partner.example.", "1.example", "localhost"])
def test_a_name_is_not_an_address(host):
    assert ipv4_of(host) is None


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.0.0.1", "1.2.3.256", "1.2.65536", "4294967296", "08.0.0.1", "a.0x"])
def test_a_host_that_looks_like_an_address_but_is_none_is_not_valid(host):
    with pytest.raises(ValueError):
        ipv4_of(host)


@pytest.mark.parametrize("url", [*LOOPBACK_SPELLINGS, "http://0/", "http://localhost./", "http://LocalHost/"])
def test_loopback_in_any_spelling_is_refused_at_registration(url):
    problem = endpoint_url_problem(url, production=False)
    assert problem is not None
    assert any(word in problem for word in ("loopback", "unspecified", "localhost")), problem


def test_a_public_address_in_an_unusual_spelling_is_judged_as_that_address():
    assert endpoint_url_problem("http://134744072/hook", production=False) is None  # 8.8.8.8
    assert "metadata" in (endpoint_url_problem("http://169.254.43518/", production=False) or "")
    assert "not a valid host" in (endpoint_url_problem("http://1.2.3.4.5/", production=False) or "")


@pytest.mark.parametrize("url", [*LOOPBACK_SPELLINGS, "http://0/", "http://localhost./"])
async def test_the_same_rule_refuses_them_at_connect_time_without_a_lookup(url):
    client = WebhookClient(resolver=resolving({}))  # any lookup would raise KeyError
    try:
        with pytest.raises(EndpointRefused):
            await client.post(url, b"{}", {})
    finally:
        await client.aclose()


def test_the_exemption_holds_for_the_host_as_written_not_for_other_spellings_of_its_address():
    allowed = ["127.0.0.1"]
    assert endpoint_url_problem("http://127.0.0.1:8123/hook", production=False, allowed_hosts=allowed) is None
    for url in LOOPBACK_SPELLINGS:
        assert endpoint_url_problem(url, production=False, allowed_hosts=allowed) is not None, url


async def test_a_name_that_resolves_to_an_exempt_address_is_not_exempt_at_connect_time():
    async with endpoint() as server:
        client = WebhookClient(allowed_hosts=["127.0.0.1"], resolver=resolving({"rebind.example": ["127.0.0.1"]}))
        try:
            with pytest.raises(EndpointRefused, match="loopback"):
                await client.post(f"http://rebind.example:{server.port}/hook", b"{}", {})
            with pytest.raises(EndpointRefused, match="loopback"):
                await client.post(f"http://2130706433:{server.port}/hook", b"{}", {})
            # The host as written is still let through.
            answer = await client.post(f"http://127.0.0.1:{server.port}/hook", b"{}", {})
        finally:
            await client.aclose()
    assert answer.status_code == 204
    assert len(server.heads) == 1
