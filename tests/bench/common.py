"""What every benchmark shares: results, percentiles, the scratch vhost and databases, the printed table."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import shlex
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import uvloop

from shared.db import asyncpg_dsn
from shared.settings import Settings
from tests.support import (
    RUN_ID,
    create_vhost,
    delete_vhost,
    drop_databases,
    prepare_databases,
)

COUNCIL = "E08000018"  # Rotherham: the council of the benchmark's officer token


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of an unsorted sequence."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class PipelineResult:
    """One measured pipeline: N commands, each from client send to the consumer's committed effect."""

    name: str
    commands: int
    concurrency: int
    seconds: float  # first send -> last effect
    latencies_ms: tuple[float, ...]
    accept_seconds: float = math.nan  # first send -> last command answered (before the consumer catches up)
    cpu_ms_per_command: Mapping[str, float] = field(default_factory=dict)
    # Where the latency goes: outbox created_at -> published_at (the relay's claim) per event, under this load.
    outbox_wait_ms: tuple[float, ...] = ()

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds if self.seconds > 0 else math.nan

    @property
    def accepted_per_second(self) -> float:
        return self.commands / self.accept_seconds if self.accept_seconds > 0 else math.nan

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


@dataclass(frozen=True)
class LagResult:
    """Relay lag at a steady event rate: commit of the command's transaction -> broker confirm."""

    rate: float
    seconds: float
    events: int
    commit_to_confirm_ms: tuple[float, ...]
    created_to_published_ms: tuple[float, ...]  # the outbox's own timestamps, for comparison
    achieved_rate: float


@dataclass(frozen=True)
class Scratch:
    """The benchmark's own vhost and databases (named after the run id)."""

    vhost: str
    db_prefix: str
    pg_dsn: str

    def raw_dsn(self, database: str) -> str:
        return asyncpg_dsn(self.pg_dsn.rstrip("/")) + "/" + database


@contextlib.asynccontextmanager
async def scratch(services: Sequence[str], extra_databases: Sequence[str] = ()) -> AsyncIterator[Scratch]:
    """Create a vhost, migrated service databases and empty extra databases; remove them all afterwards.

    The clean-up runs on errors and on Ctrl-C (CancelledError/KeyboardInterrupt pass through ``finally``).
    """
    vhost = f"cohesion-bench-{RUN_ID}"
    settings = Settings()
    made = Scratch(vhost=vhost, db_prefix=f"cohesion_test_{RUN_ID}", pg_dsn=settings.pg_dsn)
    server = made.raw_dsn("postgres")
    try:
        await create_vhost(vhost)
        await prepare_databases(vhost, services)
        conn = await asyncpg.connect(server)
        try:
            for name in extra_databases:
                await conn.execute(f'DROP DATABASE IF EXISTS "{made.db_prefix}_{name}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{made.db_prefix}_{name}"')
        finally:
            await conn.close()
        yield made
    finally:
        with contextlib.suppress(Exception):
            await drop_databases(vhost, services)
        with contextlib.suppress(Exception):
            conn = await asyncpg.connect(server)
            try:
                for name in extra_databases:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{made.db_prefix}_{name}" WITH (FORCE)')
            finally:
                await conn.close()
        with contextlib.suppress(Exception):
            await delete_vhost(vhost)


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.1f}"


def _ratio(a: float, b: float) -> str:
    return "—" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}x"


