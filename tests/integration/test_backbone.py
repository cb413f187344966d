"""The event backbone against the real broker and database: outbox, relay, inbox, retries, dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import pytest
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from sqlalchemy import func, select, text

from services.wards import tables as wards_tables
from shared.db import asyncpg_dsn, audit_log, inbox, outbox
from shared.events import EVENTS_EXCHANGE, Envelope, EventMeta, new_envelope
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import ATTEMPT_HEADER, ERROR_HEADER, Consumer
from shared.messaging.topology import EVENT_LOG, ConsumerQueue, declare_topology, dlq_name
from shared.service import Runtime, Schedule, ServiceDefinition
from shared.settings import Settings
from shared.unit_of_work import Actor, UnitOfWork
from tests.proxy import CuttableProxy
from tests.support import COUNCIL, eventually, queue_depth, running_service

ACTOR = Actor("test")


def probe_definition(*consumers: Consumer) -> ServiceDefinition:
    """A bare service on the wards database: the kernel tables, no routes or schedules of its own."""
    return ServiceDefinition(
        name="wards", title="probe", description="backbone probe", metadata=wards_tables.metadata, consumers=consumers
    )


def ward_event(code: str, name: str = "Ward") -> WardRegistered:
    return WardRegistered(gss_code=code, name=name, local_authority_gss=COUNCIL, boundary_set="WD24")


async def emit(runtime: Runtime, *events: WardRegistered) -> list[Envelope]:
    async with runtime.uow(ACTOR) as uow:
        envelopes = [uow.emit(e, subject=e.gss_code, council=COUNCIL) for e in events]
        await uow.commit()
    return envelopes


async def outbox_counts(runtime: Runtime) -> tuple[int, int]:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(select(func.count(), func.count(outbox.c.published_at)))).one()
    return int(row[0]), int(row[1])


class Tap:
    """A queue of the test's own, bound to the exchange, to see exactly what was published."""

    def __init__(self, amqp_url: str, binding: str = "#") -> None:
        self.amqp_url = amqp_url
        self.binding = binding
        self.messages: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def __aenter__(self) -> Tap:
        self.connection = await aio_pika.connect(self.amqp_url)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, self.binding)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            self.messages.append(message)
            await message.ack()

        await queue.consume(on_message)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()

    def ids(self) -> list[str]:
        return [str(m.message_id) for m in self.messages]


@pytest.fixture
async def probe(settings_for_test) -> AsyncIterator[tuple[Runtime, Settings]]:
    settings = settings_for_test("wards")
    async with running_service(probe_definition(), settings) as (app, _):
        yield app.state.runtime, settings


async def test_a_rolled_back_command_publishes_nothing_and_a_committed_one_exactly_once(probe, amqp_url):
    runtime, _ = probe
    async with Tap(amqp_url) as tap:
        async with runtime.uow(ACTOR) as uow:
            uow.emit(ward_event("E05000001"), subject="E05000001", council=COUNCIL)
            # leaving without commit rolls the change and its event back
        [committed] = await emit(runtime, ward_event("E05000002"))

        await eventually(lambda: _async(len(tap.messages) >= 1))
        await asyncio.sleep(1.0)  # time for a stray second publish to show up
        assert tap.ids() == [committed.id]
        assert await outbox_counts(runtime) == (1, 1)


async def test_a_units_audit_entries_are_written_whole_with_its_events_or_not_at_all(probe):
    runtime, _ = probe
    officer = Actor("officer-7", organisation="Rotherham MBC", council=COUNCIL)
    async with runtime.uow(officer) as uow:
        uow.audit("probe.rolled_back", "E05000041")
        # leaving without commit
    async with runtime.uow(officer) as uow:
        uow.emit(ward_event("E05000042"), subject="E05000042", council=COUNCIL)
        uow.audit("probe.first", "E05000042", codes=["E05000042"], count=1)
        uow.audit("probe.second", None)
        await uow.commit()
    async with runtime.uow(officer) as uow:  # an entry without events wakes no relay but is kept
        uow.audit("probe.alone", "E05000043")
        await uow.commit()

    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(audit_log).order_by(audit_log.c.id))).mappings().all()
    assert [(r["action"], r["subject"], r["detail"]) for r in rows] == [
        ("probe.first", "E05000042", {"codes": ["E05000042"], "count": 1}),
        ("probe.second", None, None),
        ("probe.alone", "E05000043", None),
    ]
    assert {(r["actor"], r["organisation"], r["council"]) for r in rows} == {("officer-7", "Rotherham MBC", COUNCIL)}
    total, _ = await outbox_counts(runtime)
    assert total == 1


