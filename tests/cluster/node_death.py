"""Nothing lost when a node dies: two instances of each service on the three-node cluster, under a
steady load of commands whose effects can be counted, lose the broker node they are connected to,
then one instance of each service (kill -9); both come back. Then every accepted command must have
had its effect exactly once.

The load, each command sent to either instance of its service (the other when one does not answer,
with the same ``Idempotency-Key``):

- a ward registered in wards → grants' copy of the ward list holds it;
- a fund created and opened in grants, with an actions milestone bound to its opening → the
  milestone completes itself;
- an application submitted in grants → the partner's webhook receiver gets it, signed.

Instance 0 of each service reaches the broker through HAProxy (``balance first``: node a while it
is up); instance 1 is given the three nodes' addresses, node a first, and fails over by itself.

    python -m tests.cluster.node_death --seconds 120   # make bench; make test runs a short one

prints commands, accepted, lost, duplicated, redelivered and the times to recover.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from shared.auth import issue_token
from shared.db import asyncpg_dsn
from shared.demo import WebhookReceiver
from shared.docs import load_definitions
from shared.messaging.topology import declare_topology
from shared.migrations import drop_database, prepare_database
from shared.registry import names
from shared.settings import Settings
from tests.cluster.rabbit import Cluster, free_base_port
from tests.support import COUNCIL, RUN_ID
from tests.system import ROOT, free_port

SERVICES = names()
RETRY_DELAYS_MS = [200, 500]
AUTH_SETTINGS = Settings()


def bearer(*roles: str, subject: str = "load", organisation: str | None = "Rotherham MBC") -> dict[str, str]:
    jwt = issue_token(AUTH_SETTINGS, subject=subject, council=COUNCIL, roles=roles, organisation=organisation)
    return {"Authorization": f"Bearer {jwt}"}


OFFICER = bearer("officer", subject="coordinator")
APPLICANT = bearer("applicant", subject="chair@example.org")
PARTNER = bearer("partner", subject="ops@syp.example", organisation="syp")


# --- two instances of each service -------------------------------------------------------------


@dataclass
class Instance:
    service: str
    index: int
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.service}"],
            cwd=ROOT,
            env={**self.env, "COHESION_HTTP_PORT": str(self.port)},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def fleet(cluster: Cluster, db_prefix: str, logs: Path) -> dict[str, list[Instance]]:
    ports = {s: [free_port(), free_port()] for s in SERVICES}
    urls = {s: f"http://127.0.0.1:{ports[s][0]}" for s in SERVICES}
    common = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "COHESION_DB_PREFIX": db_prefix,
        "COHESION_RABBITMQ_API_URL": cluster.management_url,
        "COHESION_SERVICE_URLS": json.dumps(urls),
        "COHESION_RETRY_DELAYS_MS": json.dumps(RETRY_DELAYS_MS),
        "COHESION_RELAY_POLL_SECONDS": "0.5",
        "COHESION_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "COHESION_WEBHOOK_POLL_SECONDS": "0.2",
        "COHESION_WEBHOOK_RETRY_DELAYS_SECONDS": "1,2,5,10",
        # Eight processes share the machine's PostgreSQL (100 connections by default) with everything else.
        "COHESION_DB_POOL_SIZE": "3",
    }
    through_haproxy = {"COHESION_AMQP_URL": cluster.amqp_url, "COHESION_AMQP_FAILOVER_URLS": "[]"}
    node_list = {
        "COHESION_AMQP_URL": cluster.nodes[0].amqp_url,
        "COHESION_AMQP_FAILOVER_URLS": json.dumps([n.amqp_url for n in cluster.nodes]),
    }
    logs.mkdir(parents=True, exist_ok=True)
    return {
        s: [
            Instance(s, i, ports[s][i], {**common, **broker}, logs / f"{s}-{i}.log")
            for i, broker in enumerate((through_haproxy, node_list))
        ]
        for s in SERVICES
    }


async def ready(client: httpx.AsyncClient, instance: Instance) -> bool:
    try:
        return (await client.get(f"{instance.url}/readyz", timeout=2)).status_code == 200
    except httpx.HTTPError:
        return False


async def wait_until(check: Callable[[], Awaitable[Any]], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = await check()
        except (OSError, asyncpg.PostgresError, httpx.HTTPError) as error:  # a passing failure of the check itself
            result = None
            last_error: Exception | None = error
        else:
            last_error = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s (last: {result!r} {last_error or ''})")
        await asyncio.sleep(1.0)


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Load:
    instances: dict[str, list[Instance]]
    client: httpx.AsyncClient
    commands: int = 0  # commands sent (a retry of one with its Idempotency-Key counts once)
    refused: int = 0  # commands that no instance accepted within the retry window
    refusals: Counter[str] = field(default_factory=Counter)  # what the last attempt of each of them got
    wards: list[str] = field(default_factory=list)
    milestones: dict[str, str] = field(default_factory=dict)  # milestone id -> fund id
    applications: dict[str, float] = field(default_factory=dict)  # application id -> when its submit was accepted
    action_id: str = ""
    fund_id: str = ""
    until: float = 0.0
    ward: str = ""
    _turn: int = 0

    async def command(self, service: str, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any] | None:
        """POST to either instance, the other when one does not answer, for up to a minute; the JSON answer or None."""
        self.commands += 1
        key = uuid.uuid4().hex
        self._turn += 1
        deadline = time.monotonic() + 60
        attempt = self._turn
        last = ""
        while time.monotonic() < deadline:
            instance = self.instances[service][attempt % 2]
            attempt += 1
            try:
                response = await self.client.post(
                    f"{instance.url}{path}", json=body, headers={**headers, "Idempotency-Key": key}, timeout=10
                )
            except httpx.HTTPError as error:
                last = type(error).__name__
                await asyncio.sleep(0.3)
                continue
            if response.status_code in (200, 201):
                answer: dict[str, Any] = response.json()
                return answer
            if response.status_code < 500 and response.status_code not in (409, 429):
                raise AssertionError(f"{service} {path} refused: {response.status_code} {response.text}")
            last = f"{response.status_code} {response.text[:80]}"
            await asyncio.sleep(0.3)
        self.refused += 1
        self.refusals[last] += 1
        return None

    async def setup(self, receiver: WebhookReceiver) -> str:
        """A plan's action to bind milestones to, an open fund, a ward grants knows, a partner's webhook."""
        plan = await self.command(
            "actions",
            "/v1/plans",
            {
                "title": "Node death plan",
                "period_start": "2017-04-01",
                "period_end": "2018-03-31",
                "themes": ["Coordination and overarching activity"],
            },
            OFFICER,
        )
        assert plan
        action = await self.command(
            "actions",
            f"/v1/plans/{plan['id']}/actions",
            {
                "theme": "Coordination and overarching activity",
                "title": "Run the funds",
                "lead_organisation": "Rotherham MBC",
                "owner": "Assistant Chief Executive",
                "starts_on": "2017-05-15",
                "due_on": "2018-03-31",
            },
            OFFICER,
        )
        assert action
        self.action_id = action["id"]
        self.ward = "E05900000"
        assert await self.command("wards", "/v1/wards", [ward(self.ward)], OFFICER) is not None
        fund = await self.command("grants", "/v1/funds", FUND, OFFICER)
        assert fund
        self.fund_id = fund["id"]
        assert await self.command("grants", f"/v1/funds/{self.fund_id}/open", None, OFFICER) is not None
        partner = await self.command(
            "notifications",
            "/v1/partners",
            {"name": "South Yorkshire Police", "organisation": "syp", "contact_email": "ops@syp.example"},
            OFFICER,
        )
        assert partner
        subscription = await self.command(
            "notifications",
            "/v1/subscriptions",
            {"channel": "webhook", "url": receiver.url, "event_types": ["grants.application.submitted.v1"]},
            PARTNER,
        )
        assert subscription

        async def grants_knows_the_ward() -> bool:
            response = await self.client.post(
                f"{self.instances['grants'][0].url}/v1/funds/{self.fund_id}/applications",
                json=application(self.ward),
                headers=APPLICANT,
            )
            return response.status_code == 201

        await wait_until(grants_knows_the_ward, 60, "grants learning the first ward")
        return str(subscription["id"])

    async def register_ward(self, n: int) -> None:
        code = f"E05{910000 + n:06d}"
        if await self.command("wards", "/v1/wards", [ward(code)], OFFICER) is not None:
            self.wards.append(code)

    async def open_a_fund_with_a_bound_milestone(self, n: int) -> None:
        fund = await self.command("grants", "/v1/funds", {**FUND, "name": f"Fund {n}"}, OFFICER)
        if fund is None:
            return
        milestone = await self.command(
            "actions",
            f"/v1/actions/{self.action_id}/milestones",
            {
                "title": f"Fund {n} open",
                "due_on": "2018-03-31",
                "binding": {"event_type": "grants.fund.opened.v1", "subject": fund["id"]},
            },
            OFFICER,
        )
        if milestone is None:
            return
        if await self.command("grants", f"/v1/funds/{fund['id']}/open", None, OFFICER) is not None:
            self.milestones[milestone["id"]] = fund["id"]

    async def submit_an_application(self, n: int) -> None:
        draft = await self.command(
            "grants", f"/v1/funds/{self.fund_id}/applications", application(self.ward), APPLICANT
        )
        if draft is None:
            return
        if await self.command("grants", f"/v1/applications/{draft['id']}/submit", None, APPLICANT) is not None:
            self.applications[draft["id"]] = time.monotonic()

    async def run(self, until: float, per_second: float) -> None:
        """Each kind of command ``per_second`` times a second, each command in a task of its own, until
        ``until`` (or a later ``self.until``, set while it runs)."""
        self.until = until
        pending: set[asyncio.Task[None]] = set()
        n = 0
        while time.monotonic() < self.until:
            n += 1
            for make in (self.register_ward, self.open_a_fund_with_a_bound_milestone, self.submit_an_application):
                task = asyncio.create_task(make(n))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.sleep(1 / per_second)
        await asyncio.gather(*pending)


FUND = {
    "name": "Building Stronger Communities small grants",
    "themes": ["Bringing people together"],
    "maximum_award_pence": 100_000,
    "panel_name": "Stronger Communities Forum",
    "contributions": [{"funder_name": "Rotherham Metropolitan Borough Council", "amount_pence": 100_000_000}],
}


def ward(code: str) -> dict[str, Any]:
    return {"gss_code": code, "name": f"Ward {code}", "local_authority_name": "Rotherham", "boundary_set": "WD24"}


def application(ward_code: str) -> dict[str, Any]:
    return {
        "organisation": {
            "name": "Friends of Kimberworth",
            "type": "community_group",
            "contact": {"name": "A Chair", "email": "chair@example.org"},
        },
        "title": "Street party",
        "amount_requested_pence": 50_000,
        "ward_codes": [ward_code],
        "theme": "Bringing people together",
    }


# --- what happened -----------------------------------------------------------------------------


@dataclass
class Report:
    commands: int = 0
    accepted: int = 0
    refused: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    lost: dict[str, list[str]] = field(default_factory=dict)  # kind -> ids whose effect never came
    duplicated: dict[str, list[str]] = field(default_factory=dict)  # kind -> ids whose effect came twice
    redelivered_webhooks: int = 0  # the same webhook-id sent again: allowed (at-least-once delivery)
    dead_letters: dict[str, int] = field(default_factory=dict)
    unpublished: dict[str, int] = field(default_factory=dict)
    not_reconnected: list[str] = field(default_factory=list)
    reconnected_after_node_death: float = 0.0  # every instance ready and consuming again
    first_webhook_after_node_death: float = 0.0  # of an application submitted after the node died
    first_webhook_after_kill: float = 0.0
    drained_after_load: float = 0.0

    @property
    def ok(self) -> bool:
        return not (
            any(self.lost.values())
            or any(self.duplicated.values())
            or any(self.dead_letters.values())
            or any(self.unpublished.values())
            or self.not_reconnected
        )

    def lines(self) -> list[str]:
        count = lambda d: sum(len(v) for v in d.values())  # noqa: E731
        return [
            f"commands {self.commands}, accepted {self.accepted}, refused {self.refused}"
            + (f" (the last answer to each: {dict(self.refusals)})" if self.refusals else ""),
            f"lost {count(self.lost)} ({', '.join(f'{k} {len(v)}' for k, v in self.lost.items())})",
            f"duplicated {count(self.duplicated)} ({', '.join(f'{k} {len(v)}' for k, v in self.duplicated.items())}); "
            f"webhooks redelivered under the same webhook-id {self.redelivered_webhooks}",
            f"dead letters {sum(self.dead_letters.values())}, events left in outboxes {sum(self.unpublished.values())}, "
            f"instances not reconnected {len(self.not_reconnected)} {self.not_reconnected or ''}".rstrip(),
            f"time to recover: node death -> every instance ready and consuming {self.reconnected_after_node_death:.1f}s, "
            f"-> first webhook of a command after it {self.first_webhook_after_node_death:.1f}s; "
            f"kill -9 -> first webhook after it {self.first_webhook_after_kill:.1f}s; "
            f"load stopped -> all effects in {self.drained_after_load:.1f}s",
        ]


async def fetch(db_prefix: str, service: str, query: str, *args: Any) -> list[asyncpg.Record]:
    settings = Settings(service=service, db_prefix=db_prefix)
    connection = await asyncpg.connect(asyncpg_dsn(settings.db_url))
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def effects(load: Load, db_prefix: str, webhooks: list[tuple[dict[str, str], bytes]]) -> dict[str, Any]:
    known = {r["gss_code"] for r in await fetch(db_prefix, "grants", "SELECT gss_code FROM known_wards")}
    registered = await fetch(
        db_prefix,
        "wards",
        "SELECT subject, count(*) AS n FROM outbox WHERE event_type = 'wards.ward.registered.v1' GROUP BY subject",
    )
    complete = {
        r["id"]
        for r in await fetch(
            db_prefix,
            "actions",
            "SELECT id FROM milestones WHERE status = 'complete' AND completed_by_event IS NOT NULL",
        )
    }
    completions = await fetch(
        db_prefix,
        "actions",
        "SELECT subject, count(*) AS n FROM outbox WHERE event_type = 'actions.milestone.completed.v1' GROUP BY subject",
    )
    submitted = await fetch(
        db_prefix, "grants", "SELECT subject, event_id FROM outbox WHERE event_type = 'grants.application.submitted.v1'"
    )
    event_of: dict[str, list[str]] = {}
    for row in submitted:
        event_of.setdefault(row["subject"], []).append(row["event_id"])
    webhook_ids: dict[str, set[str]] = {}
    deliveries = 0
    for headers, body in webhooks:
        event = json.loads(body)
        webhook_ids.setdefault(event["id"], set()).add(headers.get("webhook-id", ""))
        deliveries += 1
    return {
        "wards_lost": [c for c in load.wards if c not in known],
        "wards_twice": [r["subject"] for r in registered if r["n"] > 1 and r["subject"] in set(load.wards)],
        "milestones_lost": [m for m in load.milestones if m not in complete],
        "milestones_twice": [r["subject"] for r in completions if r["n"] > 1],
        "applications_twice": [a for a in load.applications if len(event_of.get(a, [])) > 1],
        "webhooks_lost": [a for a in load.applications if not any(e in webhook_ids for e in event_of.get(a, []))],
        "webhooks_twice": [e for e, ids in webhook_ids.items() if len(ids) > 1],
        "redelivered": deliveries - sum(len(ids) for ids in webhook_ids.values()),
    }


async def broker_state(cluster: Cluster) -> tuple[dict[str, int], dict[str, int]]:
    """Messages in each DLQ, and consumers on each consumer and RPC queue."""
    base = cluster.management_url.replace("guest:guest@", "")
    async with httpx.AsyncClient(auth=("guest", "guest"), timeout=10) as client:
        queues = (await client.get(f"{base}/api/queues/%2F")).json()
    dead = {q["name"]: int(q.get("messages", 0)) for q in queues if q["name"].endswith(".dlq")}
    consumers = {
        q["name"]: int(q.get("consumers", 0))
        for q in queues
        if not q["name"].endswith(".dlq") and ".retry." not in q["name"] and q["name"] != "cohesion.events.log"
    }
    return dead, consumers


class Waiting(list[str]):
    """What is still missing; empty (false) once there is nothing left to wait for."""

    def __bool__(self) -> bool:
        return len(self) == 0


async def everyone_consuming(
    cluster: Cluster, instances: dict[str, list[Instance]], client: httpx.AsyncClient
) -> Waiting:
    """True once every instance is ready and every consumer and RPC queue has its two consumers."""
    missing = Waiting()
    for group in instances.values():
        for instance in group:
            if not await ready(client, instance):
                missing.append(f"{instance.name} not ready")
    if not missing:
        _, consumers = await broker_state(cluster)
        missing.extend(f"{q}: {n} consumers" for q, n in consumers.items() if n != 2)
    return missing


async def scenario(
    cluster: Cluster, seconds: float, per_second: float, work: Path, say: Callable[[str], None]
) -> Report:
    db_prefix = f"cohesion_cluster_{RUN_ID}"
    for service in SERVICES:
        settings = Settings(service=service, db_prefix=db_prefix)
        await drop_database(settings)
        await prepare_database(service, settings)
    consumers = [c.queue for d in load_definitions().values() for c in d.consumers]
    await declare_topology(cluster.amqp_url, consumers, RETRY_DELAYS_MS)
    instances = fleet(cluster, db_prefix, work / "logs")
    report = Report()
    arrivals: list[float] = []
    try:
        async with httpx.AsyncClient() as client, WebhookReceiver() as receiver:
            for group in instances.values():
                for instance in group:
                    instance.start()
            await wait_until(lambda: everyone_consuming(cluster, instances, client), 300, "eight instances ready")
            load = Load(instances, client)
            await load.setup(receiver)
            say(f"eight instances up; load of {per_second:g} of each command kind a second for {seconds:.0f}s")

            async def note_arrivals() -> None:
                while True:
                    arrivals.extend([time.monotonic()] * (len(receiver.received) - len(arrivals)))
                    await asyncio.sleep(0.1)

            watcher = asyncio.create_task(note_arrivals())
            started = time.monotonic()
            running = asyncio.create_task(load.run(started + seconds, per_second))

            await asyncio.sleep(seconds * 0.2)
            node_died = time.monotonic()
            say(f"kill -9 of node a ({cluster.node('a').node}), the one every instance is connected to")
            await asyncio.to_thread(cluster.stop_node, "a", kill=True)
            await wait_until(
                lambda: everyone_consuming(cluster, instances, client), 180, "reconnected after node death"
            )
            report.reconnected_after_node_death = time.monotonic() - node_died
            say(f"every instance ready and consuming again after {report.reconnected_after_node_death:.1f}s")

            await asyncio.sleep(max(0.0, started + seconds * 0.5 - time.monotonic()))
            killed_at = time.monotonic()
            say("kill -9 of one instance of each service")
            for service in SERVICES:
                instances[service][1].kill()
            # On a slow machine the reconnection can outlast the planned load: the kill happens under load.
            load.until = max(load.until, killed_at + seconds * 0.35)
            await asyncio.sleep(max(0.0, killed_at + seconds * 0.15 - time.monotonic()))
            say("node a and the killed instances start again")
            await asyncio.to_thread(cluster.start_node, "a")
            for service in SERVICES:
                instances[service][1].start()
            await asyncio.to_thread(cluster.wait_running, 3, 120)
            await running
            load_stopped = time.monotonic()
            say(f"load stopped: {load.commands} commands sent; waiting for every effect")

            async def all_effects() -> bool:
                found = await effects(load, db_prefix, list(receiver.received))
                return not (found["wards_lost"] or found["milestones_lost"] or found["webhooks_lost"])

            with contextlib.suppress(AssertionError):  # what never came is reported below as lost
                await wait_until(all_effects, 240, "every effect")
            report.drained_after_load = time.monotonic() - load_stopped
            try:
                await wait_until(lambda: everyone_consuming(cluster, instances, client), 180, "all reconnected")
            except AssertionError as missing:
                report.not_reconnected.append(str(missing))
            watcher.cancel()

            found = await effects(load, db_prefix, list(receiver.received))
            report.commands, report.refused, report.refusals = load.commands, load.refused, dict(load.refusals)
            report.accepted = load.commands - load.refused
            report.lost = {
                "wards": found["wards_lost"],
                "milestones": found["milestones_lost"],
                "webhooks": found["webhooks_lost"],
            }
            report.duplicated = {
                "wards": found["wards_twice"],
                "milestones": found["milestones_twice"],
                "applications": found["applications_twice"],
                "webhooks": found["webhooks_twice"],
            }
            report.redelivered_webhooks = found["redelivered"]
            report.dead_letters, _ = await broker_state(cluster)
            for service in SERVICES:
                [row] = await fetch(db_prefix, service, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
                report.unpublished[service] = int(row["n"])
            submitted_after = lambda t: [a for a, at in load.applications.items() if at > t]  # noqa: E731
            report.first_webhook_after_node_death = (
                first_arrival_after(receiver, arrivals, submitted_after(node_died)) - node_died
            )
            say(
                f"applications submitted after the node's death {len(submitted_after(node_died))}, after the kill {len(submitted_after(killed_at))}; webhooks {len(receiver.received)}, arrival times {len(arrivals)}"
            )
            report.first_webhook_after_kill = (
                first_arrival_after(receiver, arrivals, submitted_after(killed_at)) - killed_at
            )
    finally:
        everyone = [i for group in instances.values() for i in group]
        for instance in everyone:  # all told at once: each may take its grace period to stop
            if instance.process is not None and instance.process.poll() is None:
                instance.process.terminate()
        for instance in everyone:
            instance.stop()
        for service in SERVICES:
            await drop_database(Settings(service=service, db_prefix=db_prefix))
    return report


def first_arrival_after(receiver: WebhookReceiver, arrivals: list[float], applications: list[str]) -> float:
    wanted = set(applications)
    times = [
        at
        for (_, body), at in zip(receiver.received, arrivals, strict=False)
        if json.loads(body).get("subject") in wanted
    ]
    return min(times) if times else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--rate", type=float, default=2.0, help="commands of each kind a second")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the nodes' data (the folder is printed)")
    options = parser.parse_args()

    def say(line: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    directory = Path(tempfile.mkdtemp(prefix="cohesion-node-death-"))
    say(f"logs in {directory}")
    cluster = Cluster(directory / "cluster", free_base_port(), balance="first")
    say("starting three RabbitMQ nodes and HAProxy")
    try:
        cluster.up()
        report = asyncio.run(scenario(cluster, options.seconds, options.rate, directory, say))
    finally:
        cluster.down()
        if not options.keep:
            shutil.rmtree(directory, ignore_errors=True)
    for line in report.lines():
        print(line)
    print("NOTHING LOST" if report.ok else "FAILED")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
