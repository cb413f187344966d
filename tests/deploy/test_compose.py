"""The compose file, checked offline against the Compose Specification's JSON Schema (as check-jsonschema ships it)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from tests.deploy.manifests import DEPLOY, compose


def compose_schema() -> dict[str, object]:
    vendored = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema: dict[str, object] = json.loads(vendored.read_text())
    return schema


def test_the_compose_file_is_valid_for_the_compose_specification():
    jsonschema.validate(compose(), compose_schema())


def test_the_schema_refuses_a_misspelt_key():
    spec = compose()
    spec["services"]["wards"]["depend_on"] = ["postgres"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, compose_schema())


def test_every_file_compose_mounts_is_in_the_repository():
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).resolve().exists(), (name, source)
