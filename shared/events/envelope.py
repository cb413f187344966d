"""The CloudEvents 1.0 structured JSON envelope every message travels in.

Built and read with the official CloudEvents SDK so that a partner reading its
queue with ``cloudevents.core.bindings.rabbitmq`` gets every field back.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.events.base import EventData

EVENTS_EXCHANGE = "cohesion.events"
CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
DATA_CONTENT_TYPE = "application/json"
SCHEMA_BASE = "https://cohesion.example/schemas/events"

_FORMAT = JSONFormat()


@dataclass(frozen=True)
class Envelope:
    """One event as it travels: CloudEvents attributes plus its JSON data."""

    id: str
    type: str
    source: str
    subject: str
    council: str
    time: datetime
    data: dict[str, Any]
    traceparent: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)
    # The exact bytes it arrived as, when it came off the broker: forwarded unchanged (e.g. to webhooks).
    raw: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def routing_key(self) -> str:
        return self.type

    @property
    def dataschema(self) -> str:
        return f"{SCHEMA_BASE}/{self.type}.json"

    def to_cloudevent(self) -> CloudEvent:
        attributes: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "dataschema": self.dataschema,
            "datacontenttype": DATA_CONTENT_TYPE,
            "council": self.council,
            **self.extensions,
        }
        if self.traceparent:
            attributes["traceparent"] = self.traceparent
        return CloudEvent(attributes=attributes, data=self.data)

    def to_json_bytes(self) -> bytes:
        """The structured-mode body (``application/cloudevents+json``)."""
        return _FORMAT.write(self.to_cloudevent())

    def with_traceparent(self, traceparent: str | None) -> Envelope:
        return Envelope(
            id=self.id,
            type=self.type,
            source=self.source,
            subject=self.subject,
            council=self.council,
            time=self.time,
            data=self.data,
            traceparent=traceparent,
            extensions=self.extensions,
        )


@dataclass(frozen=True, slots=True)
class EventMeta:
    """What a consumer's handler is told about an event besides its data: the envelope's attributes."""

    id: str
    # The type it was published as: an older version than the handler's model when it was upcast.
    type: str
    source: str
    subject: str
    council: str
    time: datetime
    traceparent: str | None
    # The event as it arrived, its exact bytes included, for a consumer that passes it on unchanged.
    envelope: Envelope

    @classmethod
    def of(cls, envelope: Envelope) -> EventMeta:
        return cls(
            envelope.id,
            envelope.type,
            envelope.source,
            envelope.subject,
            envelope.council,
            envelope.time,
            envelope.traceparent,
            envelope,
        )


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


def new_envelope(
    service: str,
    data: EventData,
    *,
    subject: str,
    council: str,
    traceparent: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    if data.service() != service:
        raise ValueError(f"{service} cannot publish {data.event_type}: events belong to the service that owns them")
    return Envelope(
        id=event_id or str(uuid.uuid4()),
        type=data.event_type,
        source=f"/cohesion/{service}",
        subject=subject,
        council=council,
        time=time or datetime.now(UTC),
        data=data.model_dump(mode="json"),
        traceparent=traceparent,
    )


def envelope_from_cloudevent(event: Any) -> Envelope:
    attributes = dict(event.get_attributes())
    known = {"specversion", "id", "source", "type", "time", "subject", "dataschema", "datacontenttype"}
    extensions = {k: str(v) for k, v in attributes.items() if k not in known | {"council", "traceparent"}}
    time = attributes.get("time") or datetime.now(UTC)
    data = event.get_data()
    if not isinstance(data, dict):
        raise ValueError("event data must be a JSON object")
    return Envelope(
        id=str(attributes["id"]),
        type=str(attributes["type"]),
        source=str(attributes["source"]),
        subject=str(attributes.get("subject") or ""),
        council=str(attributes.get("council") or ""),
        time=time,
        data=data,
        traceparent=attributes.get("traceparent"),
        extensions=extensions,
    )


def decode_envelope(body: bytes, content_type: str | None = CLOUDEVENTS_CONTENT_TYPE) -> Envelope:
    """Read a structured-mode message the way a partner's CloudEvents SDK would."""
    message = ce_rabbitmq.RabbitMQMessage(headers={}, content_type=content_type or CLOUDEVENTS_CONTENT_TYPE, body=body)
    return dataclasses.replace(envelope_from_cloudevent(ce_rabbitmq.from_structured_event(message)), raw=body)
