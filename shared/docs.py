"""Documents generated from code: the AsyncAPI 3 description of the event catalogue, JSON Schemas, OpenAPI.

The catalogue is the single source of truth: each event type becomes an
AsyncAPI operation on ``cohesion.events`` whose message is the CloudEvents
envelope with that type's ``data``; each consumer becomes a subscription.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from faststream.specification import AsyncAPI

from shared.events import CATALOGUE
from shared.events.base import model_for

# Where the document says the broker is (the real one's address and credentials stay out of it).
DOCUMENTED_BROKER = "amqp://rabbitmq:5672/"


def load_definitions() -> dict[str, Any]:
    """Every registered service's definition (``shared.registry``)."""
    from shared import registry

    return dict(registry.definitions())


def asyncapi_document() -> dict[str, Any]:
    """FastStream's document of every service's own broker: the relay's publications (one per event type the
    service owns) and the subscribers of its consumers and responders, as the service runs them."""
    from shared.service import service_broker
    from shared.settings import settings_for

    brokers = []
    for name, definition in load_definitions().items():
        settings = settings_for(name).model_copy(update={"amqp_url": DOCUMENTED_BROKER})
        brokers.append(service_broker(definition, settings, engine=None))
    spec = AsyncAPI(
        *brokers,
        title="Cohesion events",
        version="1.0.0",
        description=(
            "Domain events of the Cohesion services on the durable topic exchange `cohesion.events`. "
            "Routing key = CloudEvents type = `<service>.<aggregate>.<event>.v<major>`. Every message is a "
            "CloudEvents 1.0 structured JSON envelope (`application/cloudevents+json`) with the extensions "
            "`council` and `traceparent`; payloads are thin and hold no personal data."
        ),
        schema_version="3.0.0",
    )
    document: dict[str, Any] = json.loads(spec.to_specification().to_json())
    # Every message on the bus is a structured CloudEvent; FastStream does not say so itself.
    document["defaultContentType"] = "application/cloudevents+json"
    for name, message in document.get("components", {}).get("messages", {}).items():
        message["contentType"] = "application/cloudevents+json"
        if name.endswith(":SubscribeMessage") and not name.startswith("rpc."):
            message["payload"] = _in_envelope(message["payload"])
    return document


def _in_envelope(data: dict[str, Any]) -> dict[str, Any]:
    """FastStream documents a consumer's message as what its handler takes, the event's data; on the wire
    that data is the ``data`` of a CloudEvent (every attribute is in the publish messages' schemas)."""
    return {
        "type": "object",
        "description": "A CloudEvents 1.0 structured envelope; `data` is what the consumer's handler takes.",
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string"},
            "type": {"type": "string", "description": "The routing key"},
            "data": data,
        },
        "required": ["specversion", "id", "source", "type", "time", "subject", "council", "data"],
    }


def write_docs(out: Path) -> list[Path]:
    """Write the AsyncAPI document, the JSON Schema of every event and each service's OpenAPI."""
    written: list[Path] = []
    (out / "events").mkdir(parents=True, exist_ok=True)
    (out / "openapi").mkdir(parents=True, exist_ok=True)
    asyncapi = out / "asyncapi.json"
    asyncapi.write_text(json.dumps(asyncapi_document(), indent=2))
    written.append(asyncapi)
    for event_type, model in sorted(CATALOGUE.items()):
        path = out / "events" / f"{event_type}.json"
        path.write_text(json.dumps(model.model_json_schema(), indent=2))
        written.append(path)
    from shared.service import create_app

    for name, definition in load_definitions().items():
        path = out / "openapi" / f"{name}.json"
        path.write_text(json.dumps(create_app(definition).openapi(), indent=2))
        written.append(path)
    return written


README_START, README_END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


def catalogue_markdown() -> str:
    """The event catalogue as a Markdown table (kept in the README by ``cohesion docs``)."""
    model_for("wards.ward.registered.v1")
    lines = ["| type (routing key) | subject | data fields | meaning |", "|---|---|---|---|"]
    for event_type, model in sorted(CATALOGUE.items()):
        fields = ", ".join(f"`{name}`" for name in model.model_fields)
        meaning = " ".join((model.__doc__ or "").split())
        lines.append(f"| `{event_type}` | {model.aggregate} id | {fields} | {meaning} |")
    return "\n".join(lines)


def with_catalogue(readme: str) -> str:
    head, _, rest = readme.partition(README_START)
    _, _, tail = rest.partition(README_END)
    return f"{head}{README_START}\n{catalogue_markdown()}\n{README_END}{tail}"


def update_readme(path: Path) -> bool:
    text = path.read_text()
    updated = with_catalogue(text)
    if updated != text:
        path.write_text(updated)
        return True
    return False
