"""Test support: an isolated RabbitMQ vhost and databases per run, and services started in-process.

Every run gets its own virtual host and its own databases (named after a run
id), so two runs on one machine never see each other's messages or rows.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
import httpx
from fastapi import FastAPI
from sqlalchemy import text

from shared import registry
from shared.auth import issue_token
from shared.db import create_engine
from shared.migrations import drop_database, prepare_database
from shared.service import Runtime, ServiceDefinition, create_app
from shared.settings import Settings

RUN_ID = os.environ.get("COHESION_TEST_RUN_ID") or uuid.uuid4().hex[:8]
COUNCIL = "E08000018"  # Rotherham
OTHER_COUNCIL = "E08000035"  # Leeds


def management_url() -> str:
    return os.environ.get("COHESION_RABBITMQ_API_URL", "http://guest:guest@127.0.0.1:15672")


def base_amqp_url() -> str:
    return os.environ.get("COHESION_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def amqp_url_for_vhost(vhost: str) -> str:
    parts = urlsplit(base_amqp_url())
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, parts.fragment))


def management_client() -> httpx.AsyncClient:
    parts = urlsplit(management_url())
    auth = (parts.username or "guest", parts.password or "guest")
    base = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return httpx.AsyncClient(base_url=base, auth=auth, timeout=30)


async def create_vhost(vhost: str) -> None:
    async with management_client() as client:
        user = urlsplit(base_amqp_url()).username or "guest"
        (await client.put(f"/api/vhosts/{quote(vhost, safe='')}", json={})).raise_for_status()
        (
            await client.put(
                f"/api/permissions/{quote(vhost, safe='')}/{user}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            )
        ).raise_for_status()


async def delete_vhost(vhost: str) -> None:
    async with management_client() as client:
        await client.delete(f"/api/vhosts/{quote(vhost, safe='')}")


def test_settings(service: str, vhost: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "service": service,
        "db_prefix": f"cohesion_test_{RUN_ID}",
        "amqp_url": amqp_url_for_vhost(vhost),
        "retry_delays_ms": [200, 400],
        "max_attempts": 3,
        "relay_poll_seconds": 0.5,
        "scheduler_interval_seconds": 3600.0,
    }
    values.update(overrides)
    return Settings(**values)


def migrated_services() -> list[str]:
    """The services that have a migration history (all four, once each is built)."""
    return [s for s in registry.names() if any((registry.folder_of(s) / "migrations" / "versions").glob("*.py"))]


async def prepare_databases(vhost: str, services: Iterable[str] | None = None) -> None:
    services = migrated_services() if services is None else services
    for service in services:
        settings = test_settings(service, vhost)
        await drop_database(settings)
        await prepare_database(service, settings)


async def drop_databases(vhost: str, services: Iterable[str] | None = None) -> None:
    for service in migrated_services() if services is None else services:
        await drop_database(test_settings(service, vhost))


async def truncate_all(settings: Settings) -> None:
    """Empty every table of a service's database (between tests)."""
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            names = (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            ).scalars()
            tables = ", ".join(f'"{n}"' for n in names)
            if tables:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


async def purge_vhost_queues(vhost: str) -> None:
    """Delete every queue of the test vhost, so each test declares a fresh topology."""
    async with management_client() as client:
        response = await client.get(f"/api/queues/{quote(vhost, safe='')}")
        response.raise_for_status()
        for queue in response.json():
            await client.delete(f"/api/queues/{quote(vhost, safe='')}/{quote(queue['name'], safe='')}")


def token(
    settings: Settings,
    *roles: str,
    subject: str = "user-1",
    council: str = COUNCIL,
    organisation: str | None = "Rotherham MBC",
    wards: Iterable[str] = (),
) -> dict[str, str]:
    """Authorization headers for a development token."""
    jwt = issue_token(settings, subject=subject, council=council, roles=roles, organisation=organisation, wards=wards)
    return {"Authorization": f"Bearer {jwt}"}


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition, settings: Settings
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The service's app with its lifespan (broker, consumers, relay, schedules), driven in-process."""
    app = create_app(definition, settings)
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        await asyncio.wait_for(runtime.broker_connected.wait(), timeout=30)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{definition.name}") as client:
            yield app, client


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail with its last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def queue_depth(amqp_url: str, queue: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)
