"""The event contract: CloudEvents envelope and the catalogue of event payloads."""

from shared.events.base import CATALOGUE, EventData, model_for
from shared.events.envelope import (
    CLOUDEVENTS_CONTENT_TYPE,
    EVENTS_EXCHANGE,
    Envelope,
    EventMeta,
    decode_envelope,
    new_envelope,
)

__all__ = [
    "CATALOGUE",
    "CLOUDEVENTS_CONTENT_TYPE",
    "EVENTS_EXCHANGE",
    "Envelope",
    "EventData",
    "EventMeta",
    "decode_envelope",
    "model_for",
    "new_envelope",
]
