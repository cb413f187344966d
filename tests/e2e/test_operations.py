"""What operators and developers rely on, with the service as a real process: OTLP export and dev tokens."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from shared.auth import TokenVerifier
from shared.settings import Settings
from tests.support import COUNCIL, RUN_ID, amqp_url_for_vhost, eventually, token
from tests.system import ROOT, System, system_env

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
