"""The notifications database: tables, and the mapping of the domain onto them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import registry

from services.notifications.domain import (
    Alert,
    Delivery,
    DeliveryAttempt,
    Email,
    Partner,
    Subscription,
    Suppression,
)
from shared.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper = registry(metadata=metadata)

partners = Table(
    "partners",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("council", String(9), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    # The identifier partner tokens carry in their ``org`` claim.
    Column("organisation", String(200), nullable=False),
    Column("contact_email", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("council", "organisation", name="uq_partners_council_organisation"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("partner_id", String(36), ForeignKey("partners.id"), nullable=False, index=True),
    Column("council", String(9), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    # A webhook's URL; empty for an email subscription.
    Column("url", Text),
    Column("event_types", ARRAY(String(200)), nullable=False),
    Column("wards", ARRAY(String(9)), nullable=False, server_default=text("'{}'")),
    Column("themes", ARRAY(String(200)), nullable=False, server_default=text("'{}'")),
    Column("status", String(20), nullable=False),
    # Signing needs the secrets themselves; they never leave this database except once, at creation or rotation.
    Column("secret", String(100), nullable=False),
    Column("previous_secret", String(100)),
    Column("previous_secret_expires_at", DateTime(timezone=True)),
    Column("failing_since", DateTime(timezone=True)),
    Column("disabled_at", DateTime(timezone=True)),
    Column("disabled_reason", String(50)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Email subscriptions: the address, immediate or a digest, and when a digest goes (Europe/London).
    Column("email", String(320)),
    Column("mode", String(20)),
    Column("digest_time", String(5)),
    Column("digest_weekday", String(9)),
)

# The exact CloudEvent each delivery sends, kept once per event so every attempt and resend sends the same bytes.
received_events = Table(
    "received_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("council", String(20), nullable=False),
    Column("traceparent", String(64)),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    # Both empty for some emails of our own (an alert has no subscription, a digest many events).
    Column("subscription_id", String(36), ForeignKey("subscriptions.id")),
    Column("event_id", String(36), ForeignKey("received_events.event_id")),
    Column("event_type", String(200), nullable=False),
    Column("council", String(9), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("round_attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_status_code", SmallInteger),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("succeeded_at", DateTime(timezone=True)),
    Column("channel", String(20), nullable=False, server_default=text("'webhook'")),
    Column("kind", String(30), nullable=False, server_default=text("'event'")),
    Column("partner_id", String(36), ForeignKey("partners.id")),
    Column("digest_id", String(36)),
    # One delivery per event per subscription, however often the bus delivers the event.
    UniqueConstraint("subscription_id", "event_id", name="uq_deliveries_subscription_event"),
)
Index("ix_deliveries_due", deliveries.c.next_attempt_at, postgresql_where=deliveries.c.status == "pending")
Index("ix_deliveries_subscription_created", deliveries.c.subscription_id, deliveries.c.created_at)
# The webhook worker's claim: the next few due deliveries of each endpoint, whatever another's backlog.
Index(
    "ix_deliveries_pending_by_subscription",
    deliveries.c.subscription_id,
    deliveries.c.next_attempt_at,
    postgresql_where=deliveries.c.status == "pending",
)
Index(
    "ix_deliveries_queued_for_digest",
    deliveries.c.subscription_id,
    deliveries.c.created_at,
    postgresql_where=deliveries.c.status == "queued",
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), ForeignKey("deliveries.id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("status_code", SmallInteger),
    Column("response_excerpt", String(500)),
    Column("error", String(500)),
)

# The email a delivery sends, written once: every attempt and resend sends the same message and Message-ID.
email_messages = Table(
    "email_messages",
    metadata,
    Column("delivery_id", String(36), ForeignKey("deliveries.id"), primary_key=True),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("message_id", String(300), nullable=False),
)

# Addresses never to be emailed, per council; compared lower-cased.
suppressions = Table(
    "suppressions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("council", String(9), nullable=False),
    Column("address", String(320), nullable=False),
    Column("reason", String(30), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("council", "address", name="uq_suppressions_council_address"),
)

# An event someone must be emailed about, until its recipients are found (see domain.Alert).
alerts = Table(
    "alerts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), ForeignKey("received_events.event_id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("council", String(9), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("recipients", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("addressed_at", DateTime(timezone=True)),
)
Index("ix_alerts_addressing", alerts.c.next_attempt_at, postgresql_where=alerts.c.status == "addressing")

mapper.map_imperatively(Partner, partners)
mapper.map_imperatively(Subscription, subscriptions)
mapper.map_imperatively(Delivery, deliveries)
mapper.map_imperatively(DeliveryAttempt, delivery_attempts)
mapper.map_imperatively(Email, email_messages)
mapper.map_imperatively(Suppression, suppressions)
mapper.map_imperatively(Alert, alerts)
