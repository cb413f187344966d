"""``make cluster-up`` / ``make cluster-down``: the three-node cluster and HAProxy, for people to try things on.

    python -m tests.cluster up      # nodes on 5701-5703, HAProxy on 5700 (management 15700)
    python -m tests.cluster down    # stops them and removes their data

Its data is under $COHESION_RUN_DIR/cluster (default .run/cluster).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.cluster.rabbit import Cluster, ports_free
from tests.system import ROOT

BASE_PORT = 5700


def cluster() -> Cluster:
    run_dir = Path(os.environ.get("COHESION_RUN_DIR") or ROOT / ".run")
    return Cluster(run_dir / "cluster", BASE_PORT)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    c = cluster()
    if command == "up":
        if not ports_free(BASE_PORT):
            print(
                f"ports {BASE_PORT}-{BASE_PORT + 3} (or the management/distribution ones) are taken: "
                "is the cluster already up? `make cluster-down` stops it."
            )
            return 1
        c.up()
        print(
            f"RabbitMQ cluster up: {', '.join(n.node for n in c.nodes)} (AMQP {', '.join(str(n.amqp_port) for n in c.nodes)})"
        )
        print(f"HAProxy in front:  COHESION_AMQP_URL={c.amqp_url}")
        print(f"                   COHESION_RABBITMQ_API_URL={c.management_url}")
        urls = ",".join(n.amqp_url for n in c.nodes)
        print(f"or, without HAProxy: COHESION_AMQP_URL={c.nodes[0].amqp_url} COHESION_AMQP_FAILOVER_URLS={urls}")
        print(f"data and logs in {c.directory}; `make cluster-down` stops it")
        return 0
    if command == "down":
        c.stop_by_pid_files()
        c.remove()
        print(f"RabbitMQ cluster and HAProxy stopped; {c.directory} removed")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
