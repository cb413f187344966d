"""The wards database: tables, and the mapping of the domain onto them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry, relationship

from services.wards.domain import Decision, Ward, WardMeeting, WardMember
from shared.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper = registry(metadata=metadata)

Id = String(36)

wards = Table(
    "wards",
    metadata,
    Column("gss_code", String(9), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("local_authority_gss", String(9), nullable=False, index=True),
    Column("local_authority_name", String(200), nullable=False),
    Column("boundary_set", String(20), nullable=False),
    Column("locality", String(10)),
    Column("latitude", Float),
    Column("longitude", Float),
)

ward_members = Table(
    "ward_members",
    metadata,
    Column("id", Id, primary_key=True),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), nullable=False, index=True),
    Column("council", String(9), nullable=False, index=True),
    # Personal data: stays in this database, never in an event.
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("party", String(100)),
    Column("term_starts_on", Date),
    Column("term_ends_on", Date),
    Column("stood_down_on", Date),
    CheckConstraint(
        "term_ends_on IS NULL OR term_starts_on IS NULL OR term_ends_on >= term_starts_on", name="term_in_order"
    ),
)

ward_meetings = Table(
    "ward_meetings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), nullable=False),
    Column("council", String(9), nullable=False, index=True),
    Column("held_on", Date, nullable=False),
    Column("attendee_member_ids", JSONB, nullable=False),
    Column("other_attendees", Integer, nullable=False),
    Column("minutes", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("other_attendees >= 0", name="other_attendees_not_negative"),
    Index("ix_ward_meetings_gss_code_held_on", "gss_code", "held_on"),
)

meeting_decisions = Table(
    "meeting_decisions",
    metadata,
    Column("meeting_id", Id, ForeignKey("ward_meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("text", String(500), nullable=False),
    Column("budget_allocation_pence", BigInteger),
    CheckConstraint("budget_allocation_pence IS NULL OR budget_allocation_pence >= 0", name="allocation_not_negative"),
)

mapper.map_imperatively(Ward, wards)
mapper.map_imperatively(WardMember, ward_members)
mapper.map_imperatively(Decision, meeting_decisions)
mapper.map_imperatively(
    WardMeeting,
    ward_meetings,
    properties={
        "decisions": relationship(
            Decision, lazy="selectin", order_by=meeting_decisions.c.position, cascade="all, delete-orphan"
        ),
    },
)
