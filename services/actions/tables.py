"""The actions database: tables, and the mapping of the domain onto them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry

from services.actions.domain import Action, Indicator, IndicatorValue, Milestone, Plan, PlanReview, Progress
from shared.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper = registry(metadata=metadata)

ID = String(36)
GSS = String(9)

plans = Table(
    "plans",
    metadata,
    Column("id", ID, primary_key=True),
    Column("council", GSS, nullable=False, index=True),
    Column("title", String(300), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("themes", JSONB, nullable=False),
)

actions = Table(
    "actions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("plan_id", ID, ForeignKey("plans.id"), nullable=False, index=True),
    Column("council", GSS, nullable=False),
    Column("theme", String(300), nullable=False),
    Column("title", String(500), nullable=False),
    Column("lead_organisation", String(300), nullable=False),
    Column("owner", String(300), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("task_and_finish_group", String(300)),
    Column("percent_complete", SmallInteger, nullable=False),
    CheckConstraint("percent_complete BETWEEN 0 AND 100", name="percent_complete"),
)

progress_updates = Table(
    "progress_updates",
    metadata,
    Column("id", ID, primary_key=True),
    Column("action_id", ID, ForeignKey("actions.id"), nullable=False, index=True),
    Column("council", GSS, nullable=False),
    Column("percent_complete", SmallInteger, nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(200), nullable=False),
)

milestones = Table(
    "milestones",
    metadata,
    Column("id", ID, primary_key=True),
    Column("action_id", ID, ForeignKey("actions.id"), nullable=False, index=True),
    Column("plan_id", ID, ForeignKey("plans.id"), nullable=False),
    Column("council", GSS, nullable=False),
    Column("title", String(500), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("evidence", Text),
    Column("completed_at", DateTime(timezone=True)),
    Column("completed_by_event", String(36)),
    Column("bound_event_type", String(200)),
    Column("bound_subject", String(200)),
    # A completed milestone always says when and on what evidence.
    CheckConstraint(
        "(status = 'pending' AND completed_at IS NULL) OR "
        "(status = 'complete' AND completed_at IS NOT NULL AND evidence IS NOT NULL)",
        name="completion",
    ),
)
# The consumer looks pending milestones up by their binding.
Index(
    "ix_milestones_binding",
    milestones.c.council,
    milestones.c.bound_event_type,
    milestones.c.bound_subject,
    postgresql_where=milestones.c.status == "pending",
)

plan_reviews = Table(
    "plan_reviews",
    metadata,
    Column("id", ID, primary_key=True),
    Column("plan_id", ID, ForeignKey("plans.id"), nullable=False, index=True),
    Column("council", GSS, nullable=False),
    Column("held_on", Date, nullable=False),
    Column("attendees", Text, nullable=False),
    Column("decisions", JSONB, nullable=False),
    Column("recorded_by", String(200), nullable=False),
)

indicators = Table(
    "indicators",
    metadata,
    Column("id", ID, primary_key=True),
    Column("plan_id", ID, ForeignKey("plans.id"), nullable=False, index=True),
    Column("action_id", ID, ForeignKey("actions.id")),
    Column("council", GSS, nullable=False),
    Column("title", String(500), nullable=False),
    Column("unit", String(50), nullable=False),
    Column("higher_is_better", Boolean, nullable=False),
    Column("baseline", Float, nullable=False),
    Column("baseline_period", String(50), nullable=False),
    Column("target", Float, nullable=False),
    Column("target_period", String(50), nullable=False),
)

indicator_values = Table(
    "indicator_values",
    metadata,
    Column("id", ID, primary_key=True),
    Column("indicator_id", ID, ForeignKey("indicators.id"), nullable=False),
    Column("period", String(50), nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value", Float, nullable=False),
    UniqueConstraint("indicator_id", "period", name="uq_indicator_values_indicator_id_period"),
)

mapper.map_imperatively(Plan, plans)
mapper.map_imperatively(Action, actions)
mapper.map_imperatively(Progress, progress_updates)
mapper.map_imperatively(Milestone, milestones)
mapper.map_imperatively(PlanReview, plan_reviews)
mapper.map_imperatively(Indicator, indicators)
mapper.map_imperatively(IndicatorValue, indicator_values)
