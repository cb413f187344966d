"""Settings of the webhook delivery (environment prefix ``COHESION_WEBHOOK_``).

Lists may be given as JSON (``["a","b"]``) or comma-separated (``127.0.0.1,::1``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.notifications.domain import RetrySchedule


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
    max_in_flight: int = Field(default=64, ge=1)
    per_endpoint_concurrency: int = Field(default=4, ge=1)
    # A claimed delivery whose worker died is tried again after this long.
    lease_seconds: float = 120.0

    @field_validator("allowed_hosts", "retry_delays_seconds", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

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