async def test_statements_through_the_driver_share_the_units_transaction(probe):
    """UnitOfWork.driver (asyncpg itself, for hot paths) is rolled back and committed with the unit."""
    runtime, _ = probe
    insert = "INSERT INTO inbox (consumer, event_id, event_type) VALUES ('driver-test', $1, 'x.y.z.v1')"

    async def kept(event_id: str) -> bool:
        async with runtime.engine.connect() as conn:
            found = await conn.execute(
                text("SELECT count(*) FROM inbox WHERE consumer = 'driver-test' AND event_id = :id"), {"id": event_id}
            )
            return bool(found.scalar_one())

    async with runtime.uow(ACTOR) as uow:
        await (await uow.driver()).execute(insert, "rolled-back")
        uow.emit(ward_event("E05000009"), subject="E05000009", council=COUNCIL)
        # leaving without commit
    async with runtime.uow(ACTOR) as uow:
        await (await uow.driver()).execute(insert, "committed")
        await uow.commit()
    assert not await kept("rolled-back")
    assert await kept("committed")


async def test_the_session_and_the_driver_share_one_transaction_in_either_order_and_after_a_commit(probe):
    """The ORM session is made only when asked for, and joins the unit's transaction whether the driver
    ran first or not; after a commit the unit goes on in a new transaction, rolled back on leaving."""
    runtime, _ = probe
    by_session = text("INSERT INTO inbox (consumer, event_id, event_type) VALUES ('either-test', :id, 'x.y.z.v1')")
    by_driver = "INSERT INTO inbox (consumer, event_id, event_type) VALUES ('either-test', $1, 'x.y.z.v1')"

    async def kept() -> list[str]:
        async with runtime.engine.connect() as conn:
            found = await conn.execute(text("SELECT event_id FROM inbox WHERE consumer = 'either-test'"))
            return sorted(found.scalars())

    for outcome in ("left", "kept"):
        async with runtime.uow(ACTOR) as uow:  # the driver first, then the session
            await (await uow.driver()).execute(by_driver, f"{outcome}-driver-first-1")
            await uow.session.execute(by_session, {"id": f"{outcome}-driver-first-2"})
            if outcome == "kept":
                await uow.commit()
        async with runtime.uow(ACTOR) as uow:  # the session first, then the driver
            await uow.session.execute(by_session, {"id": f"{outcome}-session-first-1"})
            await (await uow.driver()).execute(by_driver, f"{outcome}-session-first-2")
            if outcome == "kept":
                await uow.commit()

    async with runtime.uow(ACTOR) as uow:
        await (await uow.driver()).execute(by_driver, "first-commit")
        await uow.commit()
        await (await uow.driver()).execute(by_driver, "second-commit-1")
        await uow.session.execute(by_session, {"id": "second-commit-2"})
        await uow.commit()
        await (await uow.driver()).execute(by_driver, "after-the-last-commit")
        await uow.session.execute(by_session, {"id": "after-the-last-commit-2"})
        # leaving without commit

    assert await kept() == [
        "first-commit",
        "kept-driver-first-1",
        "kept-driver-first-2",
        "kept-session-first-1",
        "kept-session-first-2",
        "second-commit-1",
        "second-commit-2",
    ]


