"""The small-grants fund in the council's words: funds and their funders, applications,
assessment by the forum, awards committed against the fund, and payment in tranches.

Plain Python with no framework: every rule of the fund lives here and is tested in
microseconds. One module per part of the model: ``fund`` (the fund and its ledger),
``application`` (the aggregate root) with its ``lifecycle``, ``applicant``, ``assessment``,
``payments`` and ``monitoring``; ``report`` (the fund's report), ``ward_directory`` (grants'
copy of the wards) and ``errors`` (the rules a command can break). The database mapping is in
``tables.py``; the API turns the errors into problem documents.
"""

from services.grants.domain.applicant import ORGANISATION_TYPES, Organisation, check_wards
from services.grants.domain.application import Application
from services.grants.domain.assessment import MAX_SCORE, Conflict, Score
from services.grants.domain.errors import (
    AlreadyErased,
    ApplicationNotFound,
    ConflictOfInterest,
    FinalReportOutstanding,
    FundNotFound,
    FundNotOpen,
    GrantsError,
    IllegalTransition,
    InvalidApplication,
    InvalidFund,
    InvalidOffer,
    InvalidReport,
    InvalidScore,
    MonitoringReportNotFound,
    NothingPaidYet,
    NotTheApplicant,
    Overcommitted,
    QuorumNotMet,
    TrancheNotFound,
    UnknownWards,
)
from services.grants.domain.fund import (
    DEFAULT_CRITERIA,
    DEFAULT_QUORUM,
    Commitment,
    Contribution,
    Fund,
    FundStatus,
    apportion,
)
from services.grants.domain.ids import new_id
from services.grants.domain.lifecycle import (
    AWARDED,
    BEFORE_PAYMENT,
    LIVE,
    MOVES,
    REVISABLE,
    SCORING,
    ApplicationStatus,
)
from services.grants.domain.monitoring import (
    DEFAULT_REPORT_NOTICE_DAYS,
    REVIEW_OUTCOMES,
    MonitoringReport,
    Notice,
    ReportStatus,
)
from services.grants.domain.payments import Tranche, TrancheStatus
from services.grants.domain.report import AwardLine, FunderLine, FundReport, report_on
from services.grants.domain.ward_directory import DirectoryWard

__all__ = [
    "AWARDED",
    "BEFORE_PAYMENT",
    "DEFAULT_CRITERIA",
    "DEFAULT_QUORUM",
    "DEFAULT_REPORT_NOTICE_DAYS",
    "LIVE",
    "MAX_SCORE",
    "MOVES",
    "ORGANISATION_TYPES",
    "REVIEW_OUTCOMES",
    "REVISABLE",
    "SCORING",
    "AlreadyErased",
    "Application",
    "ApplicationNotFound",
    "ApplicationStatus",
    "AwardLine",
    "Commitment",
    "Conflict",
    "ConflictOfInterest",
    "Contribution",
    "DirectoryWard",
    "FinalReportOutstanding",
    "Fund",
    "FundNotFound",
    "FundNotOpen",
    "FundReport",
    "FundStatus",
    "FunderLine",
    "GrantsError",
    "IllegalTransition",
    "InvalidApplication",
    "InvalidFund",
    "InvalidOffer",
    "InvalidReport",
    "InvalidScore",
    "MonitoringReport",
    "MonitoringReportNotFound",
    "NotTheApplicant",
    "NothingPaidYet",
    "Notice",
    "Organisation",
    "Overcommitted",
    "QuorumNotMet",
    "ReportStatus",
    "Score",
    "Tranche",
    "TrancheNotFound",
    "TrancheStatus",
    "UnknownWards",
    "apportion",
    "check_wards",
    "new_id",
    "report_on",
]
