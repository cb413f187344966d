"""On a bad day: the database or the broker unreachable is a 503 with Retry-After, never a 500,
and the first request after the database is back succeeds.

The outage is made by the test, not by stopping the machine's servers: the service reaches
PostgreSQL (or RabbitMQ) through a TCP proxy the test cuts and restores, or has its pool's
connections ended by the server, as a restart ends them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from services.notifications.app import definition as notifications
from services.wards.app import definition as wards
from shared.db import asyncpg_dsn
from shared.problems import PROBLEM_JSON
from tests.proxy import CuttableProxy
from tests.support import eventually, running_service, token

NEW_WARD = [
    {"gss_code": "E05099998", "name": "Outage Ward", "local_authority_name": "Rotherham", "boundary_set": "WD24"}
]


@pytest.fixture
async def database_proxy(settings_for_test) -> AsyncIterator[tuple[CuttableProxy, str]]:
    """A proxy in front of PostgreSQL, and the wards database's URL through it."""
    url = make_url(settings_for_test("wards").db_url)
    proxy = await CuttableProxy(url.host or "127.0.0.1", url.port or 5432).start()
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        await proxy.stop()


async def _none_left(conn: asyncpg.Connection) -> bool:
    left = await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cohesion-wards' AND datname = current_database()"
    )
    return left == 0


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["status"] == 503


async def test_an_unreachable_database_is_a_503_with_retry_after_and_the_first_request_back_succeeds(
    settings_for_test, database_proxy
):
    proxy, via_proxy = database_proxy
    settings = settings_for_test("wards", database_url=via_proxy)
    async with running_service(wards, settings) as (_, client):
        officer = token(settings, "officer")
        assert (await client.get("/v1/wards", headers=officer)).status_code == 200  # the pool holds a connection

        await proxy.cut()
        assert_unavailable(await client.get("/v1/wards", headers=officer))
        assert_unavailable(await client.post("/v1/wards", json=NEW_WARD, headers=officer))
        # The idempotency middleware claims its key in the database before the command runs.
        keyed = {**officer, "Idempotency-Key": "during-the-outage"}
        assert_unavailable(await client.post("/v1/wards", json=NEW_WARD, headers=keyed))

        proxy.restore()
        assert (await client.post("/v1/wards", json=NEW_WARD, headers=keyed)).status_code == 201
        listed = await client.get("/v1/wards", headers=officer)
        assert listed.status_code == 200
        assert "E05099998" in listed.text


async def test_after_a_database_restart_the_first_request_succeeds_on_fresh_connections(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(wards, settings) as (_, client):
        officer = token(settings, "officer")
        for _ in range(3):  # several connections in the pool, each to be ended by the "restart"
            assert (await client.get("/v1/wards", headers=officer)).status_code == 200
        killer = await asyncpg.connect(asyncpg_dsn(settings.db_url))
        try:
            ended = await killer.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'cohesion-wards' AND datname = current_database()"
            )
            # The database is "back" once the ended backends are gone (the pool's sockets closed).
            await eventually(lambda: _none_left(killer))
        finally:
            await killer.close()
        assert ended >= 1
        await asyncio.sleep(0.2)  # the service's loop notices its sockets closed, as it would while idle
        for _ in range(3):
            answer = await client.get("/v1/wards", headers=officer)
            assert answer.status_code == 200, answer.text


async def test_an_unreachable_broker_is_a_503_with_retry_after_when_a_command_needs_it(settings_for_test, amqp_url):
    parts = urlsplit(amqp_url)
    proxy = await CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    via_proxy = urlunsplit(
        (parts.scheme, f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}", parts.path, "", "")
    )
    settings = settings_for_test("notifications", amqp_url=via_proxy)
    try:
        async with running_service(notifications, settings) as (_, client):
            partner = await client.post(
                "/v1/partners",
                json={"name": "South Yorkshire Police", "organisation": "syp", "contact_email": "ops@syp.example"},
                headers=token(settings, "officer"),
            )
            assert partner.status_code == 201, partner.text
            await proxy.cut()
            # A partner's own queue is declared on the broker before anything is stored.
            queue = await client.post(
                "/v1/subscriptions",
                json={"channel": "amqp", "event_types": ["grants.#"]},
                headers=token(settings, "partner", organisation="syp", subject="syp-integration"),
            )
            assert_unavailable(queue)
            proxy.restore()  # the service then stops as it would, not waiting out a dead connection
    finally:
        await proxy.stop()
