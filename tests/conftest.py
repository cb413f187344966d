"""Fixtures shared by the integration and end-to-end tests (real PostgreSQL and RabbitMQ)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from shared.settings import Settings
from tests.support import (
    RUN_ID,
    amqp_url_for_vhost,
    create_vhost,
    delete_vhost,
    drop_databases,
    migrated_services,
    prepare_databases,
    purge_vhost_queues,
    test_settings,
    truncate_all,
)


@pytest.fixture(scope="session")
async def vhost() -> AsyncIterator[str]:
    """A RabbitMQ virtual host and four migrated databases for this run only."""
    name = f"cohesion-test-{RUN_ID}"
    await create_vhost(name)
    await prepare_databases(name)
    yield name
    await drop_databases(name)
    await delete_vhost(name)


@pytest.fixture
async def amqp_url(vhost: str) -> str:
    return amqp_url_for_vhost(vhost)


@pytest.fixture
async def clean(vhost: str) -> AsyncIterator[None]:
    """Every test starts with empty tables and no queues."""
    await purge_vhost_queues(vhost)
    for service in migrated_services():
        await truncate_all(test_settings(service, vhost))
    yield


@pytest.fixture
def settings_for_test(vhost: str, clean: None) -> Callable[..., Settings]:
    def make(service: str, **overrides: object) -> Settings:
        return test_settings(service, vhost, **overrides)

    return make
