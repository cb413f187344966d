"""CPU time by component (Linux ``/proc``), to show where a pipeline's time goes on this machine.

A snapshot sums user+system CPU of every process by component: PostgreSQL
backends, the RabbitMQ node, named processes (the services, with their worker
processes when ``COHESION_WORKERS`` > 1) and this process;
everything else is "other" (e.g. another test run sharing the machine).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def snapshot(named: Mapping[str, int] | None = None) -> dict[str, float]:
    """Component -> CPU seconds used so far by its live processes (empty where /proc is absent)."""
    by_pid = {pid: name for name, pid in (named or {}).items()}
    me = os.getpid()
    used: defaultdict[str, float] = defaultdict(float)
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        pid = int(entry.name)
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
        parent = int(fields[1])
        if pid in by_pid:
            used[by_pid[pid]] += seconds
        elif parent in by_pid:  # a service's worker process (uvicorn --workers)
            used[by_pid[parent]] += seconds
        elif pid == me:
            used["benchmark client"] += seconds
        elif comm == "postgres":
            used["postgresql"] += seconds
        elif comm in ("beam.smp", "erl_child_setup", "epmd", "inet_gethost"):
            used["rabbitmq"] += seconds
        else:
            used["other processes"] += seconds
    return dict(used)


def per_command(before: Mapping[str, float], after: Mapping[str, float], commands: int) -> dict[str, float]:
    """Component -> CPU milliseconds per command between two snapshots."""
    return {k: max(0.0, after[k] - before.get(k, 0.0)) * 1000 / commands for k in sorted(after) if commands}
