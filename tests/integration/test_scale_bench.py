"""``make bench-scale`` keeps working: its whole run at a tiny scale, one round, a few requests."""

from __future__ import annotations

from tests.bench.scale.__main__ import run
from tests.bench.scale.dataset import Scale


async def test_the_scale_benchmark_measures_every_figure_on_an_empty_and_a_loaded_database(vhost):
    report = await run(Scale(factor=0.0006), rounds=1, requests=2)
    rows = [line for line in report.splitlines() if line.startswith("| ") and "measurement" not in line]
    names = {row.split(" | ")[0].lstrip("| ") for row in rows}
    assert {"fund report p99 ms", "commands per s", "monitoring clock tick ms"} <= names
    assert all(row.endswith("x |") and "nan" not in row for row in rows), report
    assert "python -m tests.bench.scale --factor 0.0006" in report