async def test_a_unit_tells_its_outcome_once_committed_or_once_ended_without(probe):
    """on_outcome: work that may start only once the change is durable hears True after COMMIT, else False."""
    runtime, _ = probe
    insert = "INSERT INTO inbox (consumer, event_id, event_type) VALUES ('outcome-test', $1, 'x.y.z.v1')"

    async def kept() -> list[str]:
        async with runtime.engine.connect() as conn:
            found = await conn.execute(text("SELECT event_id FROM inbox WHERE consumer = 'outcome-test'"))
            return sorted(found.scalars())

    heard: list[bool] = []
    async with runtime.uow(ACTOR) as uow:
        await (await uow.driver()).execute(insert, "committed")
        uow.on_outcome(heard.append)
        assert heard == []
        await uow.commit()
        assert heard == [True]  # once COMMIT has returned
    assert heard == [True]  # and only once

    heard.clear()
    async with runtime.uow(ACTOR) as uow:
        await (await uow.driver()).execute(insert, "left")
        uow.on_outcome(heard.append)
    assert heard == [False]

    heard.clear()
    with pytest.raises(RuntimeError):
        async with runtime.uow(ACTOR) as uow:
            await (await uow.driver()).execute(insert, "failed")
            uow.on_outcome(heard.append)
            raise RuntimeError("the handler failed")
    assert heard == [False]

    # A callback that raises is logged; the commit stands, and the callbacks after it still hear.
    heard.clear()
    async with runtime.uow(ACTOR) as uow:
        await (await uow.driver()).execute(insert, "despite")
        uow.on_outcome(lambda committed: [][0])
        uow.on_outcome(heard.append)
        await uow.commit()
    assert heard == [True]
    assert await kept() == ["committed", "despite"]


async def test_a_service_freezes_what_it_built_at_start_out_of_the_cyclic_gc(settings_for_test):
    """Full collections over the start-up objects stalled every message in flight for 110-150 ms."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    async with running_service(probe_definition(), settings_for_test("wards")):
        assert gc.get_freeze_count() > 10_000


async def test_a_task_that_will_not_stop_is_left_behind_and_logged_not_waited_for(settings_for_test, caplog):
    """Shutdown (Ctrl-C, a test's teardown) ends within its grace period whatever one task does."""
    release = asyncio.Event()

    async def stubborn(_: Runtime) -> None:
        while not release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.05)

    definition = dataclasses.replace(probe_definition(), schedules=[Schedule("stubborn", stubborn, every_seconds=60)])
    runtime = Runtime(definition, settings_for_test("wards"))
    await runtime.start()
    await asyncio.wait_for(runtime.broker_connected.wait(), timeout=30)
    started = time.monotonic()
    await runtime.stop(grace_seconds=0.5)
    assert time.monotonic() - started < 5
    assert "left behind: schedule-stubborn" in caplog.text
    release.set()


async def test_a_published_event_reads_back_whole_with_the_cloudevents_sdk(probe, amqp_url):
    runtime, _ = probe
    async with Tap(amqp_url) as tap:
        [sent] = await emit(runtime, ward_event("E05000003", "Boston Castle"))
        await eventually(lambda: _async(tap.messages))
    message = tap.messages[0]
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.message_id == sent.id
    event = ce_rabbitmq.from_rabbitmq_event(
        ce_rabbitmq.RabbitMQMessage(headers={}, content_type=message.content_type, body=message.body)
    )
    attributes = event.get_attributes()
    assert attributes["specversion"] == "1.0"
    assert attributes["id"] == sent.id
    assert attributes["source"] == "/cohesion/wards"
    assert attributes["type"] == "wards.ward.registered.v1" == message.routing_key
    assert attributes["subject"] == "E05000003"
    assert attributes["council"] == COUNCIL
    assert attributes["dataschema"].endswith("/wards.ward.registered.v1.json")
    assert attributes["datacontenttype"] == "application/json"
    assert attributes["time"] is not None
    data = event.get_data()
    assert isinstance(data, dict) and data["name"] == "Boston Castle"


async def test_the_relay_survives_losing_the_broker_and_publishes_the_backlog(settings_for_test, amqp_url):
    parts = urlsplit(amqp_url)
    proxy = await CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    via_proxy = urlunsplit(
        (parts.scheme, f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}", parts.path, "", "")
    )
    settings = settings_for_test("wards", amqp_url=via_proxy)
    try:
        async with Tap(amqp_url) as tap, running_service(probe_definition(), settings) as (app, _):
            runtime: Runtime = app.state.runtime
            before = await emit(runtime, *(ward_event(f"E05{i:06d}") for i in range(20)))
            await eventually(lambda: _async(len(tap.messages) >= 20))

            await proxy.cut()
            # With the broker gone, commands are still accepted: their events wait in the outbox.
            during = []
            for i in range(20, 220, 20):
                during += await emit(runtime, *(ward_event(f"E05{j:06d}") for j in range(i, i + 20)))
            await asyncio.sleep(1.5)
            total, published = await outbox_counts(runtime)
            assert total == 220
            assert published < 220

            proxy.restore()
            await eventually(lambda: _published_all(runtime, 220), timeout=60)
            await eventually(lambda: _async(set(tap.ids()) >= {e.id for e in before + during}), timeout=30)
            assert set(tap.ids()) == {e.id for e in before + during}
    finally:
        await proxy.stop()


