"""``make bench-scale``: grants on an empty and on a loaded database, side by side in one run.

    python -m tests.bench.scale [--factor 0.05] [--seed 2026] [--rounds 3] [--requests 40]

Two migrated grants databases: "empty" holds the minimum data set (500 applications, the councils and
wards), "loaded" the national data set at ``--factor`` (1 = 1M applications, 10M events). Each round
runs every measurement on both, alternating, and the table shows the median over rounds of each
figure and the ratio loaded/empty. Measured: lists (page 1 and a page deep in the list) and the fund
report, p50/p99; commands (draft + submit an application) per second, p99 and CPU per command; the
monitoring clock's work per tick when nothing new is due. The machine is shared: read ratios, not
absolute figures, and expect noise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
import httpx

from services.grants.app import definition as grants_definition
from services.grants.clocks import SCHEDULER
from services.grants.handlers import raise_monitoring_notices
from services.grants.open_data import export_360giving
from shared.db import asyncpg_dsn, create_engine
from shared.keyset import _encode
from shared.migrations import drop_database, prepare_database
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork
from tests.bench.common import percentile
from tests.bench.scale.dataset import BIG_COUNCIL, Loaded, Scale, load
from tests.support import RUN_ID, amqp_url_for_vhost, create_vhost, delete_vhost, running_service, token

TODAY = date(2026, 12, 2)
THEME = "Bringing people together"


@dataclass
class Figures:
    """Per measurement name, the value of each round."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.values.get(name) or [float("nan")])


@dataclass
class Database:
    label: str
    settings: Settings
    loaded: Loaded


async def timed(calls: int, call: Callable[[], Awaitable[httpx.Response]]) -> list[float]:
    took = []
    for _ in range(calls):
        start = time.perf_counter()
        response = await call()
        took.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return took


async def deep_cursor(db: Database) -> str:
    """The cursor of the page halfway through the big fund's applications."""
    connection = await asyncpg.connect(asyncpg_dsn(db.settings.db_url))
    try:
        row = await connection.fetchrow(
            "SELECT created_at, id FROM applications WHERE fund_id = $1 ORDER BY created_at, id "
            "OFFSET (SELECT count(*) / 2 FROM applications WHERE fund_id = $1) LIMIT 1",
            db.loaded.big_fund,
        )
    finally:
        await connection.close()
    return _encode([row["created_at"], row["id"]])


