"""What operators and developers rely on, with the services as real processes: `make up`, OTLP export, dev tokens."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from shared import registry
from shared.auth import TokenVerifier
from shared.settings import Settings
from tests.support import COUNCIL, RUN_ID, amqp_url_for_vhost, eventually, token
from tests.system import ROOT, System, free_port, system_env

pytestmark = pytest.mark.e2e

TRACE_ID = "5c1c63257de34c67b3b1f3f2a5e6d7f8"


class Collector:
    """An OTLP/HTTP trace receiver: records the raw protobuf bodies POSTed to /v1/traces."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.port = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                _, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if path == "/v1/traces":
                    self.bodies.append(body)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()

    async def has(self, *needles: bytes) -> bool:
        return any(all(n in body for n in needles) for body in self.bodies)


@asynccontextmanager
async def collector() -> AsyncIterator[Collector]:
    receiver = Collector()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        server.close()


async def test_traces_are_exported_by_otlp_when_an_endpoint_is_set(settings_for_test, vhost: str, tmp_path: Path):
    settings = settings_for_test("wards")
    async with collector() as otlp:
        env, urls = system_env(
            f"cohesion_test_{RUN_ID}",
            amqp_url_for_vhost(vhost),
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{otlp.port}",
            OTEL_BSP_SCHEDULE_DELAY="100",
        )
        system = System(env, urls, tmp_path / "logs")
        system.start("wards")
        try:
            await system.wait_ready()
            traceparent = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
            async with httpx.AsyncClient() as client:
                listed = await client.get(
                    f"{urls['wards']}/v1/wards", headers={**token(settings, "officer"), "traceparent": traceparent}
                )
            assert listed.status_code == 200 and listed.headers["x-trace-id"] == TRACE_ID
            # The span of that request arrives at the collector, named for the service, in the caller's trace.
            assert await eventually(lambda: otlp.has(b"cohesion-wards", bytes.fromhex(TRACE_ID)), timeout=20)
        finally:
            system.stop()


async def test_the_cohesion_token_command_issues_a_token_the_services_accept(settings_for_test):
    settings: Settings = settings_for_test("wards")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from shared.cli import main; main()",
        *("token", "--role", "officer", "--council", COUNCIL, "--subject", "alice"),
        cwd=ROOT,
        env={**os.environ},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    principal = TokenVerifier(settings).verify(out.decode().strip())
    assert (principal.subject, principal.council, principal.roles) == ("alice", COUNCIL, frozenset({"officer"}))


async def test_make_up_keeps_every_email_in_a_local_maildir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from email.message import EmailMessage

    import aiosmtplib

    from shared.cli import local
    from shared.settings import settings_for
    from tests.integration.test_notifications_email import free_port

    port = free_port()
    monkeypatch.setenv("COHESION_EMAIL_SMTP_PORT", str(port))
    monkeypatch.setattr(local, "RUN_DIR", tmp_path)
    monkeypatch.setattr(local, "MAIL_DIR", tmp_path / "mail")
    (tmp_path / "logs").mkdir()
    mailbox = local.start_mailbox(settings_for("cli"))
    assert mailbox is not None
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@cohesion.test", "b@partner.example", "Hello"
        message.set_content("kept")

        async def delivered() -> bool:
            try:
                await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=2)
            except (aiosmtplib.SMTPException, OSError):
                return False
            return True

        assert await eventually(delivered, timeout=20), (tmp_path / "logs" / "mailbox.log").read_text()
        [kept] = list((tmp_path / "mail" / "new").iterdir())
        assert "Subject: Hello" in kept.read_text()
        # A second one is not started on a port already taken (another `make up`, or a real server).
        assert local.start_mailbox(settings_for("cli")) is None
    finally:
        local.stop_services({"mailbox": mailbox})