async def test_the_relay_survives_losing_its_database_connections(probe):
    runtime, settings = probe
    first = await emit(runtime, *(ward_event(f"E05{i:06d}") for i in range(5)))
    await eventually(lambda: _published_all(runtime, 5))

    # Both of the relay's connections (its work and its LISTEN) are ended by the server.
    killer = await asyncpg.connect(asyncpg_dsn(settings.db_url))
    try:
        # Every connection says whose it is: the pool's, and the relay's two.
        names = await killer.fetch(
            "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name LIKE 'cohesion-wards%' GROUP BY 1"
        )
        assert {row["application_name"]: row["count"] for row in names}.get("cohesion-wards relay") == 2
        assert "cohesion-wards" in {row["application_name"] for row in names}
        ended = await killer.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'cohesion-wards relay' AND datname = current_database()"
        )
    finally:
        await killer.close()
    assert ended == 2

    later = await emit(runtime, *(ward_event(f"E05{i:06d}") for i in range(5, 10)))
    await eventually(lambda: _published_all(runtime, 10), timeout=30)
    assert len({e.id for e in first + later}) == 10


async def test_the_relay_publishes_while_the_services_own_event_loop_is_busy(probe, amqp_url):
    """The relay has a loop (and thread) of its own: under a full load of HTTP requests, confirms
    handled one turn of the service's loop at a time had kept events in the outbox for seconds."""
    runtime, settings = probe
    async with Tap(amqp_url) as tap:
        [event] = await emit(runtime, ward_event("E05000031"))

        def published_meanwhile() -> bool:
            # Holds the service's loop (this thread) until the event is marked published, or 20 s.
            async def poll() -> bool:
                conn = await asyncpg.connect(asyncpg_dsn(settings.db_url))
                try:
                    for _ in range(200):
                        if await conn.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", event.id):
                            return True
                        await asyncio.sleep(0.1)
                    return False
                finally:
                    await conn.close()

            outcome: list[bool] = []
            worker = threading.Thread(target=lambda: outcome.append(asyncio.run(poll())))
            worker.start()
            worker.join()
            return outcome == [True]

        assert published_meanwhile()
        await eventually(lambda: _async(event.id in tap.ids()))


async def test_a_commit_wakes_the_relay_at_once_rather_than_at_its_next_poll(settings_for_test, amqp_url):
    """The unit's NOTIFY, delivered on COMMIT, wakes the relay's LISTEN: with its fallback poll
    30 s away, the event is still published within moments."""
    settings = settings_for_test("wards", relay_poll_seconds=30.0)
    async with Tap(amqp_url) as tap, running_service(probe_definition(), settings) as (app, _):
        runtime: Runtime = app.state.runtime

        async def listening() -> bool:
            async with runtime.engine.connect() as conn:
                found = await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND application_name = 'cohesion-wards relay'"
                        " AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')"  # its LISTEN, or its keep-alive since
                    )
                )
                return bool(found.scalar_one())

        await eventually(listening)
        await asyncio.sleep(0.5)  # the round its LISTEN started is over: it waits for a wake or its poll
        committed = time.monotonic()
        [event] = await emit(runtime, ward_event("E05000032"))
        assert await eventually(lambda: _async(event.id in tap.ids()), timeout=5)
        assert time.monotonic() - committed < 5


