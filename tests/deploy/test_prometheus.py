"""The Prometheus rules: valid (`promtool check rules`), each alert fired by a unit test (`promtool test
rules`), and every series they and the Grafana dashboard read is one the services really serve."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import yaml

from tests.deploy.manifests import DEPLOY, ROOT, missing_tool

RULES = DEPLOY / "prometheus" / "cohesion.rules.yml"
RULE_TESTS = DEPLOY / "prometheus" / "cohesion.rules.test.yml"
DASHBOARD = DEPLOY / "grafana" / "cohesion.json"
# Series from elsewhere: Prometheus' own, and kube-state-metrics on Kubernetes.
FOREIGN = {"up", "kube_deployment_status_replicas_available", "kube_deployment_spec_replicas"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        missing_tool("promtool is not installed (deploy/infra.sh tools installs Debian's prometheus package)")
    assert found is not None
    return found


def rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def test_the_rules_are_valid():
    result = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_in_its_unit_test():
    result = subprocess.run(
        [promtool(), "test", "rules", RULE_TESTS.name], cwd=RULE_TESTS.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fired = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case["exp_alerts"]
    }
    assert fired == {rule["alert"] for rule in rules() if "alert" in rule}


def test_a_rule_test_that_expects_the_wrong_thing_fails(tmp_path):
    """promtool test rules really compares: an expectation changed by one figure fails."""
    broken = RULE_TESTS.read_text().replace("holds 3 dead-lettered", "holds 4 dead-lettered")
    (tmp_path / "cohesion.rules.yml").write_text(RULES.read_text())
    (tmp_path / "test.yml").write_text(broken)
    result = subprocess.run([promtool(), "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0


def exposed_series() -> set[str]:
    """The series names a service serves on /metrics, every instrument of shared/metrics.py given a value."""
    from opentelemetry.metrics import Counter, Histogram

    from shared import metrics

    metrics.setup_metrics("deploy-check")
    for value in vars(metrics).values():
        if isinstance(value, Counter):
            value.add(1)
        elif isinstance(value, Histogram):
            value.record(1)
    metrics.queue_depths.setdefault("deploy-check", 0)
    text = metrics.prometheus_text()[0].decode()
    return set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*?)(?:\{| )", text, flags=re.M))


def series_read(expr: str) -> set[str]:
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", re.sub(r'"[^"]*"', "", expr)))
    return {w for w in words if w.startswith(("cohesion", "kube_")) or w in FOREIGN}


def test_every_series_the_rules_and_the_dashboard_read_is_served_or_recorded():
    exposed = exposed_series()
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    exprs = [str(rule["expr"]) for rule in rules()]
    exprs += [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for target in panel["targets"]]
    unknown = {series for expr in exprs for series in series_read(expr)} - exposed - recorded - FOREIGN
    assert not unknown, f"read but never served: {sorted(unknown)}"
    assert "cohesion_outbox_lag_milliseconds_bucket" in exposed


def test_every_alert_names_a_runbook_section_that_exists():
    operations = (ROOT / "docs" / "operations.md").read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).strip().replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", operations, flags=re.M)
    }
    for rule in rules():
        if "alert" in rule:
            runbook = rule["annotations"]["runbook"]
            assert runbook.startswith("docs/operations.md#")
            assert runbook.split("#", 1)[1] in anchors, (rule["alert"], runbook)
