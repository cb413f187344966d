"""The grants database: tables, and the mapping of the domain onto them.

Money columns are BIGINT pence; the check constraints repeat the ledger's
rules in the database, so no bug elsewhere can overcommit a funder.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import composite, registry, relationship

from services.grants.domain import (
    Application,
    Commitment,
    Conflict,
    Contribution,
    DirectoryWard,
    Fund,
    MonitoringReport,
    Organisation,
    Score,
    Tranche,
)
from shared.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper = registry(metadata=metadata)

Id = String(36)

# The ward directory (grants' copy of the wards); the table keeps the name it was created with.
directory_wards = Table(
    "known_wards",
    metadata,
    Column("gss_code", String(9), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("local_authority_gss", String(9), nullable=False, index=True),
    Column("boundary_set", String(20), nullable=False),
)

funds = Table(
    "funds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("council", String(9), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("themes", JSONB, nullable=False),
    Column("criteria", JSONB, nullable=False),
    Column("opens_on", Date),
    Column("closes_on", Date),
    Column("maximum_award_pence", BigInteger, nullable=False),
    Column("eligibility", Text, nullable=False, server_default=""),
    Column("panel_name", String(200), nullable=False, server_default=""),
    Column("quorum", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_by", String(200)),
    Column("created_at", DateTime(timezone=True)),
    Column("opened_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    CheckConstraint("maximum_award_pence > 0", name="maximum_award_positive"),
    CheckConstraint("quorum >= 1", name="quorum_positive"),
)

contributions = Table(
    "contributions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("fund_id", Id, ForeignKey("funds.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("funder_name", String(200), nullable=False),
    Column("funder_organisation_id", String(200)),
    Column("charity_number", String(20)),
    Column("amount_pence", BigInteger, nullable=False),
    Column("committed_pence", BigInteger, nullable=False),
    Column("paid_pence", BigInteger, nullable=False),
    CheckConstraint("amount_pence > 0", name="amount_positive"),
    CheckConstraint("committed_pence >= 0 AND committed_pence <= amount_pence", name="committed_within_contribution"),
    CheckConstraint("paid_pence >= 0 AND paid_pence <= committed_pence", name="paid_within_committed"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Id, primary_key=True),
    Column("fund_id", Id, ForeignKey("funds.id"), nullable=False, index=True),
    Column("council", String(9), nullable=False, index=True),
    Column("applicant", String(200), nullable=False, index=True),
    Column("organisation_name", String(200), nullable=False),
    Column("organisation_type", String(30), nullable=False),
    # Personal data: NULL once erased on request (see personal_data_erased_at).
    Column("contact_name", String(200)),
    Column("contact_email", String(320)),
    Column("contact_phone", String(40)),
    Column("charity_number", String(20)),
    Column("company_number", String(20)),
    Column("title", String(300), nullable=False),
    Column("summary", Text, nullable=False),
    Column("amount_requested_pence", BigInteger, nullable=False),
    Column("amount_awarded_pence", BigInteger),
    Column("ward_codes", JSONB, nullable=False),
    Column("theme", String(200), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("recommendation_reasons", Text),
    Column("decision_reasons", Text),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    Column("conditions", JSONB, nullable=False),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("personal_data_erased_at", DateTime(timezone=True)),
    Column("personal_data_erased_by", String(200)),
    Column("created_at", DateTime(timezone=True)),
    Column("submitted_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    CheckConstraint("amount_requested_pence > 0", name="amount_requested_positive"),
)

monitoring_reports = Table(
    "monitoring_reports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("application_id", Id, ForeignKey("applications.id"), nullable=False, index=True),
    Column("financial_year", String(7), nullable=False),
    Column("summary", Text, nullable=False),
    Column("spend_to_date_pence", BigInteger, nullable=False),
    Column("beneficiaries_reached", Integer, nullable=False),
    Column("outcomes", Text, nullable=False, server_default=""),
    Column("final", Boolean, nullable=False),
    Column("status", String(30), nullable=False),
    Column("submitted_by", String(200)),
    Column("submitted_at", DateTime(timezone=True)),
    Column("reviewed_by", String(200)),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("review_comments", Text),
    # One report per grant per financial year; a resubmission replaces it.
    UniqueConstraint("application_id", "financial_year"),
    CheckConstraint("spend_to_date_pence >= 0", name="spend_not_negative"),
    CheckConstraint("beneficiaries_reached >= 0", name="beneficiaries_not_negative"),
)

scores = Table(
    "scores",
    metadata,
    Column("application_id", Id, ForeignKey("applications.id"), primary_key=True),
    Column("member", String(200), primary_key=True),
    Column("marks", JSONB, nullable=False),
    Column("comments", JSONB, nullable=False),
    Column("scored_at", DateTime(timezone=True)),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("application_id", Id, ForeignKey("applications.id"), primary_key=True),
    Column("member", String(200), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("declared_at", DateTime(timezone=True)),
)

commitments = Table(
    "commitments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("application_id", Id, ForeignKey("applications.id"), nullable=False, index=True),
    Column("contribution_id", Id, ForeignKey("contributions.id"), nullable=False, index=True),
    Column("amount_pence", BigInteger, nullable=False),
    Column("paid_pence", BigInteger, nullable=False),
    Column("released_pence", BigInteger, nullable=False),
    CheckConstraint("amount_pence > 0", name="amount_positive"),
    CheckConstraint("paid_pence >= 0 AND released_pence >= 0", name="not_negative"),
    CheckConstraint("paid_pence + released_pence <= amount_pence", name="settled_within_amount"),
)

tranches = Table(
    "tranches",
    metadata,
    Column("id", Id, primary_key=True),
    Column("application_id", Id, ForeignKey("applications.id"), nullable=False, index=True),
    Column("sequence", Integer, nullable=False),
    Column("amount_pence", BigInteger, nullable=False),
    Column("due_on", Date),
    Column("status", String(20), nullable=False),
    Column("approved_by", String(200)),
    Column("approved_at", DateTime(timezone=True)),
    Column("paid_at", DateTime(timezone=True)),
    CheckConstraint("amount_pence > 0", name="amount_positive"),
)

mapper.map_imperatively(DirectoryWard, directory_wards)
mapper.map_imperatively(Contribution, contributions)
mapper.map_imperatively(
    Fund,
    funds,
    properties={
        # Async sessions cannot lazy-load: children always come with their parent.
        "contributions": relationship(
            Contribution, lazy="selectin", order_by=contributions.c.position, cascade="all, delete-orphan"
        ),
    },
)
mapper.map_imperatively(Score, scores)
mapper.map_imperatively(Conflict, conflicts)
mapper.map_imperatively(Commitment, commitments)
mapper.map_imperatively(Tranche, tranches)
mapper.map_imperatively(MonitoringReport, monitoring_reports)
mapper.map_imperatively(
    Application,
    applications,
    properties={
        "organisation": composite(
            Organisation,
            applications.c.organisation_name,
            applications.c.organisation_type,
            applications.c.contact_name,
            applications.c.contact_email,
            applications.c.contact_phone,
            applications.c.charity_number,
            applications.c.company_number,
        ),
        "scores": relationship(Score, lazy="selectin", order_by=scores.c.scored_at, cascade="all, delete-orphan"),
        "conflicts": relationship(Conflict, lazy="selectin", cascade="all, delete-orphan"),
        "commitments": relationship(
            Commitment,
            lazy="selectin",
            primaryjoin=applications.c.id == commitments.c.application_id,
            foreign_keys=[commitments.c.application_id],
            order_by=commitments.c.id,
            cascade="all",
        ),
        "tranches": relationship(Tranche, lazy="selectin", order_by=tranches.c.sequence, cascade="all, delete-orphan"),
        "monitoring_reports": relationship(
            MonitoringReport,
            lazy="selectin",
            order_by=monitoring_reports.c.financial_year,
            cascade="all, delete-orphan",
        ),
    },
)