async def test_two_relays_publish_each_event_once_and_keep_each_aggregates_order(settings_for_test, amqp_url):
    settings = settings_for_test("wards", relay_batch_size=50)
    async with (
        Tap(amqp_url) as tap,
        running_service(probe_definition(), settings) as (a, _),
        running_service(probe_definition(), settings),  # a second relay on the same outbox
    ):
        runtime_a: Runtime = a.state.runtime
        # 20 aggregates, 30 events each, committed interleaved in 30 transactions
        for n in range(30):
            await emit(runtime_a, *(ward_event(f"E05{agg:06d}", name=f"{n:03d}") for agg in range(20)))
        await eventually(lambda: _async(len(tap.messages) >= 600), timeout=60)
        await asyncio.sleep(0.5)
    ids = tap.ids()
    assert len(ids) == len(set(ids)) == 600
    seen: dict[str, list[str]] = {}
    for message in tap.messages:
        body = json.loads(message.body)
        seen.setdefault(body["subject"], []).append(body["data"]["name"])
    assert all(names == sorted(names) for names in seen.values())
    assert len(seen) == 20


async def test_events_of_one_unit_are_published_in_the_order_they_were_emitted(probe, amqp_url):
    runtime, _ = probe
    async with Tap(amqp_url) as tap:
        emitted = await emit(runtime, *(ward_event("E05000042", name=f"step {n}") for n in range(8)))
        await eventually(lambda: _async(len(tap.messages) >= 8))
    async with runtime.engine.connect() as conn:
        in_outbox = list((await conn.execute(select(outbox.c.event_id).order_by(outbox.c.seq))).scalars())
    assert in_outbox == [e.id for e in emitted]
    assert [json.loads(m.body)["data"]["name"] for m in tap.messages] == [f"step {n}" for n in range(8)]


