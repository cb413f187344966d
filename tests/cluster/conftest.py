"""The three-node cluster, started once for the tests that need it and removed after them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.cluster.rabbit import SERVER, Cluster, free_base_port


# Package scope: the three nodes stop once the cluster tests are done, not at the end of the whole run.
@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Three RabbitMQ nodes on free ports, one cookie, HAProxy in front; every connection on node a
    while it is up (``balance first``), so a test knows which node its services are using."""
    missing = [tool for tool in (SERVER, "haproxy") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: `make test` installs them (deploy/infra.sh)")
    c = Cluster(tmp_path_factory.mktemp("rabbitmq-cluster"), free_base_port(), balance="first")
    try:
        c.up()
        yield c
    finally:
        c.down()
        c.remove()