async def measure(db: Database, client: httpx.AsyncClient, requests: int, figures: Figures) -> None:
    officer = token(db.settings, "officer", subject="officer-1", council=BIG_COUNCIL)
    fund = db.loaded.big_fund
    reads: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
        "list applications by fund, page 1": lambda: client.get(
            "/v1/applications", params={"fund_id": fund}, headers=officer
        ),
        "list applications by fund, middle page": lambda: client.get(
            "/v1/applications", params={"fund_id": fund, "cursor": cursor}, headers=officer
        ),
        "list council's applications, page 1": lambda: client.get("/v1/applications", headers=officer),
        "list funds, page 1": lambda: client.get("/v1/funds", headers=officer),
        "fund report": lambda: client.get(f"/v1/funds/{fund}/report", headers=officer),
    }
    cursor = await deep_cursor(db)
    for name, call in reads.items():
        await call()  # warm
        took = await timed(requests, call)
        figures.add(f"{name} p50 ms", percentile(took, 50))
        figures.add(f"{name} p99 ms", percentile(took, 99))
    # Commands: draft and submit, one after the other, as one applicant would.
    applicant = token(db.settings, "applicant", subject="bench-applicant", council=BIG_COUNCIL)
    body = {
        "organisation": {
            "name": "Bench Group",
            "type": "community_group",
            "contact": {"name": "A. Person", "email": "a@example.org"},
        },
        "title": "Bench",
        "summary": "Bench",
        "amount_requested_pence": 80_000,
        "ward_codes": ["E05000000"],
        "theme": THEME,
    }
    took, cpu, wall = [], time.process_time(), time.perf_counter()
    for _ in range(requests):
        start = time.perf_counter()
        drafted = await client.post(f"/v1/funds/{fund}/applications", json=body, headers=applicant)
        if drafted.status_code != 201:
            raise RuntimeError(f"draft: {drafted.status_code} {drafted.text[:300]}")
        submitted = await client.post(f"/v1/applications/{drafted.json()['id']}/submit", headers=applicant)
        if submitted.status_code != 200:
            raise RuntimeError(f"submit: {submitted.status_code} {submitted.text[:300]}")
        took += [(time.perf_counter() - start) * 500] * 2
    commands, wall, cpu = 2 * requests, time.perf_counter() - wall, time.process_time() - cpu
    figures.add("commands per s", commands / wall)
    figures.add("command p99 ms", percentile(took, 99))
    figures.add("service CPU ms per command", cpu * 1000 / commands)
    # The 360Giving export of the council's awards: its peak of Python memory must not grow with them.
    with tempfile.TemporaryDirectory() as out:
        tracemalloc.start()
        start = time.perf_counter()
        _, _, exported = await export_360giving(db.settings, BIG_COUNCIL, Path(out), "360G-bench", TODAY)
        figures.add("360Giving export s", time.perf_counter() - start)
        figures.add("360Giving export peak MB (tracemalloc)", tracemalloc.get_traced_memory()[1] / 1e6)
        figures.add("360Giving grants exported", exported)
        tracemalloc.stop()
    # The monitoring clock when nothing new is due: its whole work is finding that out.
    engine = create_engine(db.settings.db_url, pool_size=1)
    try:
        async with UnitOfWork(engine, "grants", SCHEDULER) as uow:
            await raise_monitoring_notices(uow, TODAY)
        start = time.perf_counter()
        async with UnitOfWork(engine, "grants", SCHEDULER) as uow:
            await raise_monitoring_notices(uow, TODAY)
        figures.add("monitoring clock tick ms", (time.perf_counter() - start) * 1000)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def databases(scale: Scale) -> AsyncIterator[tuple[str, list[Database]]]:
    vhost = f"cohesion-bench-scale-{RUN_ID}"
    made: list[Database] = []
    await create_vhost(vhost)
    try:
        for label, size in (("empty", Scale(factor=0, seed=scale.seed)), ("loaded", scale)):
            settings = Settings(
                service="grants",
                db_prefix=f"cohesion_scale_{RUN_ID}_{label}",
                amqp_url=amqp_url_for_vhost(vhost),
                scheduler_interval_seconds=3600.0,
            )
            await prepare_database("grants", settings)
            made.append(Database(label, settings, Loaded()))
            start = time.perf_counter()
            made[-1].loaded = await load(asyncpg_dsn(settings.db_url), size)
            print(f"loaded {label}: {made[-1].loaded.counts} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        yield vhost, made
    finally:
        for db in made:
            with contextlib.suppress(Exception):
                await drop_database(db.settings)
        with contextlib.suppress(Exception):
            await delete_vhost(vhost)


def table(figures: dict[str, Figures], command: str) -> str:
    empty, loaded = figures["empty"], figures["loaded"]
    lines = ["| measurement (median of rounds) | empty | loaded | loaded/empty |", "|---|---:|---:|---:|"]
    for name in empty.values:
        a, b = empty.median(name), loaded.median(name)
        lines.append(f"| {name} | {a:.2f} | {b:.2f} | {b / a if a else float('nan'):.2f}x |")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return "\n".join([*lines, "", f"command: `{command}`", f"peak RSS of the whole run: {rss:.0f} MB"])


async def run(scale: Scale, rounds: int, requests: int) -> str:
    figures = {"empty": Figures(), "loaded": Figures()}
    async with databases(scale) as (_, dbs):
        for round_ in range(rounds):
            for db in dbs if round_ % 2 == 0 else reversed(dbs):
                async with running_service(grants_definition, db.settings) as (_, client):
                    await measure(db, client, requests, figures[db.label])
    command = f"python -m tests.bench.scale --factor {scale.factor} --seed {scale.seed} --rounds {rounds}"
    return table(figures, command + f" --requests {requests}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=float, default=0.05, help="1 = 1M applications and 10M events")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40, help="requests per measurement per round")
    args = parser.parse_args()
    print(asyncio.run(run(Scale(factor=args.factor, seed=args.seed), args.rounds, args.requests)))


if __name__ == "__main__":
    main()
