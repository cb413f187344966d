"""The deployment and the code agree: every variable the manifests and compose set is one a service
reads, the ports and probes are those the services serve, and the commands exist. Renaming a setting,
a port or a route without the deployment (or the other way round) fails here, not in production."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic_settings import BaseSettings

import services
import shared
from shared import registry
from shared.settings import Settings
from tests.deploy.manifests import (
    DEPLOY,
    KUBERNETES,
    OVERLAYS,
    ROOT,
    SERVICE_NAMES,
    compose,
    config_map_data,
    container,
    env_file,
    of_kind,
    rendered,
)

# Variables read by libraries rather than by Cohesion's settings.
LIBRARY_VARIABLES = {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "PYTHONUNBUFFERED"}
# Set in a manifest only to be put together into another (Kubernetes' $(VAR) expansion), or by compose's healthcheck.
HELPER_VARIABLES = {"DB_USER", "DB_PASSWORD", "AMQP_USER", "AMQP_PASSWORD", "READY_URL"}


def settings_classes() -> list[type[BaseSettings]]:
    """Every settings class in the shared kernel and the services, wherever a restructuring puts it."""
    found: dict[str, type[BaseSettings]] = {}
    for package in (shared, services):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" in module.name or module.name.endswith("__main__"):
                continue
            loaded = importlib.import_module(module.name)
            for value in vars(loaded).values():
                if isinstance(value, type) and issubclass(value, BaseSettings) and value is not BaseSettings:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def known_variables() -> set[str]:
    """The environment variables Cohesion reads: each settings field under its prefix, and names read directly."""
    names = set()
    for cls in settings_classes():
        prefix = str(cls.model_config.get("env_prefix", ""))
        names |= {f"{prefix}{field}".upper() for field in cls.model_fields}
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py")]:
        names |= set(re.findall(r"[\"'](COHESION_[A-Z0-9_]+)[\"']", path.read_text()))
    return names


def test_the_settings_are_found_where_the_services_keep_them():
    names = known_variables()
    assert {
        "COHESION_AMQP_URL",
        "COHESION_AMQP_FAILOVER_URLS",
        "COHESION_PG_DSN",
        "COHESION_WEBHOOK_ALLOWED_HOSTS",
    } <= names


def deployment_variables(overlay: str) -> dict[str, str]:
    """Every variable a service container gets: its ConfigMap's, its Secret's keys and its own env entries."""
    resources = rendered(overlay)
    variables = dict(config_map_data(resources, "cohesion-config"))
    for secret in of_kind(resources, "Secret").values():
        if secret["metadata"]["name"] == "cohesion-secrets":
            variables |= dict.fromkeys(secret.get("stringData", {}), "<secret>")
    for name in SERVICE_NAMES:
        for entry in container(of_kind(resources, "Deployment")[name])["env"]:
            variables[entry["name"]] = entry.get("value", "<from a secret>")
    return variables


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_the_manifests_set_is_one_a_service_reads(overlay: str):
    unknown = set(deployment_variables(overlay)) - known_variables() - LIBRARY_VARIABLES - HELPER_VARIABLES
    assert not unknown, f"set in deploy/kubernetes but read by no service: {sorted(unknown)}"


def test_every_variable_compose_sets_is_one_a_service_reads():
    spec = compose()["services"]
    variables = set(env_file(DEPLOY / "compose.env"))
    for name in SERVICE_NAMES:
        variables |= set(spec[name].get("environment", {}))
    unknown = variables - known_variables() - LIBRARY_VARIABLES - HELPER_VARIABLES
    assert not unknown, f"set in deploy/compose but read by no service: {sorted(unknown)}"


def test_the_configuration_parses_as_every_settings_class_reads_it(monkeypatch: pytest.MonkeyPatch):
    """The values are ones the settings accept (a list where a list is wanted, a number where a number is)."""
    for key, value in config_map_data(rendered("national"), "cohesion-config").items():
        monkeypatch.setenv(key, value)
    for cls in settings_classes():
        cls()  # raises on a value its field refuses
    settings = Settings()
    assert settings.environment == "production"
    assert settings.jwt_jwks_url  # production verifies tokens against the identity provider's keys


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_listens_where_its_container_port_probes_service_and_neighbours_say(
    overlay: str, monkeypatch: pytest.MonkeyPatch
):
    resources = rendered(overlay)
    variables = config_map_data(resources, "cohesion-config")
    service_urls = json.loads(variables["COHESION_SERVICE_URLS"])
    for name in SERVICE_NAMES:
        main = container(of_kind(resources, "Deployment")[name])
        with monkeypatch.context() as env:
            for key, value in variables.items():
                env.setenv(key, value)
            for entry in main["env"]:
                env.setenv(entry["name"], entry.get("value", "from-a-secret"))
            settings = Settings(service=name)  # what the service makes of that environment: where it binds
        [port] = main["ports"]
        assert (port["name"], port["containerPort"]) == ("http", settings.port)
        assert settings.http_host == "0.0.0.0"
        [service_port] = of_kind(resources, "Service")[name]["spec"]["ports"]
        assert service_port["targetPort"] == "http"
        # The others reach it by the URL in COHESION_SERVICE_URLS: the Service's name and port.
        url = urlsplit(service_urls[name])
        assert (url.hostname, url.port) == (name, service_port["port"])
        assert settings.service_urls[name] == service_urls[name]
        annotations = of_kind(resources, "Deployment")[name]["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(settings.port)


def test_the_probed_routes_are_routes_every_service_serves():
    from shared.docs import load_definitions
    from shared.service import create_app

    probed = set()
    for resource in rendered("small"):
        if resource["kind"] == "Deployment" and resource["metadata"]["name"] in SERVICE_NAMES:
            main = container(resource)
            probed |= {main[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe", "startupProbe")}
            probed.add(resource["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"])
    for name, definition in load_definitions().items():
        paths = {getattr(route, "path", None) for route in create_app(definition).routes}
        assert probed <= paths, (name, probed - paths)


def test_compose_runs_each_service_on_its_port_with_its_readiness_checked():
    SERVICE_PORTS = {name: definition.port for name, definition in registry.definitions().items()}  # noqa: N806
    spec = compose()["services"]
    for name in SERVICE_NAMES:
        assert spec[name]["command"] == ["python", "-m", f"services.{name}"]
        assert spec[name]["ports"] == [f"{SERVICE_PORTS[name]}:{SERVICE_PORTS[name]}"]
        assert spec[name]["environment"]["READY_URL"] == f"http://127.0.0.1:{SERVICE_PORTS[name]}/readyz"
        assert spec[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    urls = json.loads(env_file(DEPLOY / "compose.env")["COHESION_SERVICE_URLS"])
    assert urls == {name: f"http://{name}:{SERVICE_PORTS[name]}" for name in SERVICE_NAMES}
    assert spec["migrate"]["command"] == ["cohesion", "migrate"]


def test_the_commands_the_deployment_runs_exist():
    """`python -m services.<name>` for each service and `cohesion migrate` for the migrations."""
    import tomllib

    from shared.cli import app as cli

    for name in SERVICE_NAMES:
        assert (ROOT / "services" / name / "__main__.py").exists()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["cohesion"] == "shared.cli:main"
    assert "migrate" in {c.name or (c.callback.__name__ if c.callback else "") for c in cli.registered_commands}


def test_the_image_runs_as_an_unprivileged_user_and_holds_what_the_commands_need():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    [user] = re.findall(r"^USER (\S+)$", final_stage, flags=re.M)
    assert not user.startswith(("root", "0:", "0")), user
    copied = [
        source
        for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, flags=re.M)
        for source in line.split()[:-1]  # the last is the destination
    ]
    assert {"shared", "services", "uv.lock"} <= {Path(c).name for c in copied}
    for source in copied:
        assert (ROOT / source).exists(), source
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert {"!shared/", "!services/", "!uv.lock", "!pyproject.toml"} <= set(ignored)
    # The uv that builds the image is the one that wrote uv.lock's format.
    assert re.search(r'"uv==[0-9.]+"', dockerfile)
    assert KUBERNETES.exists()
