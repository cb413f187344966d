"""The broker topology as RabbitMQ definitions, read off a real broker after the services' own code declared it.

The RabbitMQ Cluster Operator loads ``deploy/kubernetes/base/rabbitmq/definitions.json`` at
boot (and compose mounts the same file), so the queues exist, replicated, before any
service starts. The file is not written by hand: ``capture`` declares the topology in a
fresh virtual host with the very functions the services call at start-up, exports the
vhost's definitions through the management API and keeps what the services declare.
``tests/deploy/test_rabbitmq_definitions.py`` checks the committed file is that capture,
so it cannot drift from the code; ``python -m tests.deploy.rabbitmq_definitions`` rewrites it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aio_pika

from shared.docs import load_definitions
from shared.messaging.rpc import responder_queue
from shared.messaging.topology import declare_topology
from shared.settings import Settings
from tests.support import amqp_url_for_vhost, create_vhost, delete_vhost, management_client

DEFINITIONS = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" / "base" / "rabbitmq" / "definitions.json"
PARTNERS_EXCHANGE = "cohesion.partners"  # declared by notifications' partner queues


async def declare_everything(amqp_url: str) -> None:
    """What the four services declare when they start, with the production settings' retry delays."""
    definitions = load_definitions().values()
    await declare_topology(amqp_url, [c.queue for d in definitions for c in d.consumers], Settings().retry_delays_ms)
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for definition in definitions:
            for responder in definition.responders:
                queue = responder_queue(responder.procedure)
                await channel.declare_queue(queue.name, durable=True, arguments=queue.arguments)
        await channel.declare_exchange(PARTNERS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)


def normalised(exported: dict[str, Any]) -> dict[str, Any]:
    """The vhost's definitions, for the default vhost ``/``, in a stable order."""

    def strip(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, "vhost": "/"} for item in items]

    return {
        "vhosts": [{"name": "/"}],
        "exchanges": sorted(strip(exported.get("exchanges", [])), key=lambda e: e["name"]),
        "queues": sorted(strip(exported.get("queues", [])), key=lambda q: q["name"]),
        "bindings": sorted(
            strip(exported.get("bindings", [])), key=lambda b: (b["source"], b["destination"], b["routing_key"])
        ),
        "policies": [],
    }


async def capture() -> dict[str, Any]:
    vhost = f"cohesion-definitions-{uuid.uuid4().hex[:8]}"
    await create_vhost(vhost)
    try:
        await declare_everything(amqp_url_for_vhost(vhost))
        async with management_client() as client:
            response = await client.get(f"/api/definitions/{quote(vhost, safe='')}")
            response.raise_for_status()
            return normalised(response.json())
    finally:
        await delete_vhost(vhost)


def render(definitions: dict[str, Any]) -> str:
    return json.dumps(definitions, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    DEFINITIONS.write_text(render(asyncio.run(capture())))
    print(f"wrote {DEFINITIONS}")