def render(
    command_line: str,
    full: PipelineResult | None,
    hands: Sequence[PipelineResult],
    lag: LagResult | None,
    notes: Sequence[str] = (),
    summary: Sequence[str] = (),
) -> str:
    lines = ["", "Cohesion benchmark", f"  command: {command_line}", ""]
    if summary:
        lines += [*summary, "", "  the last round:"]
    header = f"  {'pipeline':<34} {'commands':>8} {'conc.':>5} {'cmd/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'accept/s':>9}"
    lines += [header, "  " + "-" * (len(header) - 2)]
    results = [r for r in (full, *hands) if r is not None]
    for result in results:
        lines.append(
            f"  {result.name:<34} {result.commands:>8} {result.concurrency:>5} {result.per_second:>9,.0f}"
            f" {_ms(result.p(50)):>8} {_ms(result.p(99)):>8} {_ms(max(result.latencies_ms)):>8}"
            f" {result.accepted_per_second:>9,.0f}"
        )
    for result in results:
        if not result.cpu_ms_per_command:
            continue
        parts = ", ".join(f"{k} {v:.2f}" for k, v in result.cpu_ms_per_command.items() if v >= 0.005)
        total = sum(v for k, v in result.cpu_ms_per_command.items() if k != "other processes")
        lines.append(f"  CPU ms/command, {result.name}: {parts} (total without other: {total:.2f})")
    for result in results:
        if not result.outbox_wait_ms:
            continue
        wait = result.outbox_wait_ms
        lines.append(
            f"  outbox wait under load, {result.name}: created_at -> relay claim p50 {_ms(percentile(wait, 50))} ms,"
            f" p99 {_ms(percentile(wait, 99))} ms"
        )
    if full and hands:
        lines.append("")
        for hand in hands:
            lines.append(
                f"  ratio full stack / {hand.name}: throughput {_ratio(full.per_second, hand.per_second)}"
                f" (target ≥ 1.00x), p50 latency {_ratio(full.p(50), hand.p(50))},"
                f" p99 latency {_ratio(full.p(99), hand.p(99))}"
            )
    if lag:
        c2c = lag.commit_to_confirm_ms
        c2p = lag.created_to_published_ms
        lines += [
            "",
            f"  relay lag at {lag.rate:g} events/s for {lag.seconds:g} s"
            f" ({lag.events} events, achieved {lag.achieved_rate:.1f}/s, one transaction each):",
            f"    commit -> broker confirm (in process):  p50 {_ms(percentile(c2c, 50))} ms,"
            f" p99 {_ms(percentile(c2c, 99))} ms, max {_ms(max(c2c, default=math.nan))} ms  (target p99 < 50 ms)",
            f"    outbox published_at - created_at:        p50 {_ms(percentile(c2p, 50))} ms,"
            f" p99 {_ms(percentile(c2p, 99))} ms, max {_ms(max(c2p, default=math.nan))} ms",
        ]
    if notes:
        lines += ["", "  notes:"] + [f"  - {n}" for n in notes]
    lines.append("")
    return "\n".join(lines)


def summarise(rounds: Sequence[tuple[PipelineResult | None, Sequence[PipelineResult]]]) -> list[str]:
    """Across rounds: each pipeline's throughput, and the full stack's ratio to each yardstick as
    measured within the same round (so a drift in the machine's speed between rounds cancels out)."""
    by_name: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for full, hands in rounds:
        for result in (full, *hands):
            if result is not None:
                by_name.setdefault(result.name, []).append(result.per_second)
        for hand in hands:
            if full is not None and hand.per_second:
                ratios.setdefault(hand.name, []).append(full.per_second / hand.per_second)
    lines = [f"  {len(rounds)} rounds, alternating which pipeline runs first:"]
    for name, rates in by_name.items():
        each = ", ".join(f"{r:,.0f}" for r in rates)
        lines.append(f"    {name:<34} cmd/s median {statistics.median(rates):,.0f} (each round: {each})")
    for name, values in ratios.items():
        each = ", ".join(f"{v:.2f}x" for v in values)
        lines.append(
            f"    ratio full stack / {name}: median {statistics.median(values):.2f}x,"
            f" range {min(values):.2f}-{max(values):.2f}x (each round: {each}; target ≥ 1.00x)"
        )
    return lines


async def drive(commands: int, concurrency: int, send: Callable[[int], Awaitable[None]]) -> None:
    """Run ``send(i)`` for i in 0..commands-1 with at most ``concurrency`` in flight (closed loop)."""
    counter = iter(range(commands))

    async def worker() -> None:
        for i in counter:  # a shared iterator: each index is taken by exactly one worker
            await send(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


def by_round(label: str, values: Sequence[float]) -> list[str]:
    """A figure per round, then its minimum and median: the lines an in-process benchmark prints."""
    return [
        f"  {label} by round: {'  '.join(f'{v:,.0f}' for v in values)}",
        f"  {label}: min {min(values):,.0f}, median {statistics.median(values):,.0f}",
    ]


def run_benchmark(
    module: str,
    parse: Callable[[list[str]], argparse.Namespace],
    main: Callable[[argparse.Namespace, str], Coroutine[Any, Any, int]],
    *,
    on_uvloop: bool = False,
) -> None:
    """``python -m <module>``: parse the arguments, run, print the command that reproduces the figures.

    ``on_uvloop``: run on uvloop, as uvicorn runs a service, for a benchmark that embeds one.
    """
    argv = sys.argv[1:]
    args = parse(argv)
    command_line = shlex.join(["uv", "run", "python", "-m", module, *argv])
    try:
        sys.exit((uvloop.run if on_uvloop else asyncio.run)(main(args, command_line)))
    except KeyboardInterrupt:
        print("interrupted; scratch vhost and databases removed", file=sys.stderr)
        sys.exit(130)
