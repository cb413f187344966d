"""``cohesion up``: the whole system on one machine, each service its own process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from shared import registry
from shared.messaging.topology import declare_topology
from shared.migrations import prepare_database
from shared.settings import Settings, settings_for

ROOT = Path(__file__).resolve().parents[2]
# Logs and the local mailbox; COHESION_RUN_DIR puts them elsewhere (a second copy of the system).
RUN_DIR = Path(os.environ.get("COHESION_RUN_DIR") or ROOT / ".run")


def _say(message: str) -> None:
    print(message, flush=True)


def _url_of(name: str) -> str:
    return settings_for(name).service_urls[name]


def _port_of(name: str) -> int:
    """Where a service listens: the port of its URL in COHESION_SERVICE_URLS, which is also where
    the others, the readiness check and the demo look for it."""
    return urlsplit(_url_of(name)).port or settings_for(name).port


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


async def prepare(settings: Settings) -> None:
    """Databases migrated and every consumer's queues declared before any service publishes."""
    for name in registry.names():
        await prepare_database(name)
        _say(f"  database {settings_for(name).database_name}: migrated")
    consumers = [c.queue for d in registry.definitions().values() for c in d.consumers]
    await declare_topology(settings.amqp_url, consumers, settings.retry_delays_ms)
    _say(f"  broker: exchange cohesion.events and {len(consumers)} consumer queues declared")


def start_services(env: dict[str, str]) -> dict[str, subprocess.Popen[bytes]]:
    logs = RUN_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    # Each is told where the others are, rather than working it out by importing every service.
    urls = json.dumps(settings_for("cli").service_urls)
    for name in registry.names():
        log = (logs / f"{name}.log").open("ab")
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", registry.package_of(name)],
            cwd=ROOT,
            env={**env, "COHESION_HTTP_PORT": str(_port_of(name)), "COHESION_SERVICE_URLS": urls},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop the services in order
        )
    return processes


async def wait_ready(processes: dict[str, subprocess.Popen[bytes]], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    pending = set(processes)
    async with httpx.AsyncClient(timeout=2) as client:
        while pending:
            for name in sorted(pending):
                if processes[name].poll() is not None:
                    log = RUN_DIR / "logs" / f"{name}.log"
                    raise RuntimeError(f"{name} exited with {processes[name].returncode}; see {log}")
                try:
                    if (await client.get(f"{_url_of(name)}/readyz")).status_code == 200:
                        pending.discard(name)
                        _say(f"  {name}: ready on {_url_of(name)}")
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise RuntimeError(
                    f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))} (see {RUN_DIR / 'logs'})"
                )
            await asyncio.sleep(0.3)


def stop_services(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            _say(f"  {name}: killed after 15s")
        else:
            _say(f"  {name}: stopped")


MAIL_DIR = RUN_DIR / "mail"


def start_mailbox(settings: Settings) -> subprocess.Popen[bytes] | None:
    """A local SMTP server keeping every email the services send, as files in ``.run/mail/new/`` (Maildir).

    Only where notifications is left to send to this machine (``COHESION_EMAIL_SMTP_HOST``
    unset or local) and the port is free; with a real SMTP server configured, none is started.
    aiosmtpd comes with the development dependencies that ``make up`` installs.
    """
    host = os.environ.get("COHESION_EMAIL_SMTP_HOST", "127.0.0.1")
    port = int(os.environ.get("COHESION_EMAIL_SMTP_PORT", "1025"))
    if host not in ("127.0.0.1", "localhost") or _port_in_use(port):
        return None
    for part in ("tmp", "new", "cur"):  # a Maildir
        (MAIL_DIR / part).mkdir(parents=True, exist_ok=True)
    log = (RUN_DIR / "logs" / "mailbox.log").open("ab")
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
    return subprocess.Popen(
        [*command, "-c", "aiosmtpd.handlers.Mailbox", str(MAIL_DIR)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def where_to_look() -> str:
    urls = settings_for("cli").service_urls
    any_url = urls[registry.names()[0]]  # every service serves the event catalogue and its own metrics
    lines = ["", "Cohesion is running. Where to look:"]
    for name in registry.names():
        lines.append(f"  {name:<14} {urls[name]}/docs   (OpenAPI: {urls[name]}/openapi.json)")
    lines += [
        f"  events         {any_url}/asyncapi   (AsyncAPI 3: {any_url}/asyncapi.json)",
        "  broker         http://127.0.0.1:15672 (guest/guest): exchange cohesion.events, queues, DLQs",
        f"  metrics        {any_url}/metrics and each service's /metrics (outbox lag, queue depth, deliveries)",
        f"  logs           {_shown(RUN_DIR / 'logs')}/<service>.log (JSON, with trace ids)",
        f"  emails         {_shown(MAIL_DIR / 'new')}/ (every email the services send: alerts, digests, notices)",
        "",
        "Next:",
        "  make demo                                  drive a scenario through the running system",
        "  uv run cohesion token --role officer       a development token for the APIs",
        "  uv run cohesion dlq list                   dead letters, if any",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the checkout when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def run_local() -> int:
    settings = settings_for("cli")
    busy = [n for n in registry.names() if _port_in_use(_port_of(n))]
    if busy:
        _say(f"ports already in use for {', '.join(busy)}: is another `make up` running? Stop it first.")
        return 1
    _say("Preparing databases and broker topology...")
    asyncio.run(prepare(settings))
    _say("Starting services...")
    # The demo's partner endpoint listens on this machine; development only.
    env = {"COHESION_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1,localhost", **os.environ, "PYTHONUNBUFFERED": "1"}
    processes = start_services(env)
    mailbox = start_mailbox(settings)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        asyncio.run(wait_ready(processes))
        _say("Loading demo data from the seed papers...")
        from shared.demo import load_demo_data

        for line in asyncio.run(load_demo_data()):
            _say(f"  {line}")
        _say(where_to_look())
        while not stopping:
            dead = [n for n, p in processes.items() if p.poll() is not None]
            if dead:
                _say(f"{', '.join(dead)} stopped unexpectedly; see {_shown(RUN_DIR / 'logs')}/. Stopping the rest.")
                return 1
            time.sleep(0.5)
        return 0
    except Exception as exc:
        _say(f"start-up failed: {exc}")
        return 1
    finally:
        _say("Stopping services...")
        stop_services(processes | ({"mailbox": mailbox} if mailbox else {}))