async def test_the_same_event_delivered_twice_has_one_effect(settings_for_test, amqp_url):
    effects = 0

    async def record(event: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
        nonlocal effects
        effects += 1
        uow.audit("probe.effect", meta.subject)

    consumer = Consumer("test.once", record)
    settings = settings_for_test("wards")
    async with running_service(probe_definition(consumer), settings) as (app, _):
        runtime: Runtime = app.state.runtime
        envelope = new_envelope("wards", ward_event("E05000009"), subject="E05000009", council=COUNCIL)
        await publish_raw(amqp_url, envelope)
        await publish_raw(amqp_url, envelope)
        await eventually(lambda: _inbox_has(runtime, envelope.id))
        await eventually(lambda: queue_depth_is(amqp_url, "test.once", 0))
        await asyncio.sleep(0.5)
        async with runtime.engine.connect() as conn:
            audits = (await conn.execute(select(func.count()).where(audit_log.c.action == "probe.effect"))).scalar()
    assert audits == 1
    assert effects == 1


async def test_a_message_that_always_fails_reaches_the_dlq_after_spaced_retries(settings_for_test, amqp_url):
    attempts: list[float] = []

    async def always_fails(event: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
        attempts.append(time.monotonic())
        raise RuntimeError("the handler cannot cope")

    consumer = Consumer("test.poison", always_fails)
    settings = settings_for_test("wards", retry_delays_ms=[300, 600], max_attempts=3)
    async with running_service(probe_definition(consumer), settings) as (app, _):
        runtime: Runtime = app.state.runtime
        envelope = new_envelope("wards", ward_event("E05000010"), subject="E05000010", council=COUNCIL)
        await publish_raw(amqp_url, envelope)
        await eventually(lambda: queue_depth_is(amqp_url, dlq_name("test.poison"), 1), timeout=20)
        async with runtime.engine.connect() as conn:
            processed = (await conn.execute(select(func.count()).select_from(inbox))).scalar()

    assert len(attempts) == 3
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6, gaps  # each retry waited out its backoff
    assert processed == 0  # no effect was recorded for the failed event
    dead = await get_one(amqp_url, dlq_name("test.poison"))
    assert dead.message_id == envelope.id
    assert dead.headers[ATTEMPT_HEADER] == 3
    assert "the handler cannot cope" in str(dead.headers[ERROR_HEADER])
    assert json.loads(dead.body)["id"] == envelope.id  # the message is kept whole for replay


async def test_a_message_that_is_no_readable_event_goes_to_the_dlq_at_once_and_the_handler_never_runs(
    settings_for_test, amqp_url
):
    handled: list[str] = []

    async def record(event: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
        handled.append(meta.id)

    consumer = Consumer("test.unreadable", record)
    settings = settings_for_test("wards", retry_delays_ms=[300], max_attempts=3)
    async with running_service(probe_definition(consumer), settings):
        not_json = aio_pika.Message(b"not a cloudevent", content_type="application/cloudevents+json", message_id="junk")
        bad_data = new_envelope("wards", ward_event("E05000012"), subject="E05000012", council=COUNCIL)
        bad_data = dataclasses.replace(bad_data, data={"gss_code": "E05000012"})  # no name, no council: not the model
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            exchange = await (await connection.channel()).get_exchange(EVENTS_EXCHANGE)
            await exchange.publish(not_json, routing_key="wards.ward.registered.v1")
        await publish_raw(amqp_url, bad_data)
        await eventually(lambda: queue_depth_is(amqp_url, dlq_name("test.unreadable"), 2), timeout=20)
        await eventually(lambda: queue_depth_is(amqp_url, "test.unreadable", 0))
        dead = [await get_one(amqp_url, dlq_name("test.unreadable")) for _ in range(2)]
    assert handled == []
    assert {m.message_id for m in dead} == {"junk", bad_data.id}
    assert all("undecodable message" in str(m.headers[ERROR_HEADER]) for m in dead)
    assert all(ATTEMPT_HEADER not in m.headers for m in dead)  # not retried: retrying cannot help


async def test_a_binding_a_consumer_no_longer_wants_is_removed_when_the_topology_is_declared(vhost, amqp_url):
    old = ConsumerQueue("probe.retiring", ("#",))
    new = ConsumerQueue("probe.retiring", ("wards.#",), retired_bindings=("#",))
    await declare_topology(amqp_url, [old], [200])
    await declare_topology(amqp_url, [new], [200])
    await declare_topology(amqp_url, [new], [200])  # again: the binding already gone is no error

    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        for key in ("grants.fund.opened.v1", "wards.ward.registered.v1"):
            await exchange.publish(aio_pika.Message(b"{}"), routing_key=key)
        queue = await channel.declare_queue("probe.retiring", passive=True)
        message = await eventually(lambda: queue.get(fail=False))
        assert message.routing_key == "wards.ward.registered.v1"
        await message.ack()
        await asyncio.sleep(0.3)
        assert await queue.get(fail=False) is None  # grants.* no longer reaches it


async def test_an_unroutable_publish_is_reported_and_the_event_kept(probe, vhost, amqp_url):
    runtime, _ = probe
    # Break the topology: without the event log nothing is bound to the exchange.
    await delete_queue(amqp_url, EVENT_LOG)
    [event] = await emit(runtime, ward_event("E05000011"))

    async def failed_attempt():
        async with runtime.engine.connect() as conn:
            row = (await conn.execute(select(outbox).where(outbox.c.event_id == event.id))).mappings().one()
        return row if row["attempts"] >= 1 else None

    row = await eventually(failed_attempt)
    assert row["published_at"] is None
    assert "NO_ROUTE" in (row["last_error"] or "") or "unroutable" in (row["last_error"] or "").lower()
    assert runtime.relay.stats.failures >= 1

    # Once something is bound again, the kept event goes out.
    async with Tap(amqp_url, "wards.#") as tap:
        runtime.relay.wake()
        await eventually(lambda: _async(event.id in tap.ids()), timeout=20)


# --- helpers ----------------------------------------------------------------


async def _async(value: object) -> object:
    return value


async def _published_all(runtime: Runtime, n: int) -> bool:
    return await outbox_counts(runtime) == (n, n)


async def _inbox_has(runtime: Runtime, event_id: str) -> bool:
    async with runtime.engine.connect() as conn:
        return bool((await conn.execute(select(inbox).where(inbox.c.event_id == event_id))).first())


async def queue_depth_is(amqp_url: str, queue: str, depth: int) -> bool:
    return await queue_depth(amqp_url, queue) == depth


async def publish_raw(amqp_url: str, envelope: Envelope) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(
            aio_pika.Message(
                envelope.to_json_bytes(),
                content_type="application/cloudevents+json",
                message_id=envelope.id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=envelope.type,
        )


async def get_one(amqp_url: str, queue: str) -> aio_pika.abc.AbstractIncomingMessage:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        q = await channel.declare_queue(queue, passive=True)
        message = await q.get(no_ack=True)
        assert message is not None
        return message


async def delete_queue(amqp_url: str, queue: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)


_ = text  # imported for ad-hoc debugging queries
