"""Relay lag at a steady rate: the shared kernel's outbox relay, in process, on the wards database.

Events are emitted at a fixed rate (open loop: a slow commit does not delay the
next one), each in its own unit of work. The lag of one event is measured in the
process from the moment its transaction's commit returned to the moment the
broker confirmed its publish (the relay's ``_publish`` is wrapped to note that).
The outbox's own ``published_at - created_at`` is shown beside it, but it
understates the lag: ``published_at`` is ``now()`` in the relay's batch
transaction, i.e. taken *before* the batch is published.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import text

from services.wards import tables as wards_tables
from shared.events.catalogue.wards import WardRegistered
from shared.service import Runtime, ServiceDefinition
from shared.unit_of_work import Actor
from tests.bench.common import COUNCIL, LagResult, wait_until
from tests.support import test_settings

ACTOR = Actor("bench:relay-lag")


async def run(vhost: str, *, rate: float, seconds: float) -> LagResult:
    # The service's own relay settings (batch 500, 1 s fallback poll): the lag must come from NOTIFY, not polling.
    settings = test_settings("wards", vhost, relay_poll_seconds=1.0)
    definition = ServiceDefinition(
        name="wards", title="relay-lag probe", description="relay lag probe", metadata=wards_tables.metadata
    )
    runtime = Runtime(definition, settings)
    committed: dict[str, float] = {}
    confirmed: dict[str, float] = {}

    original = runtime.relay._publish

    async def timed_publish(channel: Any, row: Any) -> None:
        await original(channel, row)
        confirmed[row["event_id"]] = time.time()

    runtime.relay._publish = timed_publish  # type: ignore[method-assign]

    async def emit(i: int) -> None:
        code = f"E06{i:06d}"
        async with runtime.uow(ACTOR) as uow:
            envelope = uow.emit(
                WardRegistered(gss_code=code, name=f"Lag {i}", local_authority_gss=COUNCIL, boundary_set="WD24"),
                subject=code,
                council=COUNCIL,
            )
            await uow.commit()
        committed[envelope.id] = time.time()

    await runtime.start()
    try:
        await asyncio.wait_for(runtime.broker_connected.wait(), timeout=30)
        # Warm the pool and the relay's channel so the first events do not pay for connecting.
        await asyncio.gather(*(emit(-1 - i) for i in range(20)))
        await wait_until(lambda: _async(len(confirmed) >= 20), timeout=30, what="warm-up events")
        committed.clear()
        confirmed.clear()

        total = int(rate * seconds)
        tasks: list[asyncio.Task[None]] = []
        start = time.monotonic()
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(emit(i)))
        await asyncio.gather(*tasks)
        achieved = total / (time.monotonic() - start)
        await wait_until(
            lambda: _async(all(e in confirmed for e in committed)), timeout=60, what="every event to be confirmed"
        )
        async with runtime.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT extract(epoch FROM published_at - created_at) * 1000 FROM outbox"
                        " WHERE event_id = ANY(:ids)"
                    ),
                    {"ids": list(committed)},
                )
            ).scalars()
            from_outbox = tuple(float(r) for r in rows)
    finally:
        await runtime.stop()
    return LagResult(
        rate=rate,
        seconds=seconds,
        events=len(committed),
        commit_to_confirm_ms=tuple((confirmed[e] - committed[e]) * 1000 for e in committed),
        created_to_published_ms=from_outbox,
        achieved_rate=achieved,
    )


async def _async(value: bool) -> bool:
    return value
