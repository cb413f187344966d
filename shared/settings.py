"""Settings read from the environment (prefix ``COHESION_``).

Every service reads the same variables; the database name is derived from the
service name so that each service owns its own database.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import registry


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COHESION_", extra="ignore")

    service: str = "cohesion"
    environment: Literal["development", "production"] = "development"

    # PostgreSQL server; each service gets database "<db_prefix>_<service>".
    pg_dsn: str = "postgresql+asyncpg://postgres@127.0.0.1:5432"
    db_prefix: str = "cohesion"
    database_url: str | None = None

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    rabbitmq_api_url: str = "http://guest:guest@127.0.0.1:15672"

    http_host: str = "127.0.0.1"
    http_port: int | None = None
    # Processes per service on one host, sharing its port: each runs the whole service (API,
    # consumers, relay, schedules, workers), which are all safe as several competing instances.
    workers: int = Field(default=1, ge=1, le=64)

    # Auth: HS256 with a shared secret in development, a JWKS URL in production.
    jwt_secret: str = "cohesion-development-secret-change-me-0123456789"
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "cohesion-dev"
    jwt_audience: str = "cohesion"

    # Consumers: backoff before each retry (ms); after max_attempts the message goes to the DLQ.
    retry_delays_ms: list[int] = Field(default_factory=lambda: [1_000, 5_000, 30_000])
    max_attempts: int = 5
    prefetch: int = 50

    # Database connections each process keeps (never more: none opened and closed per burst).
    db_pool_size: int = Field(default=20, ge=1)

    # Outbox relay
    relay_batch_size: int = 500
    relay_poll_seconds: float = 1.0

    # How often each service reads its consumer queues' depths for the metrics.
    queue_watch_seconds: float = Field(default=15.0, gt=0)

    # Scheduler (time-driven events)
    scheduler_interval_seconds: float = 60.0

    # Where the other services listen (used by the CLI and the demo); by default each registered
    # service on this machine at its own port (which imports every service: set it in production).
    service_urls: dict[str, str] = Field(default_factory=registry.default_urls)

    @property
    def database_name(self) -> str:
        return f"{self.db_prefix}_{self.service}"

    @property
    def db_url(self) -> str:
        return self.database_url or f"{self.pg_dsn.rstrip('/')}/{self.database_name}"

    @property
    def port(self) -> int:
        if self.http_port:
            return self.http_port
        try:
            return registry.definition(self.service).port
        except KeyError:  # not a service: the CLI
            return 8000


def settings_for(service: str, **overrides: object) -> Settings:
    return Settings(service=service, **overrides)  # type: ignore[arg-type]
