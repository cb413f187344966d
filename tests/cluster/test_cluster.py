"""The three-node cluster itself: one cluster, every consumer's queue a quorum queue on all three
nodes, HAProxy as the one address, and a broker connection given several addresses failing over."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
import httpx
import pytest

from shared.docs import load_definitions
from shared.messaging.broker import connect, connect_robust, create_broker
from shared.messaging.topology import declare_topology
from shared.settings import Settings
from tests.cluster.rabbit import Cluster
from tests.system import free_port

# The first test also waits for the cluster to boot; a node stopped and started takes a while too.
pytestmark = pytest.mark.timeout(900)


async def test_three_nodes_form_one_cluster_with_every_consumer_queue_replicated_on_all_three(cluster: Cluster):
    assert cluster.running_nodes() == {n.node for n in cluster.nodes}
    consumers = [c.queue for d in load_definitions().values() for c in d.consumers]
    await declare_topology(cluster.amqp_url, consumers, [200, 500])  # through HAProxy, as a service does
    for consumer in consumers:
        for name in (consumer.name, f"{consumer.name}.dlq"):
            queue: dict[str, Any] = cluster.queue("/", name)
            assert queue["type"] == "quorum", name
            assert set(queue["members"]) == {n.node for n in cluster.nodes}, name


async def test_haproxy_is_the_one_address_and_puts_connections_on_the_first_live_node(cluster: Cluster):
    """Where a connection through HAProxy lands (node a while it lives); the node-death test then
    kills node a and shows every connection moving to the others."""
    connection = await aio_pika.connect(cluster.amqp_url, client_properties={"connection_name": "which-node"})
    async with connection, httpx.AsyncClient(auth=("guest", "guest"), timeout=5) as client:
        base = cluster.management_url.replace("guest:guest@", "")
        for _ in range(40):  # the management API lists a connection after its stats interval
            listed = (await client.get(f"{base}/api/connections")).json()
            nodes = [c["node"] for c in listed if c.get("client_properties", {}).get("connection_name") == "which-node"]
            if nodes:
                break
            await asyncio.sleep(0.5)
    assert nodes == [cluster.node("a").node]


def test_one_address_builds_the_broker_as_before_and_several_fail_over():
    assert Settings().amqp_urls == [Settings().amqp_url]
    single = create_broker("amqp://guest:guest@127.0.0.1:5672/")
    assert "connection_class" not in single._connection_kwargs
    urls = ["amqp://guest:guest@127.0.0.1:5701/", "amqp://guest:guest@127.0.0.1:5702/"]
    several = create_broker(urls)
    assert several._connection_kwargs["connection_class"].addresses == tuple(urls)
    assert Settings(amqp_failover_urls="amqp://x:5702/,amqp://x:5703/").amqp_urls == [
        Settings().amqp_url,
        "amqp://x:5702/",
        "amqp://x:5703/",
    ]


async def test_a_robust_connection_takes_the_next_address_when_one_refuses_and_after_a_loss(cluster: Cluster):
    refused = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    node_b = cluster.node("b").amqp_url
    plain = await connect([refused, node_b])
    await plain.close()

    robust = await asyncio.wait_for(
        connect_robust([refused, node_b], reconnect_interval=0.2, client_properties={"connection_name": "failover"}),
        timeout=20,
    )
    try:
        reconnected = asyncio.Event()
        robust.reconnect_callbacks.add(lambda *_: reconnected.set())
        base = f"http://127.0.0.1:{cluster.node('b').management_port}"
        async with httpx.AsyncClient(auth=("guest", "guest"), timeout=5) as client:

            async def ours() -> list[str]:
                listed = (await client.get(f"{base}/api/connections")).json()
                return [
                    c["name"] for c in listed if c.get("client_properties", {}).get("connection_name") == "failover"
                ]

            for _ in range(40):  # the management API lists a connection after its stats interval
                if names := await ours():
                    break
                await asyncio.sleep(0.5)
            assert names
            await client.delete(f"{base}/api/connections/{names[0]}")
        # The loss: it tries the refused address, then node b again, and is back.
        await asyncio.wait_for(reconnected.wait(), timeout=30)
        assert robust.connected.is_set()
    finally:
        await robust.close()
