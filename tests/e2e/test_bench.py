"""``make bench`` keeps working: both benchmarks run end to end, at a size too small for their
figures to mean anything, and print their tables, targets and ratios, then leave nothing behind.

The figures themselves are read from full runs (README, "Command capacity" and "Capacity"), never
asserted here: a timed assertion would fail on a slow machine and prove nothing on a fast one.
"""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import pytest

from shared.db import asyncpg_dsn
from shared.settings import Settings
from tests.support import RUN_ID, management_client
from tests.system import ROOT

pytestmark = pytest.mark.e2e

# A run id of the benchmarks' own: their scratch databases are named after it and dropped at the end,
# so they must never be this test run's.
BENCH_RUN_ID = f"{RUN_ID}bench"


def run(*command: str) -> str:
    env = {**os.environ, "COHESION_TEST_RUN_ID": BENCH_RUN_ID}
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return done.stdout


async def left_behind() -> list[str]:
    """The benchmarks' scratch databases and vhost, if any are still there."""
    conn = await asyncpg.connect(asyncpg_dsn(Settings().pg_dsn.rstrip("/")) + "/postgres")
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"%{BENCH_RUN_ID}%")
    finally:
        await conn.close()
    async with management_client() as api:
        vhosts = (await api.get("/api/vhosts")).json()
    return [r["datname"] for r in rows] + [v["name"] for v in vhosts if BENCH_RUN_ID in v["name"]]


async def test_the_pipeline_benchmark_prints_both_ratios_and_the_relay_lag():
    out = run("tests.bench", "--commands", "60", "--warmup", "10", "--lag-seconds", "1")
    assert "command: uv run python -m tests.bench --commands 60 --warmup 10 --lag-seconds 1" in out
    for pipeline in ("full stack (HTTP, 2 services)", "hand-written, relay batches", "hand-written, 1 confirm/round"):
        assert f"CPU ms/command, {pipeline}:" in out
    for yardstick in ("relay batches", "1 confirm/round"):
        assert f"ratio full stack / hand-written, {yardstick}: throughput " in out
    assert "relay lag at 100 events/s" in out and "(target p99 < 50 ms)" in out
    assert await left_behind() == []


async def test_the_webhook_benchmark_prints_its_targets_with_no_duplicate_or_bad_signature():
    out = run("tests.bench.notifications", "--quick")
    assert "command: uv run python -m tests.bench.notifications --quick" in out
    assert "target: >= 500 signed deliveries/s at saturation:" in out
    assert "target: p99 <= 100 ms, (b) 100 ev/s" in out
    assert "duplicates seen: 0 (with a changed webhook-id: 0)" in out and ", bad: 0" in out
    assert await left_behind() == []
