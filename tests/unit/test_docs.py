"""The documents generated from code stay true to the code."""

from __future__ import annotations

from pathlib import Path

from shared.docs import asyncapi_document, catalogue_markdown, with_catalogue
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


def test_every_event_type_follows_the_routing_key_convention():
    assert catalogue_markdown().count("\n") == len(CATALOGUE) + 1
    for event_type, model in CATALOGUE.items():
        service, aggregate, _, version = event_type.split(".")
        assert service in {"wards", "grants", "actions", "notifications"}
        assert version.startswith("v") and model.aggregate == aggregate
