"""A trace that never breaks: every event on ``cohesion.events`` carries a ``traceparent``.

The four services run as separate processes, their clocks ticking every second. The demo
scenario runs (`make up`'s data, then `make demo`: commands, consumers, a partner's webhook),
the clocks raise what the demo's 2017 milestones make overdue, and a queue of the test's own,
bound to ``#``, sees every event published meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.docs import load_definitions
from shared.messaging.topology import declare_topology
from shared.telemetry import trace_id_of
from tests.integration.test_backbone import Tap
from tests.support import RUN_ID, amqp_url_for_vhost, eventually
from tests.system import System, system_env

pytestmark = pytest.mark.e2e


@pytest.fixture
async def every_event(settings_for_test, vhost: str, tmp_path: Path) -> AsyncIterator[tuple[System, Tap]]:
    """The four services, their clocks ticking every second, and a tap on ``#`` from before they start."""
    settings_for_test("grants")  # empties every database and queue first
    amqp_url = amqp_url_for_vhost(vhost)
    env, urls = system_env(
        f"cohesion_test_{RUN_ID}",
        amqp_url,
        COHESION_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        COHESION_WEBHOOK_POLL_SECONDS="0.2",
        COHESION_SCHEDULER_INTERVAL_SECONDS="1",
    )
    await declare_topology(amqp_url, [c.queue for d in load_definitions().values() for c in d.consumers], [200, 500])
    system = System(env, urls, tmp_path / "logs")
    async with Tap(amqp_url) as tap:
        system.start()
        try:
            await system.wait_ready(timeout=240)  # four processes starting at once on a shared machine
            yield system, tap
        finally:
            system.stop()


async def test_every_event_of_the_demo_a_clock_tick_and_a_webhook_delivery_carries_a_traceparent(
    every_event: tuple[System, Tap], monkeypatch: pytest.MonkeyPatch
):
    from shared.demo import load_demo_data, run_demo

    system, tap = every_event
    for name in ("COHESION_SERVICE_URLS", "COHESION_DB_PREFIX", "COHESION_AMQP_URL"):
        monkeypatch.setenv(name, system.env[name])
    await load_demo_data()
    assert await run_demo() == 0

    def events() -> list[dict[str, Any]]:
        return [json.loads(m.body) for m in tap.messages]

    def seen(event_type: str) -> list[dict[str, Any]]:
        return [e for e in events() if e["type"] == event_type]

    # A clock's occurrence (the demo's 2017 milestones are long overdue) and a webhook delivery's outcome.
    await eventually(lambda: _async(seen("actions.milestone.overdue.v1")), timeout=60)
    await eventually(lambda: _async(seen("notifications.delivery.succeeded.v1")), timeout=60)

    untraced = sorted({e["type"] for e in events() if not trace_id_of(e.get("traceparent"))})
    assert untraced == [], f"published without a traceparent: {untraced}"
    assert len({e["type"] for e in events()}) >= 15, sorted({e["type"] for e in events()})

    # Each overdue milestone is a trace of its own; each outcome continues the delivery's, which
    # continues the trace of the event it delivered.
    overdue = [trace_id_of(e["traceparent"]) for e in seen("actions.milestone.overdue.v1")]
    assert len(set(overdue)) == len(overdue)
    trace_of = {e["id"]: trace_id_of(e["traceparent"]) for e in events()}
    for outcome in seen("notifications.delivery.succeeded.v1"):
        delivered = outcome["data"]["event_id"]
        assert trace_id_of(outcome["traceparent"]) == trace_of[delivered], outcome["data"]


async def _async(value: Any) -> Any:
    return value
