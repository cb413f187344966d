"""The documents generated from code stay true to the code."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from shared import registry
from shared.docs import asyncapi_document, catalogue_markdown, load_definitions, with_catalogue, write_docs
from shared.events import CATALOGUE

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_event_catalogue_matches_the_code():
    text = README.read_text()
    assert with_catalogue(text) == text, "run `make docs` to refresh the README's event catalogue"
    for event_type in CATALOGUE:
        assert f"`{event_type}`" in text


def test_the_asyncapi_document_has_an_operation_for_every_event_type():
    document = asyncapi_document()
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert set(CATALOGUE) <= addresses
    for event_type in CATALOGUE:
        message = document["components"]["messages"][f"{event_type}:publish:Message"]
        assert message["contentType"] == "application/cloudevents+json"


def test_the_asyncapi_document_describes_the_subscribers_and_publications_the_services_run():
    """Generated from each service's own broker: one receive operation per consumer, typed with what its
    handler takes, and one publication per event type, by the service that owns it."""
    document = asyncapi_document()
    definitions = load_definitions()
    consumers = [c for d in definitions.values() for c in d.consumers]
    receiving = {name for name, op in document["operations"].items() if op["action"] == "receive"}
    responders = {r.procedure.queue for d in definitions.values() for r in d.responders}
    assert receiving == {c.name for c in consumers} | responders
    for consumer in consumers:
        assert all(key in document["channels"][consumer.name]["description"] for key in consumer.bindings)
        data = document["components"]["messages"][f"{consumer.name}:SubscribeMessage"]["payload"]["properties"]["data"]
        if len(consumer.events) == 1:
            assert data == {"$ref": f"#/components/schemas/{consumer.events[0].__name__}"}
    ward_directory = document["components"]["messages"]["grants.ward-directory:SubscribeMessage"]
    assert ward_directory["payload"]["properties"]["data"] == {"$ref": "#/components/schemas/WardRegistered"}
    servers = {server["description"] for server in document["servers"].values()}
    assert servers == {f"Cohesion {name} service" for name in definitions}


def test_every_event_type_follows_the_routing_key_convention():
    assert catalogue_markdown().count("\n") == len(CATALOGUE) + 1
    for event_type, model in CATALOGUE.items():
        service, aggregate, _, version = event_type.split(".")
        assert service in registry.names()
        assert version.startswith("v") and model.aggregate == aggregate


def test_make_docs_writes_the_asyncapi_document_every_events_schema_and_each_services_openapi(tmp_path: Path):
    written = write_docs(tmp_path)

    asyncapi = json.loads((tmp_path / "asyncapi.json").read_text())
    assert asyncapi["asyncapi"] == "3.0.0"
    for event_type, model in CATALOGUE.items():
        schema = json.loads((tmp_path / "events" / f"{event_type}.json").read_text())
        Draft202012Validator.check_schema(schema)
        assert set(schema["properties"]) == set(model.model_fields)
    for service in registry.names():
        openapi = json.loads((tmp_path / "openapi" / f"{service}.json").read_text())
        assert openapi["openapi"].startswith("3.")
        assert any(path.startswith("/v1/") for path in openapi["paths"]), service
    assert len(written) == 1 + len(CATALOGUE) + len(registry.names())
