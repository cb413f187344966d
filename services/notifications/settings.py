"""Settings of the webhook delivery (prefix ``COHESION_WEBHOOK_``), of the email channel (``COHESION_EMAIL_``)
and of partners' own queues (``COHESION_PARTNER_QUEUE_``), and how a running service holds them.

Lists may be given as JSON (``["a","b"]``) or comma-separated (``127.0.0.1,::1``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.notifications.domain import RetrySchedule
from services.notifications.handover import Handover
from services.notifications.messages import Links
from shared.service import Runtime, ServiceDefinition
from shared.settings import Settings


def split_list(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COHESION_WEBHOOK_", extra="ignore")

    # Hosts or IP addresses exempt from the private-address check (tests, a local demo receiver).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Seconds to wait after each failed attempt; one more attempt than delays.
    retry_delays_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [5.0, 30.0, 120.0, 600.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0]
    )
    retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    max_retry_delay_seconds: float = 24 * 3600

    # An endpoint whose every attempt has failed for this long is disabled.
    disable_after_seconds: float = 24 * 3600
    # How long the previous secret keeps signing after a rotation.
    secret_grace_seconds: float = 24 * 3600

    timeout_seconds: float = Field(default=10.0, gt=0)
    # How often the worker looks for due deliveries when it has nothing to do.
    poll_seconds: float = Field(default=1.0, gt=0)
    # Deliveries in flight at once, in all, and to any one endpoint.
    max_in_flight: int = Field(default=256, ge=1)
    per_endpoint_concurrency: int = Field(default=4, ge=1)
    # A claimed delivery whose worker died is tried again after this long.
    lease_seconds: float = 120.0

    @field_validator("allowed_hosts", "retry_delays_seconds", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_list(value)

    @property
    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule(
            delays=tuple(self.retry_delays_seconds), jitter=self.retry_jitter, max_delay=self.max_retry_delay_seconds
        )

    @property
    def disable_after(self) -> timedelta:
        return timedelta(seconds=self.disable_after_seconds)

    @property
    def secret_grace(self) -> timedelta:
        return timedelta(seconds=self.secret_grace_seconds)


class EmailSettings(BaseSettings):
    """Settings of the email channel (environment prefix ``COHESION_EMAIL_``): the SMTP server,
    the retry schedule, digests and the service's calls to the other services for alert recipients."""

    model_config = SettingsConfigDict(env_prefix="COHESION_EMAIL_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, gt=0, lt=65536)
    from_address: str = "Cohesion <notifications@cohesion.invalid>"
    # Implicit TLS (port 465); ``start_tls`` upgrades a plain connection (None: when the server offers it).
    use_tls: bool = False
    start_tls: bool | None = None
    username: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)

    retry_delays_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [60.0, 300.0, 1800.0, 3600.0, 3 * 3600.0, 12 * 3600.0]
    )
    retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    poll_seconds: float = Field(default=1.0, gt=0)
    max_in_flight: int = Field(default=8, ge=1)
    lease_seconds: float = 120.0
    # How often the digest job looks for a period that has ended.
    digest_poll_seconds: float = Field(default=60.0, gt=0)

    # Links in emails point here (None: the notifications URL of the shared settings).
    public_api_url: str | None = None
    # The other services, asked for an alert's recipients (None: the shared settings' service URLs).
    actions_url: str | None = None
    grants_url: str | None = None
    wards_url: str | None = None
    # Who the service is when it asks them: a development token with this subject and role.
    service_subject: str = "service:notifications"
    service_role: str = "officer"
    directory_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("retry_delays_seconds", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_list(value)

    @property
    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule(delays=tuple(self.retry_delays_seconds), jitter=self.retry_jitter)


class QueueSettings(BaseSettings):
    """Settings of partners' own queues (environment prefix ``COHESION_PARTNER_QUEUE_``)."""

    model_config = SettingsConfigDict(env_prefix="COHESION_PARTNER_QUEUE_", extra="ignore")

    # The AMQP URL partners are told to connect to, without credentials (None: the service's own
    # broker URL, credentials removed). Behind a load balancer or TLS terminator, set it.
    public_amqp_url: str | None = None
    # A partner that stops reading does not fill the broker: past this many messages its queue
    # refuses new ones, and their deliveries wait and retry until it has room again.
    max_length: int = Field(default=100_000, ge=1)
    retry_delays_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [1.0, 5.0, 30.0, 120.0, 600.0, 3600.0, 3 * 3600.0, 12 * 3600.0]
    )
    retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    poll_seconds: float = Field(default=1.0, gt=0)
    batch_size: int = Field(default=200, ge=1)
    lease_seconds: float = 60.0

    @field_validator("retry_delays_seconds", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_list(value)

    @property
    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule(delays=tuple(self.retry_delays_seconds), jitter=self.retry_jitter)


@dataclass(frozen=True)
class NotificationsDefinition(ServiceDefinition):
    """The service's definition with the settings of its channels: what runs in it (routes, workers,
    clocks) reads them through the runtime (``channels_of``); tests give short retries, an
    allow-listed 127.0.0.1, a test SMTP port."""

    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    queues: QueueSettings = field(default_factory=QueueSettings)
    # One per process: fan-out hands its new webhook deliveries to the worker running beside it.
    handover: Handover = field(default_factory=Handover)


def channels_of(runtime: Runtime) -> NotificationsDefinition:
    """The notifications definition the runtime runs, with its channels' settings."""
    definition = runtime.definition
    if not isinstance(definition, NotificationsDefinition):
        raise TypeError(f"{definition.name} is not the notifications service")
    return definition


def links_for(settings: Settings, email: EmailSettings) -> Links:
    """Where the links in emails point: the public API of this service, and of each publishing service."""
    urls = settings.service_urls
    return Links(notifications=email.public_api_url or urls.get("notifications", Links.notifications), services=urls)
