"""The wards database: tables, and the mapping of the domain onto them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry, relationship

from services.wards.domain import (
    BoundarySet,
    Budget,
    BudgetYear,
    Decision,
    Pooling,
    SpendApprover,
    SpendRequest,
    Ward,
    WardMeeting,
    WardMember,
)
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
    Column("subject", String(200)),
    CheckConstraint(
        "term_ends_on IS NULL OR term_starts_on IS NULL OR term_ends_on >= term_starts_on", name="term_in_order"
    ),
    Index(
        "uq_ward_members_council_subject",
        "council",
        "subject",
        unique=True,
        postgresql_where=text("subject IS NOT NULL"),
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
    Column("budget_kind", String(10)),
    Column("capital_item", Boolean, nullable=False, server_default=false()),
    CheckConstraint("budget_allocation_pence IS NULL OR budget_allocation_pence >= 0", name="allocation_not_negative"),
)

# --- Devolved budgets and spending -----------------------------------------------------------------

Pence = BigInteger

boundary_sets = Table(
    "boundary_sets",
    metadata,
    Column("council", String(9), primary_key=True),
    Column("code", String(20), primary_key=True),
    Column("in_force_from", Date, nullable=False),
)

budget_years = Table(
    "budget_years",
    metadata,
    Column("council", String(9), primary_key=True),
    Column("financial_year", String(7), primary_key=True),
    Column("clf_per_member_pence", Pence, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

budget_sharings = Table(
    "budget_sharings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("financial_year", String(7), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("boundary_set", String(20), nullable=False),
    Column("total_pence", Pence, nullable=False),
    Column("ward_count", Integer, nullable=False),
    Column("share_pence", Pence, nullable=False),
    # Where the pence left by the division went: one each to these wards (GSS-code order).
    Column("remainder_pence", Pence, nullable=False),
    Column("remainder_wards", JSONB, nullable=False),
    UniqueConstraint("council", "financial_year", "kind"),
    CheckConstraint("share_pence * ward_count + remainder_pence = total_pence", name="nothing_lost"),
)

ward_budgets = Table(
    "ward_budgets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), nullable=False),
    Column("financial_year", String(7), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("member_id", Id, ForeignKey("ward_members.id")),
    Column("allocated_pence", Pence, nullable=False),
    Column("pooled_in_pence", Pence, nullable=False),
    Column("pooled_out_pence", Pence, nullable=False),
    Column("held_pence", Pence, nullable=False),
    Column("committed_pence", Pence, nullable=False),
    Column("spent_pence", Pence, nullable=False),
    CheckConstraint(
        "allocated_pence >= 0 AND pooled_in_pence >= 0 AND pooled_out_pence >= 0 AND held_pence >= 0"
        " AND committed_pence >= 0 AND spent_pence >= 0",
        name="not_negative",
    ),
    # The ledger's one rule, also in the database: never held, committed or spent beyond the budget.
    CheckConstraint(
        "held_pence + committed_pence + spent_pence + pooled_out_pence <= allocated_pence + pooled_in_pence",
        name="never_overcommitted",
    ),
    CheckConstraint("(kind = 'clf') = (member_id IS NOT NULL)", name="clf_is_a_members"),
    Index(
        "uq_ward_budgets_ward_year_kind",
        "council",
        "financial_year",
        "gss_code",
        "kind",
        unique=True,
        postgresql_where=text("member_id IS NULL"),
    ),
    Index("uq_ward_budgets_member_year", "member_id", "financial_year", unique=True),
)

budget_poolings = Table(
    "budget_poolings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("gss_code", String(9), nullable=False),
    Column("financial_year", String(7), nullable=False),
    Column("from_budget_id", Id, ForeignKey("ward_budgets.id"), nullable=False, index=True),
    Column("to_budget_id", Id, ForeignKey("ward_budgets.id"), nullable=False, index=True),
    Column("member_id", Id, nullable=False),
    Column("amount_pence", Pence, nullable=False),
    Column("pooled_by", String(200), nullable=False),
    Column("pooled_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount_pence > 0", name="amount_positive"),
)

spend_requests = Table(
    "spend_requests",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("gss_code", String(9), nullable=False),
    Column("budget_id", Id, ForeignKey("ward_budgets.id"), nullable=False, index=True),
    Column("budget_kind", String(10), nullable=False),
    Column("financial_year", String(7), nullable=False),
    Column("member_id", Id),
    Column("amount_pence", Pence, nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("capital_item", Boolean, nullable=False),
    Column("ward_plan_priority", String(200)),
    Column("meeting_id", Id, ForeignKey("ward_meetings.id"), index=True),
    Column("decision_position", Integer),
    Column("status", String(20), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    Column("refusal_reason", String(2000)),
    Column("spent_pence", Pence),
    Column("recorded_by", String(200)),
    Column("recorded_at", DateTime(timezone=True)),
    Column("cancelled_reason", String(2000)),
    CheckConstraint("amount_pence > 0", name="amount_positive"),
    CheckConstraint("spent_pence IS NULL OR (spent_pence > 0 AND spent_pence <= amount_pence)", name="spent_in_range"),
    Index("ix_spend_requests_council_status", "council", "status"),
)

spend_approvers = Table(
    "spend_approvers",
    metadata,
    Column("council", String(9), primary_key=True),
    # Personal data: stays in this database, never in an event.
    Column("email", String(320), primary_key=True),
    Column("name", String(200), nullable=False),
)

mapper.map_imperatively(Ward, wards)
mapper.map_imperatively(SpendApprover, spend_approvers)
mapper.map_imperatively(BoundarySet, boundary_sets)
mapper.map_imperatively(BudgetYear, budget_years)
mapper.map_imperatively(Budget, ward_budgets)
mapper.map_imperatively(Pooling, budget_poolings)
mapper.map_imperatively(SpendRequest, spend_requests)
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

# --- Neighbourhood working: localities, clusters, successions, plans, updates, engagement, places ----
# Read and written with SQLAlchemy Core by the handlers (their domain objects hold nested lists).

locality_champions = Table(
    "locality_champions",
    metadata,
    Column("council", String(9), primary_key=True),
    Column("locality", String(10), primary_key=True),
    # Personal data: stays in this database, never in an event.
    Column("champion_name", String(200), nullable=False),
    Column("champion_organisation", String(200), nullable=False),
    Column("champion_sector", String(20), nullable=False),
    Column("named_at", DateTime(timezone=True), nullable=False),
)

clusters = Table(
    "clusters",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("purpose", String(2000), nullable=False),
    Column("formed_by", String(200), nullable=False),
    Column("formed_at", DateTime(timezone=True), nullable=False),
)

cluster_memberships = Table(
    "cluster_memberships",
    metadata,
    Column("cluster_id", Id, ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), primary_key=True),
    Column("joined_on", Date, primary_key=True),
    Column("left_on", Date),
    CheckConstraint("left_on IS NULL OR left_on > joined_on", name="leaves_after_joining"),
)

cluster_poolings = Table(
    "cluster_poolings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("cluster_id", Id, ForeignKey("clusters.id"), nullable=False, index=True),
    Column("financial_year", String(7), nullable=False),
    Column("from_budget_id", Id, ForeignKey("ward_budgets.id"), nullable=False),
    Column("to_budget_id", Id, ForeignKey("ward_budgets.id"), nullable=False),
    Column("from_gss_code", String(9), nullable=False),
    Column("to_gss_code", String(9), nullable=False),
    Column("amount_pence", Pence, nullable=False),
    Column("pooled_by", String(200), nullable=False),
    Column("pooled_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount_pence > 0", name="amount_positive"),
)

boundary_successions = Table(
    "boundary_successions",
    metadata,
    Column("council", String(9), primary_key=True),
    Column("code", String(20), primary_key=True),
    Column("succeeds", String(20), nullable=False),
    Column("successors", JSONB, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

council_themes = Table(
    "council_themes",
    metadata,
    Column("council", String(9), primary_key=True),
    Column("theme", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
)

ward_plans = Table(
    "ward_plans",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), nullable=False),
    Column("boundary_set", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("period", String(50), nullable=False),
    Column("priorities", JSONB, nullable=False),
    Column("engagement_strategy", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("drafted_by", String(200), nullable=False),
    Column("drafted_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(200)),
    Column("published_on", Date),
    UniqueConstraint("gss_code", "version"),
    # One draft and one published version at a time per ward, also under concurrent commands.
    Index("uq_ward_plans_one_draft", "gss_code", unique=True, postgresql_where=text("status = 'draft'")),
    Index("uq_ward_plans_one_published", "gss_code", unique=True, postgresql_where=text("status = 'published'")),
)

quarterly_updates = Table(
    "quarterly_updates",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False, index=True),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), nullable=False),
    Column("boundary_set", String(20), nullable=False),
    Column("financial_year", String(7), nullable=False),
    Column("quarter", Integer, nullable=False),
    Column("progress", Text, nullable=False),
    Column("spend_pence", Pence, nullable=False),
    Column("issues", JSONB, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("gss_code", "financial_year", "quarter"),
    CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_of_the_year"),
    CheckConstraint("spend_pence >= 0", name="spend_not_negative"),
)

engagements = Table(
    "engagements",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False, index=True),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), nullable=False, index=True),
    Column("boundary_set", String(20), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("place", String(300), nullable=False),
    Column("people_reached", Integer, nullable=False),
    Column("issues_raised", JSONB, nullable=False),
    Column("priority_id", Id),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("people_reached >= 0", name="people_not_negative"),
)

place_profiles = Table(
    "place_profiles",
    metadata,
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), primary_key=True),
    Column("council", String(9), nullable=False),
    Column("boundary_set", String(20), nullable=False),
    Column("population", Integer, nullable=False),
    Column("age_bands", JSONB, nullable=False),
    Column("imd_rank", Integer),
    Column("imd_decile", Integer),
    Column("imd_edition", String(20)),
    Column("summary", Text, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("imd_decile IS NULL OR imd_decile BETWEEN 1 AND 10", name="imd_decile_1_to_10"),
)

community_assets = Table(
    "community_assets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("gss_code", String(9), ForeignKey("wards.gss_code"), nullable=False, index=True),
    Column("organisation", JSONB, nullable=False),
    Column("service", JSONB, nullable=False),
    Column("location", JSONB, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

ward_grants = Table(
    "ward_grants",
    metadata,
    Column("application_id", Id, primary_key=True),
    Column("gss_code", String(9), primary_key=True),
    Column("council", String(9), nullable=False),
    Column("fund_id", Id, nullable=False),
    Column("amount_awarded_pence", Pence, nullable=False),
    Column("amount_paid_pence", Pence, nullable=False),
    Column("awarded_on", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("title", String(300)),
    Column("recipient_name", String(300)),
    Column("theme", String(200)),
    Index("ix_ward_grants_gss_code", "gss_code"),
)

# What grants said happened to an award after it was made (paid, cut short, withdrawn), kept per application
# so that an outcome handled before its award (the consumer handles events concurrently) is still applied.
grant_outcomes = Table(
    "grant_outcomes",
    metadata,
    Column("application_id", Id, primary_key=True),
    Column("council", String(9), nullable=False),
    Column("status", String(12), nullable=False),
    Column("amount_paid_pence", Pence, nullable=False),
    Column("amount_awarded_pence", Pence),
)
