"""The Kubernetes manifests, checked offline: valid for the API server, the operators' resources valid
for their CRDs, and each service deployed as the design asks (probes, resources, autoscaling, disruption budget)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest

from tests.deploy.manifests import (
    OVERLAYS,
    SERVICE_NAMES,
    container,
    missing_tool,
    of_kind,
    rendered,
)

CRDS = Path(__file__).parent / "crds"
CUSTOM_SCHEMAS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmqcluster.schema.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster.schema.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "cnpg-scheduledbackup.schema.json",
}
# The oldest Kubernetes still supported by the big providers, and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_builtin_resource_is_valid_for_the_api_server_with_no_unknown_field(overlay: str, version: str):
    checked = 0
    for resource in rendered(overlay):
        if (resource["apiVersion"], resource["kind"]) in CUSTOM_SCHEMAS:
            continue
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{resource['kind']}/{resource['metadata']['name']} ({overlay}, {version}): {error.message}")
        checked += 1
    assert checked >= 30


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_custom_resource_is_valid_for_its_operators_schema(overlay: str):
    kinds = set()
    for resource in rendered(overlay):
        key = (resource["apiVersion"], resource["kind"])
        if key not in CUSTOM_SCHEMAS and "." in resource["apiVersion"].split("/")[0]:
            group = resource["apiVersion"].split("/")[0]
            if not group.endswith("k8s.io"):
                pytest.fail(f"no schema to check {key} against")
        if key in CUSTOM_SCHEMAS:
            schema = json.loads((CRDS / CUSTOM_SCHEMAS[key]).read_text())
            jsonschema.validate(resource, schema)
            kinds.add(key)
    assert kinds == set(CUSTOM_SCHEMAS)


CNPG_SCHEMAS = CRDS / "cnpg"


def cnpg_validation(resources: list[dict[str, object]]) -> subprocess.CompletedProcess[str]:
    """CloudNativePG's own CRD schemas (npm's @kubernetes-models/cloudnative-pg, installed by `make tools`)."""
    node = shutil.which("node")
    if node is None or not (CNPG_SCHEMAS / "node_modules").exists():
        missing_tool("node or CloudNativePG's schemas are missing (deploy/infra.sh tools runs npm ci)")
    assert node is not None
    return subprocess.run(
        [node, str(CNPG_SCHEMAS / "validate.mjs")], input=json.dumps(resources), capture_output=True, text=True
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_postgresql_clusters_and_backups_are_valid_for_cloudnativepgs_own_crd_schemas(overlay: str):
    resources = [r for r in rendered(overlay) if r["apiVersion"].startswith("postgresql.cnpg.io/")]
    assert {r["kind"] for r in resources} == {"Cluster", "ScheduledBackup"}
    done = cnpg_validation(resources)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cloudnativepgs_schemas_refuse_a_wrong_type():
    cluster = next(r for r in rendered("small") if r["kind"] == "Cluster")
    done = cnpg_validation([{**cluster, "spec": {**cluster["spec"], "instances": "three"}}])
    assert done.returncode == 1
    assert "instances must be integer" in done.stdout


def test_the_crd_schemas_refuse_a_misspelt_field():
    schema = json.loads((CRDS / "rabbitmqcluster.schema.json").read_text())
    cluster = of_kind(rendered("small"), "RabbitmqCluster")["cohesion-rabbitmq"]
    misspelt = {**cluster, "spec": {**cluster["spec"], "replica": 3}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(misspelt, schema)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_is_probed_alive_on_healthz_and_ready_on_readyz_with_requests_and_limits(overlay: str):
    deployments = of_kind(rendered(overlay), "Deployment")
    for name in SERVICE_NAMES:
        main = container(deployments[name])
        assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert main["command"] == ["python", "-m", f"services.{name}"]
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(main["resources"][kind]), (name, kind)
        pod = deployments[name]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert main["securityContext"]["allowPrivilegeEscalation"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_autoscales_and_keeps_instances_through_a_disruption(overlay: str):
    resources = rendered(overlay)
    deployments = of_kind(resources, "Deployment")
    autoscalers = of_kind(resources, "HorizontalPodAutoscaler")
    budgets = of_kind(resources, "PodDisruptionBudget")
    for name in SERVICE_NAMES:
        hpa = autoscalers[name]["spec"]
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 2 <= hpa["minReplicas"] <= deployments[name]["spec"]["replicas"] <= hpa["maxReplicas"]
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        selector = budgets[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items()
        # A drain may take one instance, never the last one.
        assert 1 <= budgets[name]["spec"]["minAvailable"] < hpa["minReplicas"]


def test_the_national_deployment_runs_more_of_everything_than_the_small_one():
    small, national = rendered("small"), rendered("national")
    for name in SERVICE_NAMES:
        assert (
            of_kind(national, "HorizontalPodAutoscaler")[name]["spec"]["maxReplicas"]
            > of_kind(small, "HorizontalPodAutoscaler")[name]["spec"]["maxReplicas"]
        )
    for cluster, bigger in zip(of_kind(small, "Cluster").values(), of_kind(national, "Cluster").values(), strict=True):
        assert bigger["spec"]["instances"] > cluster["spec"]["instances"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_as_a_job_per_service_against_that_services_own_database(overlay: str):
    resources = rendered(overlay)
    jobs = of_kind(resources, "Job")
    clusters = of_kind(resources, "Cluster")
    for name in SERVICE_NAMES:
        job = container(jobs[f"migrate-{name}"])
        assert job["command"] == ["cohesion", "migrate", name]
        dsn = {e["name"]: e.get("value") for e in job["env"]}["COHESION_PG_DSN"]
        assert f"@cohesion-{name}-db-rw:5432" in dsn  # the -rw Service CloudNativePG makes for the primary
        assert clusters[f"cohesion-{name}-db"]["spec"]["bootstrap"]["initdb"]["database"] == f"cohesion_{name}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rabbitmq_runs_three_nodes_and_no_drain_takes_two(overlay: str):
    resources = rendered(overlay)
    cluster = of_kind(resources, "RabbitmqCluster")["cohesion-rabbitmq"]
    assert cluster["spec"]["replicas"] == 3
    assert "pause_minority" in cluster["spec"]["rabbitmq"]["additionalConfig"]
    assert of_kind(resources, "PodDisruptionBudget")["cohesion-rabbitmq"]["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_service_can_open_more_database_connections_than_its_server_allows(overlay: str):
    """Each instance keeps COHESION_DB_POOL_SIZE connections (no overflow) plus its relay's two and a
    few of its workers'; at the autoscaler's most, all of them must fit in max_connections."""
    from tests.deploy.manifests import config_map_data

    resources = rendered(overlay)
    pool = int(config_map_data(resources, "cohesion-config")["COHESION_DB_POOL_SIZE"])
    for name in SERVICE_NAMES:
        most = of_kind(resources, "HorizontalPodAutoscaler")[name]["spec"]["maxReplicas"]
        allowed = int(
            of_kind(resources, "Cluster")[f"cohesion-{name}-db"]["spec"]["postgresql"]["parameters"]["max_connections"]
        )
        assert most * (pool + 4) + 10 <= allowed, (name, most, pool, allowed)
