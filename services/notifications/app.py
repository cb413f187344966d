"""The notifications service, wired: its API, the fan-out consumer and the webhook delivery worker."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications import api, tables
from services.notifications.handlers import FAN_OUT, fan_out
from services.notifications.settings import WebhookSettings
from services.notifications.worker import run_delivery_worker
from shared.messaging.consumer import Consumer
from shared.service import Runtime, Schedule, ServiceDefinition, create_app
from shared.settings import Settings


def make_definition(config: WebhookSettings | None = None) -> ServiceDefinition:
    """The service for a given webhook configuration (tests pass short retries and an allow-listed 127.0.0.1)."""
    config = config or WebhookSettings()

    async def delivery_worker(runtime: Runtime) -> None:
        await run_delivery_worker(runtime, config)

    return ServiceDefinition(
        name="notifications",
        title="Cohesion — notifications",
        description=(
            "Partners, their subscriptions and signed webhooks (Standard Webhooks) carrying the CloudEvents "
            "published on `cohesion.events`. Publishes `notifications.*` events."
        ),
        metadata=tables.metadata,
        routers=api.routers(config),
        consumers=[
            Consumer(
                FAN_OUT,
                ("#",),
                fan_out,
                description="Every event (except notifications.*) becomes a delivery for each matching subscription.",
            )
        ],
        # The worker loops for as long as the service runs; the schedule restarts it if it ever fails.
        schedules=[Schedule("webhook-delivery", delivery_worker, every_seconds=1.0)],
    )


definition = make_definition()


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(definition, settings)
