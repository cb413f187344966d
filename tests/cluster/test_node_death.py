"""Nothing lost when a node dies (the short run; `make bench` runs it for two minutes):
python -m tests.cluster.node_death prints the same figures."""

from __future__ import annotations

import pytest

from tests.cluster.node_death import scenario
from tests.cluster.rabbit import Cluster


@pytest.mark.timeout(1200)
async def test_nothing_is_lost_when_the_services_node_and_an_instance_of_each_service_die(
    cluster: Cluster, tmp_path, capsys: pytest.CaptureFixture[str]
):
    def say(line: str) -> None:
        with capsys.disabled():
            print(f"\n  node death: {line}", end="")

    report = await scenario(cluster, seconds=30, per_second=2, work=tmp_path, say=say)
    for line in report.lines():
        say(line)
    with capsys.disabled():
        print()
    assert report.accepted > 100
    assert not any(report.lost.values()), report.lost
    assert not any(report.duplicated.values()), report.duplicated
    assert not any(report.dead_letters.values()), report.dead_letters
    assert not any(report.unpublished.values()), report.unpublished
    assert not report.not_reconnected, report.not_reconnected
