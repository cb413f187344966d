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
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator

from services.actions.domain import (
    Action,
    Body,
    Indicator,
    IndicatorValue,
    Member,
    Milestone,
    Objective,
    Plan,
    PlanReview,
    Priority,
    Progress,
    Reschedule,
    TaskAndFinishGroup,
)
from shared.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper = registry(metadata=metadata)

ID = String(36)
GSS = String(9)


class Members(TypeDecorator[list[Member]]):
    """A body's or group's members, kept as a JSON list of seats (person, organisation, role, account)."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: list[Member] | None, dialect: Dialect) -> list[dict[str, str | None]] | None:
        if value is None:
            return None
        return [
            {"person": m.person, "organisation": m.organisation, "role": m.role, "account": m.account} for m in value
        ]

    def process_result_value(self, value: list[dict[str, str]] | None, dialect: Dialect) -> list[Member] | None:
        if value is None:
            return None
        return [Member(**seat) for seat in value]  # type: ignore[arg-type]


NOW = text("now()")

bodies = Table(
    "bodies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("council", GSS, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(300), nullable=False),
    Column("chair", String(300), nullable=False),
    Column("terms_of_reference", Text, nullable=False),
    Column("members", Members, nullable=False),
)

plans = Table(
    "plans",
    metadata,
    Column("id", ID, primary_key=True),
    Column("council", GSS, nullable=False, index=True),
    Column("title", String(300), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("themes", JSONB, nullable=False),
    Column("vision", Text),
    Column("area", String(200)),
    Column("owner_body_id", ID, ForeignKey("bodies.id")),
    Column("reviewer_body_id", ID, ForeignKey("bodies.id")),
    Column("status", String(20), nullable=False, server_default="draft"),
    Column("signed_off_on", Date),
    CheckConstraint("status = 'draft' OR signed_off_on IS NOT NULL", name="signed_off"),
)

priorities = Table(
    "priorities",
    metadata,
    Column("id", ID, primary_key=True),
    Column("plan_id", ID, ForeignKey("plans.id"), nullable=False, index=True),
    Column("council", GSS, nullable=False),
    Column("number", SmallInteger, nullable=False),
    Column("title", String(500), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    UniqueConstraint("plan_id", "number", name="uq_priorities_plan_id_number"),
)

objectives = Table(
    "objectives",
    metadata,
    Column("id", ID, primary_key=True),
    Column("priority_id", ID, ForeignKey("priorities.id"), nullable=False, index=True),
    Column("plan_id", ID, ForeignKey("plans.id"), nullable=False, index=True),
    Column("council", GSS, nullable=False),
    Column("title", Text, nullable=False),
    Column("position", SmallInteger, nullable=False),
    UniqueConstraint("priority_id", "position", name="uq_objectives_priority_id_position"),
)

task_and_finish_groups = Table(
    "task_and_finish_groups",
    metadata,
    Column("id", ID, primary_key=True),
    Column("plan_id", ID, ForeignKey("plans.id"), nullable=False, index=True),
    Column("council", GSS, nullable=False),
    Column("name", String(300), nullable=False),
    Column("leader", String(300), nullable=False),
    Column("remit", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("members", Members, nullable=False),
    Column("status", String(20), nullable=False),
    Column("closed_on", Date),
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
    Column("objective_id", ID, ForeignKey("objectives.id")),
    Column("group_id", ID, ForeignKey("task_and_finish_groups.id")),
    Column("last_rag", String(5), nullable=False, server_default="green"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
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

action_reschedules = Table(
    "action_reschedules",
    metadata,
    Column("id", ID, primary_key=True),
    Column("action_id", ID, ForeignKey("actions.id"), nullable=False, index=True),
    Column("council", GSS, nullable=False),
    Column("due_on_before", Date, nullable=False),
    Column("due_on_after", Date, nullable=False),
    Column("review_id", ID, ForeignKey("plan_reviews.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
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
    Column("bound_field", String(200)),
    Column("bound_value", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
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
    Column("body_id", ID, ForeignKey("bodies.id")),
    Column("changes", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
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
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)

indicator_values = Table(
    "indicator_values",
    metadata,
    Column("id", ID, primary_key=True),
    Column("indicator_id", ID, ForeignKey("indicators.id"), nullable=False),
    Column("period", String(50), nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    UniqueConstraint("indicator_id", "period", name="uq_indicator_values_indicator_id_period"),
)

mapper.map_imperatively(Body, bodies)
mapper.map_imperatively(Plan, plans)
mapper.map_imperatively(Priority, priorities)
mapper.map_imperatively(Objective, objectives)
mapper.map_imperatively(TaskAndFinishGroup, task_and_finish_groups)
mapper.map_imperatively(Action, actions)
mapper.map_imperatively(Progress, progress_updates)
mapper.map_imperatively(Reschedule, action_reschedules)
mapper.map_imperatively(Milestone, milestones)
mapper.map_imperatively(PlanReview, plan_reviews)
mapper.map_imperatively(Indicator, indicators)
mapper.map_imperatively(IndicatorValue, indicator_values)
