"""The full stack: wards and grants as separate processes, driven over HTTP.

One command is ``POST /v1/wards`` with one new ward. The wards service commits the
ward and its ``wards.ward.registered.v1`` outbox row, its relay publishes it, and
grants' ``grants.ward-directory`` consumer commits its effect with an inbox row.
Latency per command is that inbox row's ``processed_at`` minus the client's
wall-clock send time (both clocks are this machine's).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import aiohttp
import asyncpg

from shared.settings import Settings
from tests.bench import cpu
from tests.bench.common import PipelineResult, Scratch, drive, wait_until
from tests.support import amqp_url_for_vhost, token
from tests.system import ROOT, System, system_env

CONSUMER = "grants.ward-directory"


class FullStackError(RuntimeError):
    pass


@contextlib.asynccontextmanager
async def running_system(
    scratch: Scratch, *, profile_dir: Path | None = None, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[System]:
    """wards and grants as separate processes on the scratch vhost and databases (under cProfile if asked)."""
    env, urls = system_env(scratch.db_prefix, amqp_url_for_vhost(scratch.vhost), **(extra_env or {}))
    log_dir = Path(tempfile.mkdtemp(prefix="cohesion-bench-"))
    system = System(env=env, urls=urls, log_dir=log_dir)
    try:
        if profile_dir is None:
            system.start("wards", "grants")
        else:
            _start_profiled(system, profile_dir)
        await system.wait_ready()
        yield system
    finally:
        system.stop()
        print(f"  (service logs in {log_dir})", file=sys.stderr)


def _start_profiled(system: System, profile_dir: Path) -> None:
    """As ``System.start``, but each service runs under cProfile (written when it exits on SIGTERM)."""
    profile_dir.mkdir(parents=True, exist_ok=True)
    system.log_dir.mkdir(parents=True, exist_ok=True)
    for name in ("wards", "grants"):
        port = system.urls[name].rsplit(":", 1)[1]
        log = (system.log_dir / f"{name}.log").open("ab")
        system.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.profiled", name, str(profile_dir / f"{name}.prof")],
            cwd=ROOT,
            env={**system.env, "COHESION_HTTP_PORT": port},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


class Stack:
    def __init__(self, scratch: Scratch, system: System) -> None:
        self.scratch = scratch
        self.system = system
        self.headers = token(Settings(), "officer")

    async def __aenter__(self) -> Stack:
        # aiohttp rather than httpx: this client shares the two cores with the system it measures, and
        # httpx spent about 2.5 ms of CPU per command to aiohttp's fraction of that.
        self.client = aiohttp.ClientSession(
            base_url=self.system.urls["wards"],
            connector=aiohttp.TCPConnector(limit=256),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        self.wards_db = await asyncpg.connect(self.scratch.raw_dsn(f"{self.scratch.db_prefix}_wards"))
        self.grants_db = await asyncpg.connect(self.scratch.raw_dsn(f"{self.scratch.db_prefix}_grants"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()
        await self.wards_db.close()
        await self.grants_db.close()

    async def command(self, code: str) -> None:
        body = [
            {
                "gss_code": code,
                "name": f"Bench ward {code}",
                "local_authority_name": "Rotherham",
                "boundary_set": "WD24",
            }
        ]
        async with self.client.post("/v1/wards", json=body, headers=self.headers) as response:
            if response.status != 201:
                text = await response.text()
                raise FullStackError(f"POST /v1/wards {code}: {response.status} {text[:500]}")

    async def event_ids(self, codes: list[str]) -> dict[str, str]:
        """gss code -> the id of the event its command put in the wards outbox."""
        rows = await self.wards_db.fetch(
            "SELECT subject, event_id FROM outbox WHERE event_type = 'wards.ward.registered.v1'"
            " AND subject = ANY($1::text[])",
            codes,
        )
        return {r["subject"]: r["event_id"] for r in rows}

    async def outbox_wait(self, event_ids: list[str]) -> tuple[float, ...]:
        """Per event, outbox created_at -> published_at (ms): how long it waited for the relay."""
        rows = await self.wards_db.fetch(
            "SELECT extract(epoch FROM published_at - created_at) * 1000 AS ms FROM outbox"
            " WHERE event_id = ANY($1::text[])",
            event_ids,
        )
        return tuple(float(r["ms"]) for r in rows)

    async def count_processed(self, event_ids: list[str]) -> int:
        count: int = await self.grants_db.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = ANY($2::text[])", CONSUMER, event_ids
        )
        return count

    async def processed(self, event_ids: list[str]) -> dict[str, float]:
        rows = await self.grants_db.fetch(
            "SELECT event_id, extract(epoch FROM processed_at)::float8 AS at FROM inbox"
            " WHERE consumer = $1 AND event_id = ANY($2::text[])",
            CONSUMER,
            event_ids,
        )
        return {r["event_id"]: r["at"] for r in rows}


async def run_round(
    stack: Stack, *, prefix: str, commands: int, concurrency: int, timeout: float
) -> tuple[dict[str, float], dict[str, float], float, float]:
    """Send ``commands`` commands; returns (event id -> send time, event id -> effect time, first send, last answer)."""
    sent: dict[str, float] = {}
    # A random block of codes, so runs against a reused database never collide.
    base = random.randrange(0, 900_000 - commands) if commands < 900_000 else 0

    async def send(i: int) -> None:
        code = f"{prefix}{base + i:06d}"
        sent[code] = time.time()
        await stack.command(code)

    first = time.time()
    await drive(commands, concurrency, send)
    accepted = time.time()
    by_code = await stack.event_ids(list(sent))
    if len(by_code) != len(sent):
        raise FullStackError(f"{len(sent) - len(by_code)} commands left no event in the wards outbox")
    ids = list(by_code.values())

    async def all_done() -> bool:
        return await stack.count_processed(ids) >= len(ids)

    await wait_until(all_done, timeout=timeout, what=f"{CONSUMER} to process every event", interval=0.1)
    done = await stack.processed(ids)
    return {by_code[c]: at for c, at in sent.items()}, done, first, accepted


async def consumer_exists() -> bool:
    """Whether the grants service declares the consumer this benchmark waits on."""
    code = (
        f"from services.grants.app import definition; print(any(c.name == {CONSUMER!r} for c in definition.consumers))"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        cwd=str(ROOT),
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    return out.strip() == b"True"


async def run(
    scratch: Scratch,
    *,
    commands: int,
    concurrency: int,
    warmup: int,
    profile_dir: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> PipelineResult:
    async with (
        running_system(scratch, profile_dir=profile_dir, extra_env=extra_env) as system,
        Stack(scratch, system) as stack,
    ):
        if warmup:
            await run_round(stack, prefix="E07", commands=warmup, concurrency=concurrency, timeout=60)
        named = {name: process.pid for name, process in system.processes.items()}
        cpu_before = cpu.snapshot(named)
        sent, done, first, accepted = await run_round(
            stack, prefix="E05", commands=commands, concurrency=concurrency, timeout=max(60, commands / 20)
        )
        wait = await stack.outbox_wait(list(done))
        cpu_used = cpu.per_command(cpu_before, cpu.snapshot(named), commands)
    return PipelineResult(
        name="full stack (HTTP, 2 services)",
        commands=commands,
        concurrency=concurrency,
        seconds=max(done.values()) - first,
        accept_seconds=accepted - first,
        cpu_ms_per_command=cpu_used,
        outbox_wait_ms=wait,
        latencies_ms=tuple((done[e] - sent[e]) * 1000 for e in sent),
    )
