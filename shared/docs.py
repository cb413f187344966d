"""Documents generated from code: the AsyncAPI 3 description of the event catalogue, JSON Schemas, OpenAPI.

The catalogue is the single source of truth: each event type becomes an
AsyncAPI operation on ``cohesion.events`` whose message is the CloudEvents
envelope with that type's ``data``; each consumer becomes a subscription.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream.specification import AsyncAPI
from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.events import CATALOGUE, EVENTS_EXCHANGE, EventData
from shared.events.base import model_for


def cloudevent_model(data_model: type[EventData]) -> type[BaseModel]:
    """The structured CloudEvents envelope carrying ``data_model`` as its data."""
    event_type = data_model.event_type
    name = "".join(part.capitalize() for part in event_type.replace("_", ".").split(".")) + "Event"
    fields: dict[str, Any] = {
        "specversion": (Literal["1.0"], ...),
        "id": (str, Field(description="UUID; also the AMQP message_id")),
        "source": (str, Field(description=f"/cohesion/{data_model.service()}")),
        "type": (Literal[event_type], Field(description="The routing key")),
        "time": (datetime, ...),
        "subject": (str, Field(description="The aggregate id")),
        "dataschema": (str, ...),
        "datacontenttype": (Literal["application/json"], ...),
        "council": (str, Field(description="GSS code of the council (tenant)")),
        "traceparent": (str | None, Field(default=None, description="W3C trace context")),
        "data": (data_model, ...),
    }
    model: type[BaseModel] = create_model(
        name, __config__=ConfigDict(title=event_type), __doc__=(data_model.__doc__ or event_type).strip(), **fields
    )
    return model


def load_definitions() -> dict[str, Any]:
    """Every registered service's definition (``shared.registry``)."""
    from shared import registry

    return dict(registry.definitions())


def asyncapi_document() -> dict[str, Any]:
    model_for("wards.ward.registered.v1")  # registers the whole catalogue
    broker = RabbitBroker("amqp://rabbitmq:5672/", description="Cohesion event bus")
    exchange = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
    for event_type, model in sorted(CATALOGUE.items()):
        broker.publisher(
            routing_key=event_type,
            exchange=exchange,
            title=f"{event_type}:publish",
            description=(model.__doc__ or "").strip() or f"Published by the {model.service()} service.",
            schema=cloudevent_model(model),
            persist=True,
            content_type="application/cloudevents+json",
        )
    for service, definition in load_definitions().items():
        for consumer in definition.consumers:
            _document_consumer(broker, exchange, service, consumer)
    spec = AsyncAPI(
        broker,
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
    for message in document.get("components", {}).get("messages", {}).values():
        message["contentType"] = "application/cloudevents+json"
    return document


def _document_consumer(broker: RabbitBroker, exchange: RabbitExchange, service: str, consumer: Any) -> None:
    from fnmatch import fnmatch

    matching = [
        cloudevent_model(m)
        for t, m in sorted(CATALOGUE.items())
        if any(fnmatch(t, b.replace("#", "*")) for b in consumer.bindings)
    ]
    payload: Any = matching[0] if len(matching) == 1 else (BaseModel if not matching else _union(matching))

    async def documented(event: Any) -> None:
        """Documentation only: the real handler runs under shared.messaging.consumer."""

    documented.__annotations__["event"] = payload  # a real type, not the postponed string

    broker.subscriber(
        RabbitQueue(consumer.name, queue_type=QueueType.QUORUM, routing_key=consumer.bindings[0]),
        exchange,
        title=f"{consumer.name}:consume",
        description=(consumer.description or f"{service} consumer") + f" — bindings: {', '.join(consumer.bindings)}",
    )(documented)


def _union(models: list[type[BaseModel]]) -> Any:
    from typing import Union

    return Union[tuple(models)]  # noqa: UP007 - built at run time from a list


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
