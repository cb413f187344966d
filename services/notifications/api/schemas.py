"""Request and response bodies of the notifications API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.notifications.domain import (
    Delivery,
    EmailMode,
    Subscription,
    email_address_problem,
    email_subscription_problem,
    valid_topic_pattern,
)
from services.notifications.partner_queues import QueueAccess

GSS_PATTERN = r"^[EWSN][0-9]{8}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class PartnerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["South Yorkshire Police"])
    organisation: str = Field(
        min_length=1,
        max_length=200,
        description="The identifier its tokens carry in the `org` claim.",
        examples=["syp"],
    )
    contact_email: str = Field(pattern=EMAIL_PATTERN, max_length=320)


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    council: str
    name: str
    organisation: str
    contact_email: str
    created_at: AwareDatetime


class SubscriptionIn(BaseModel):
    partner_id: str | None = Field(default=None, description="Defaults to the caller's own partner organisation.")
    channel: Literal["webhook", "email", "amqp"] = Field(
        default="webhook",
        description="webhook: POSTed to `url`; email: sent to `email`; amqp: your own queue and a broker user "
        "that can only read it (its password is shown once, in the answer).",
    )
    url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="webhook: the endpoint each event is POSTed to.",
        examples=["https://partner.example/hooks/cohesion"],
    )
    email: str | None = Field(
        default=None,
        max_length=254,
        description="email: the address emails go to.",
        examples=["alerts@partner.example"],
    )
    mode: EmailMode | None = Field(
        default=None, description="email: one email per event (immediate), or a daily or weekly digest."
    )
    digest_time: str | None = Field(
        default=None, description="email digests: when it is sent, HH:MM, Europe/London.", examples=["08:00"]
    )
    digest_weekday: str | None = Field(
        default=None, description="weekly digests: the day it is sent.", examples=["monday"]
    )
    event_types: list[str] = Field(
        min_length=1, max_length=50, description="RabbitMQ topic patterns.", examples=[["grants.#"]]
    )
    wards: list[Annotated[str, Field(pattern=GSS_PATTERN)]] = Field(default_factory=list, max_length=200)
    themes: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _patterns(self) -> SubscriptionIn:
        bad = [p for p in self.event_types if not valid_topic_pattern(p)]
        if bad:
            raise ValueError(f"not topic patterns (words, '*' or '#' between dots): {', '.join(bad)}")
        return self

    @model_validator(mode="after")
    def _channel(self) -> SubscriptionIn:
        email_fields = {"email": self.email, "mode": self.mode, "digest_time": self.digest_time}
        if self.channel == "webhook":
            if not self.url:
                raise ValueError("a webhook subscription needs url")
            given = [name for name, value in {**email_fields, "digest_weekday": self.digest_weekday}.items() if value]
            if given:
                raise ValueError(f"a webhook subscription has no {', '.join(given)}")
            return self
        if self.channel == "amqp":
            given = [name for name, value in {"url": self.url, **email_fields}.items() if value]
            if given or self.digest_weekday:
                raise ValueError(f"a queue subscription has no {', '.join(given or ['digest_weekday'])}")
            return self
        if self.url:
            raise ValueError("an email subscription has no url")
        if not self.email:
            raise ValueError("an email subscription needs email")
        problem = email_address_problem(self.email) or email_subscription_problem(
            self.mode, self.digest_time, self.digest_weekday
        )
        if problem:
            raise ValueError(problem)
        return self


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    partner_id: str
    council: str
    channel: str
    url: str | None
    email: str | None
    mode: str | None
    digest_time: str | None
    digest_weekday: str | None
    event_types: list[str]
    wards: list[str]
    themes: list[str]
    status: str
    created_at: AwareDatetime
    failing_since: AwareDatetime | None
    disabled_at: AwareDatetime | None
    disabled_reason: str | None
    previous_secret_expires_at: AwareDatetime | None


class QueueAccessOut(BaseModel):
    """How a partner reads its own queue; the password is shown only now and never stored by Cohesion."""

    url: str = Field(description="The broker to connect to (AMQP 0-9-1), without credentials.")
    vhost: str
    queue: str
    username: str
    password: str


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str | None = Field(description="webhook: the signing secret; shown only now.")
    queue_access: QueueAccessOut | None = Field(default=None, description="amqp: your queue and its credentials.")

    @classmethod
    def of(cls, subscription: Subscription, access: QueueAccess | None = None) -> SubscriptionCreatedOut:
        out = cls.model_validate(subscription)
        return out.model_copy(
            update={
                "secret": out.secret if subscription.channel == "webhook" else None,
                "queue_access": QueueAccessOut(**vars(access)) if access else None,
            }
        )


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret; shown only now.")
    previous_secret_expires_at: AwareDatetime = Field(
        description="Until then every delivery is signed with both the old and the new secret."
    )


class ReplayIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> ReplayIn:
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from'")
        return self


class ReplayOut(BaseModel):
    subscription_id: str
    deliveries: int


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: AwareDatetime
    latency_ms: int
    status_code: int | None
    response_excerpt: str | None
    error: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="Also the `webhook-id` header of every attempt (webhooks).")
    subscription_id: str | None = Field(description="Empty for the service's own emails (alerts).")
    event_id: str | None = Field(description="Empty for a digest, which carries many events.")
    event_type: str
    channel: str
    kind: str = Field(description="event, digest, or one of the service's own emails (endpoint_disabled, alerts).")
    status: str
    attempts: int
    next_attempt_at: AwareDatetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: AwareDatetime
    succeeded_at: AwareDatetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        out = cls.model_validate(delivery)
        return out if delivery.status == "pending" else out.model_copy(update={"next_attempt_at": None})


class DeliveryWithAttemptsOut(DeliveryOut):
    attempt_log: list[AttemptOut]


class SuppressionIn(BaseModel):
    address: str = Field(max_length=254, examples=["no-more-email@partner.example"])


class SuppressionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    address: str
    reason: str = Field(description="requested, or user_unknown (the mail server said the mailbox does not exist)")
    created_at: AwareDatetime
