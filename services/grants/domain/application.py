"""The application: a community group's request to a fund, from draft to a closed (or withdrawn) grant.

The aggregate root. What the forum does to it is in ``assessment.py``, its offer and payment in
``payments.py``, its monitoring in ``monitoring.py``; here it is drafted, revised, submitted,
withdrawn, and its contact erased on request.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.grants.domain.applicant import Organisation, check_wards
from services.grants.domain.assessment import AssessmentMoves, Conflict, Score
from services.grants.domain.errors import AlreadyErased, IllegalTransition, InvalidApplication
from services.grants.domain.fund import Commitment, Fund
from services.grants.domain.ids import new_id
from services.grants.domain.lifecycle import MOVES, REVISABLE, ApplicationStatus
from services.grants.domain.monitoring import MonitoringMoves, MonitoringReport
from services.grants.domain.payments import Tranche


@dataclass(eq=False)
class Application(AssessmentMoves, MonitoringMoves):
    """A community group's application to a fund, from draft to a closed (or withdrawn) grant."""

    fund_id: str
    council: str
    applicant: str
    organisation: Organisation
    title: str
    summary: str
    amount_requested_pence: int
    ward_codes: list[str]
    theme: str
    status: str = ApplicationStatus.DRAFT
    amount_awarded_pence: int | None = None
    recommendation_reasons: str | None = None
    decision_reasons: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    conditions: list[str] = field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    personal_data_erased_at: datetime | None = None
    personal_data_erased_by: str | None = None
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    scores: list[Score] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    monitoring_reports: list[MonitoringReport] = field(default_factory=list)
    id: str = field(default_factory=new_id)

    @classmethod
    def draft(
        cls,
        fund: Fund,
        *,
        applicant: str,
        organisation: Organisation,
        title: str,
        summary: str,
        amount_requested_pence: int,
        ward_codes: Sequence[str],
        theme: str,
        wards_of_council: Collection[str],
        now: datetime,
        starts_on: date | None = None,
        ends_on: date | None = None,
    ) -> Application:
        fund.ensure_accepting_applications()
        application = cls(
            fund_id=fund.id,
            council=fund.council,
            applicant=applicant,
            organisation=organisation,
            title=title,
            summary=summary,
            amount_requested_pence=amount_requested_pence,
            ward_codes=list(dict.fromkeys(ward_codes)),
            theme=theme,
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=now,
            updated_at=now,
        )
        application.check(fund, wards_of_council)
        return application

    def check(self, fund: Fund, wards_of_council: Collection[str]) -> None:
        """The rules an application must meet to be drafted, changed or submitted."""
        self.organisation.check()
        if not self.title.strip():
            raise InvalidApplication("An application needs a title.", field="title")
        if self.amount_requested_pence <= 0:
            raise InvalidApplication("The amount requested must be more than 0 pence.", field="amount_requested_pence")
        if self.amount_requested_pence > fund.maximum_award_pence:
            raise InvalidApplication(
                f"{self.amount_requested_pence} pence is more than the fund's maximum award of "
                f"{fund.maximum_award_pence} pence.",
                field="amount_requested_pence",
                maximum_award_pence=fund.maximum_award_pence,
            )
        if self.theme not in fund.themes:
            raise InvalidApplication(
                f"Theme {self.theme!r} is not one of the fund's themes.", field="theme", themes=list(fund.themes)
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise InvalidApplication(
                f"The project ends ({self.ends_on}) before it starts ({self.starts_on}).", field="ends_on"
            )
        check_wards(self.ward_codes, wards_of_council, fund.council)

    def revise(
        self,
        fund: Fund,
        wards_of_council: Collection[str],
        now: datetime,
        **changes: object,
    ) -> None:
        """Change a draft; a submitted application is no longer the applicant's to edit."""
        if self.status != ApplicationStatus.DRAFT:
            raise IllegalTransition("application", self.status, "revise")
        not_revisable = sorted(set(changes) - REVISABLE)
        if not_revisable:
            raise InvalidApplication(f"{', '.join(not_revisable)} cannot be changed by revising a draft.")
        for name, value in changes.items():
            if name == "ward_codes":
                value = list(dict.fromkeys(value))  # type: ignore[call-overload]
            setattr(self, name, value)
        self.check(fund, wards_of_council)
        self.updated_at = now

    def submit(self, fund: Fund, wards_of_council: Collection[str], now: datetime) -> None:
        if self.status == ApplicationStatus.DRAFT:
            fund.ensure_accepting_applications()
            self.check(fund, wards_of_council)
        self._move("submit")
        self.submitted_at = self.updated_at = now

    def start_assessment(self, now: datetime) -> None:
        self._move("start_assessment")
        self.updated_at = now

    # Erasure on request

    def erase_personal_data(self, by: str, now: datetime) -> None:
        """Forget the contact person; the grant itself (amounts, wards, decisions, ledger) stays."""
        if self.personal_data_erased_at is not None:
            raise AlreadyErased(self.id, self.personal_data_erased_at)
        self.organisation = self.organisation.without_contact()
        self.personal_data_erased_at, self.personal_data_erased_by = now, by
        self.updated_at = now

    def withdraw(self, fund: Fund, now: datetime) -> tuple[str, int]:
        """Withdraw before any money is paid; an award's commitment goes back to its funders."""
        allowed, _ = MOVES["withdraw"]
        if self.status not in allowed or self.amount_paid_pence:
            raise IllegalTransition("application", self.status, "withdraw")
        released = fund.release(self.commitments)
        previous = self._move("withdraw")
        self.updated_at = now
        return previous, released
