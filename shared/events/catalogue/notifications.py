"""Events published by the notifications service."""

from __future__ import annotations

from typing import Literal

from shared.events.base import EventData

GssCode = str
Pence = int


class DeliverySucceeded(EventData, event_type="notifications.delivery.succeeded.v1"):
    delivery_id: str
    subscription_id: str
    event_id: str
    channel: Literal["webhook", "email", "amqp"]
    attempts: int
