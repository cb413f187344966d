"""tests/unit is ``make unit``, the fast loop: no PostgreSQL, no RabbitMQ, no service processes.

A test here that asks for a fixture of tests/conftest.py that needs the servers is refused when it
is collected: it belongs in tests/integration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NEEDS_SERVERS = {"vhost", "amqp_url", "clean", "settings_for_test"}
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    misplaced = [
        f"{item.nodeid} (asks for {', '.join(sorted(NEEDS_SERVERS & set(getattr(item, 'fixturenames', ()))))})"
        for item in items
        if item.path.is_relative_to(HERE) and NEEDS_SERVERS & set(getattr(item, "fixturenames", ()))
    ]
    if misplaced:
        raise pytest.UsageError(
            "tests/unit runs without servers; move these to tests/integration: " + "; ".join(misplaced)
        )
