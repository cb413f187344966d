"""``python -m tests.bench.consumer``: a consumer's own CPU per event, with little else running.

The counterpart of ``tests.bench.request`` for the other half of a command's
path: grants' ``grants.ward-directory`` consumer (decode the CloudEvent, claim it
in the inbox, upsert grants' copy of the ward, commit, acknowledge), in this
process on uvloop. Each round first fills the consumer's queue with
``wards.ward.registered.v1`` events while the consumer is paused, then lets it
drain the queue and reads this process's CPU time per event from the first
message to the last inbox row. PostgreSQL's and RabbitMQ's CPU are in neither
figure. Compare two commits by alternating runs of each.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import aio_pika
import asyncpg

from services.grants.app import definition
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE, new_envelope
from shared.events.catalogue.wards import WardRegistered
from tests.bench.common import COUNCIL, by_round, run_benchmark, scratch
from tests.support import amqp_url_for_vhost, running_service, test_settings

CONSUMER = "grants.ward-directory"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.consumer", description=__doc__)
    parser.add_argument("--events", type=int, default=2000, help="events per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default 5)")
    return parser.parse_args(argv)


async def fill(amqp_url: str, codes: list[str]) -> None:
    """Publish a ward event per code, persistent and confirmed, as the wards relay would."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        new_envelope(
                            "wards",
                            WardRegistered(
                                gss_code=code,
                                name=f"Bench ward {code}",
                                local_authority_gss=COUNCIL,
                                boundary_set="WD24",
                            ),
                            subject=code,
                            council=COUNCIL,
                        ).to_json_bytes(),
                        content_type=CLOUDEVENTS_CONTENT_TYPE,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key="wards.ward.registered.v1",
                )
                for code in codes
            )
        )


async def main(args: argparse.Namespace, command_line: str) -> int:
    cpu_us: list[float] = []
    async with scratch(["grants"]) as made:
        settings = test_settings("grants", made.vhost, db_prefix=made.db_prefix)
        grants_db = await asyncpg.connect(made.raw_dsn(f"{made.db_prefix}_grants"))
        try:
            async with running_service(definition, settings) as (app, _):
                [subscriber] = [s for s in app.state.runtime.broker.subscribers if CONSUMER in str(s.queue.name)]

                async def processed() -> int:
                    count: int = await grants_db.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", CONSUMER)
                    return count

                codes = iter(range(random.randrange(0, 500_000), 1_000_000))
                for number in range(args.rounds + 1):  # the first round warms up, unmeasured
                    await subscriber.stop()
                    before = await processed()
                    await fill(amqp_url_for_vhost(made.vhost), [f"E05{next(codes):06d}" for _ in range(args.events)])
                    if await processed() != before:
                        raise RuntimeError(f"{CONSUMER} went on consuming while paused: the figures would be wrong")
                    target = before + args.events
                    cpu = time.process_time()
                    await subscriber.start()
                    while await processed() < target:
                        await asyncio.sleep(0.05)
                    if number:
                        cpu_us.append((time.process_time() - cpu) / args.events * 1e6)
        finally:
            await grants_db.close()
    print()
    print(f"{CONSUMER} consumer, in-process, draining a full queue")
    print(f"  command: {command_line}")
    for line in by_round("CPU µs/event", cpu_us):
        print(line)
    print("  (this process's CPU, with a count query every 50 ms; PostgreSQL's and RabbitMQ's are not in it)")
    return 0


if __name__ == "__main__":
    run_benchmark("tests.bench.consumer", parse, main, on_uvloop=True)