def worker_processes(parent: int) -> list[int]:
    """The uvicorn worker processes under a supervisor (multiprocessing may add a resource tracker too)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


SUBSCRIBERS, EVENTS = 20, 100  # enough claims racing each other to catch a delivery handed out twice


async def test_a_service_run_as_two_processes_shares_its_deliveries_and_sends_each_once(
    settings_for_test, vhost: str, tmp_path: Path
):
    """COHESION_WORKERS=2: two processes on one port, competing for the same deliveries."""
    import uuid

    from shared.docs import load_definitions
    from shared.messaging.topology import declare_topology
    from tests.integration.test_notifications_webhooks import Endpoint, application_submitted, publish

    settings = settings_for_test("notifications")
    amqp_url = amqp_url_for_vhost(vhost)
    consumers = [c.queue for c in load_definitions()["notifications"].consumers]
    await declare_topology(amqp_url, consumers, [200, 500])
    env, urls = system_env(
        f"cohesion_test_{RUN_ID}",
        amqp_url,
        COHESION_WORKERS="2",
        COHESION_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        COHESION_WEBHOOK_POLL_SECONDS="0.2",
    )
    system = System(env, urls, tmp_path / "logs")
    async with Endpoint() as endpoint:
        system.start("notifications")
        try:
            await system.wait_ready()
            workers = await asyncio.to_thread(worker_processes, system.processes["notifications"].pid)
            assert len(workers) == 2, workers
            officer = token(settings, "officer")
            async with httpx.AsyncClient(base_url=urls["notifications"], timeout=30) as client:
                partner = await client.post(
                    "/v1/partners",
                    json={
                        "name": "SYP",
                        "organisation": f"syp-{uuid.uuid4().hex[:6]}",
                        "contact_email": "o@syp.example",
                    },
                    headers=officer,
                )
                for n in range(SUBSCRIBERS):
                    created = await client.post(
                        "/v1/subscriptions",
                        json={
                            "partner_id": partner.json()["id"],
                            "url": endpoint.url(f"/hooks/{n}"),
                            "event_types": ["grants.#"],
                        },
                        headers=officer,
                    )
                    assert created.status_code == 201, created.text
            await publish(amqp_url, *[application_submitted() for _ in range(EVENTS)])

            async def all_arrived() -> bool:
                return len({r.headers["webhook-id"] for r in endpoint.requests}) >= SUBSCRIBERS * EVENTS

            await eventually(all_arrived, timeout=90)
            await asyncio.sleep(1.0)  # a delivery sent twice would have arrived by now
            ids = [r.headers["webhook-id"] for r in endpoint.requests]
            assert len(ids) - len(set(ids)) == 0, f"{len(ids) - len(set(ids))} deliveries sent twice"
        finally:
            system.stop()


async def test_make_up_prepares_everything_loads_the_seed_papers_and_ctrl_c_stops_it_all(
    settings_for_test, vhost: str, tmp_path: Path
):
    """`cohesion up` (what `make up` runs once PostgreSQL and RabbitMQ are up) on ports, databases and a
    vhost of this test's own: it migrates, declares, starts the four services, loads the seed papers'
    demo data, says where to look, and on Ctrl-C stops every process it started."""
    settings_for_test("grants")  # empties every database and queue first
    prefix = f"cohesion_test_{RUN_ID}"
    mail_port = free_port()
    env, urls = system_env(
        prefix, amqp_url_for_vhost(vhost), COHESION_RUN_DIR=str(tmp_path), COHESION_EMAIL_SMTP_PORT=str(mail_port)
    )
    up = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "cohesion"),
        "up",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = up.stdout
    assert output is not None
    said: list[str] = []

    async def read_until(last: str) -> None:
        while not said or said[-1] != last:
            line = await output.readline()
            assert line, "cohesion up ended early:\n" + "\n".join(said)
            said.append(line.decode().rstrip())

    try:
        await asyncio.wait_for(read_until("Ctrl-C stops everything."), timeout=180)
        for name in registry.names():
            assert f"  database {prefix}_{name}: migrated" in said
            assert f"  {name}: ready on {urls[name]}" in said
            assert any(f"{urls[name]}/docs" in line for line in said)
        assert any(line.startswith("  broker: exchange cohesion.events and ") for line in said)
        assert "  wards: 25 Rotherham wards (WD24) loaded; 25 published" in said
        assert any("Building Stronger Communities" in line and "£5,000 council + £5,000 RTP" in line for line in said)
        assert any(line.startswith("  actions: 2017 BSC action plan loaded") for line in said)
        assert any(f"{urls['wards']}/asyncapi" in line for line in said)
        assert any("make demo" in line for line in said)
        assert any(str(tmp_path / "logs") in line for line in said)  # where it said the logs are
        assert (tmp_path / "logs" / "wards.log").stat().st_size > 0

        up.send_signal(signal.SIGINT)  # Ctrl-C
        rest, _ = await asyncio.wait_for(up.communicate(), timeout=60)
    finally:
        if up.returncode is None:
            up.kill()
            await up.wait()
    said += rest.decode().splitlines()
    assert up.returncode == 0, "\n".join(said)
    stopped = said[said.index("Stopping services...") :]
    assert sorted(line.strip() for line in stopped[1:]) == sorted(
        f"{n}: stopped" for n in [*registry.names(), "mailbox"]
    )
    for port in [*(int(url.rsplit(":", 1)[1]) for url in urls.values()), mail_port]:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"something still listens on {port}"
