"""The topology the Kubernetes and compose deployments import is exactly what the services' code declares."""

from __future__ import annotations

import json

from tests.deploy.rabbitmq_definitions import DEFINITIONS, capture


async def test_the_committed_definitions_are_what_the_services_declare():
    committed = json.loads(DEFINITIONS.read_text())
    declared = await capture()
    assert committed == declared, "run `uv run python -m tests.deploy.rabbitmq_definitions` and commit the result"


async def test_every_queue_a_consumer_reads_is_a_replicated_quorum_queue():
    queues = {q["name"]: q for q in json.loads(DEFINITIONS.read_text())["queues"]}
    consumed = [name for name in queues if not name.startswith(("cohesion.events.log",)) and ".retry." not in name]
    assert consumed
    for name in consumed:
        assert queues[name]["arguments"]["x-queue-type"] == "quorum", name
        assert queues[name]["durable"] is True
