"""Commands on funds and applications, and the ward directory consumer: one plain async function each.

The unit of work arrives as an argument. Every command loads what it changes
under a row lock, taken fund first and then application, so two decisions on
one fund queue up behind each other and the ledger can never be overcommitted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select, text

from services.grants.domain import (
    AWARDED,
    DEFAULT_REPORT_NOTICE_DAYS,
    LIVE,
    Application,
    Fund,
    FundStatus,
    MonitoringReport,
)
from services.grants.tables import applications, funds, known_wards
from shared.auth import Principal
from shared.events import EventData, EventMeta
from shared.events.catalogue import grants as ev
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer
from shared.messaging.rpc import NotFound, Responder
from shared.problems import Problem
from shared.procedures import GRANTEE_CONTACT, Contact, GranteeContact, GranteeContactRequest
from shared.unit_of_work import Actor, UnitOfWork

log = logging.getLogger(__name__)

# Roles that see every application and every fund of their council, drafts included (admin always does).
STAFF_ROLES = ("officer", "forum_member", "finance", "approver")
# Roles that read only what the council publishes: open and closed funds, and awarded grants without
# personal data. (An applicant sees published funds and its own applications.)
PUBLISHED_READERS = ("partner", "ward_member")
PUBLISHED_FUNDS = (FundStatus.OPEN, FundStatus.CLOSED)

SCHEDULER = Actor("system:grants-scheduler")


def now() -> datetime:
    return datetime.now(UTC)


# --- The ward directory ---------------------------------------------------------------------------


# Every ward event runs it, straight on the driver: SQLAlchemy's work per statement cost more than
# the statement.
_UPSERT_WARD = """
    INSERT INTO known_wards (gss_code, name, local_authority_gss, boundary_set) VALUES ($1, $2, $3, $4)
    ON CONFLICT (gss_code) DO UPDATE
        SET name = EXCLUDED.name, local_authority_gss = EXCLUDED.local_authority_gss,
            boundary_set = EXCLUDED.boundary_set
"""


async def record_ward(ward: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
    """Keep grants' own copy of a ward as the wards service published it (latest wins)."""
    db = await uow.driver()
    await db.execute(_UPSERT_WARD, ward.gss_code, ward.name, ward.local_authority_gss, ward.boundary_set)


ward_directory = Consumer(
    "grants.ward-directory",
    record_ward,
    description="Grants' own copy of the ward list, used to check the wards an application benefits.",
)


async def wards_of_council(uow: UnitOfWork, council: str, codes: Collection[str]) -> set[str]:
    """Those of ``codes`` that grants knows as wards of ``council``."""
    rows = await uow.session.scalars(
        select(known_wards.c.gss_code).where(
            known_wards.c.gss_code.in_(list(codes)), known_wards.c.local_authority_gss == council
        )
    )
    return set(rows)


# --- Loading, with council scope and the applicant's own view --------------------------------------


def sees_every_application(principal: Principal) -> bool:
    return principal.has_any(*STAFF_ROLES)


def sees_draft_funds(principal: Principal) -> bool:
    return principal.has_any(*STAFF_ROLES)


def reads_published_only(principal: Principal) -> bool:
    """Partners (and ward members) read awarded grants, never drafts, assessments or personal data."""
    return not sees_every_application(principal) and bool(principal.roles.intersection(PUBLISHED_READERS))


async def load_fund(
    uow: UnitOfWork, principal: Principal, fund_id: str, *, lock: bool = False, shared: bool = False
) -> Fund:
    """The fund of the principal's council; ``lock`` takes its row lock (``shared``: a share lock).

    A draft fund is not yet published: only council staff see it; to anyone else it does not exist.
    """
    query = select(Fund).where(funds.c.id == fund_id)
    if lock:
        query = query.with_for_update(read=shared).execution_options(populate_existing=True)
    fund = (await uow.session.scalars(query)).one_or_none()
    if (
        fund is None
        or fund.council != principal.council
        or (fund.status not in PUBLISHED_FUNDS and not sees_draft_funds(principal))
    ):
        raise Problem(404, "Fund not found", f"No fund {fund_id} in council {principal.council}.")
    return fund


async def load_application(
    uow: UnitOfWork, principal: Principal, application_id: str, *, lock: bool = False, published_ok: bool = False
) -> tuple[Application, Fund]:
    """The application and its fund; locked (fund first) when the command may change either.

    ``published_ok``: a read that partners may make, of an awarded grant (the caller redacts it).
    """
    row = (
        await uow.session.execute(
            select(
                applications.c.fund_id, applications.c.council, applications.c.applicant, applications.c.status
            ).where(applications.c.id == application_id)
        )
    ).first()
    visible = row is not None and (
        row.council == principal.council
        and (
            sees_every_application(principal)
            or row.applicant == principal.subject
            or (published_ok and reads_published_only(principal) and row.status in AWARDED)
        )
    )
    if row is None or not visible:
        raise Problem(404, "Application not found", f"No application {application_id} for you in {principal.council}.")
    fund = await load_fund(uow, principal, row.fund_id, lock=lock)
    query = select(Application).where(applications.c.id == application_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    application = (await uow.session.scalars(query)).one()
    return application, fund


def ensure_may_change(principal: Principal, application: Application) -> None:
    """The applicant changes their own application; an officer may act for them."""
    if application.applicant != principal.subject and not principal.has_any("officer"):
        raise Problem(403, "Forbidden", "Only the applicant or an officer may change this application.")


# --- Funds ----------------------------------------------------------------------------------------


async def create_fund(uow: UnitOfWork, fund: Fund) -> Fund:
    fund.created_at = now()
    fund.created_by = uow.actor.subject
    uow.session.add(fund)
    uow.emit(
        ev.FundCreated(
            fund_id=fund.id,
            name=fund.name,
            themes=list(fund.themes),
            maximum_award_pence=fund.maximum_award_pence,
            total_contributions_pence=fund.total_contributions_pence,
            opens_on=fund.opens_on,
            closes_on=fund.closes_on,
            panel_name=fund.panel_name or None,
        ),
        subject=fund.id,
        council=fund.council,
    )
    uow.audit("grants.fund.create", fund.id, name=fund.name, total_contributions_pence=fund.total_contributions_pence)
    await uow.commit()
    return fund


async def open_fund(uow: UnitOfWork, principal: Principal, fund_id: str) -> Fund:
    fund = await load_fund(uow, principal, fund_id, lock=True)
    fund.open(now())
    assert fund.opened_at is not None
    uow.emit(
        ev.FundOpened(fund_id=fund.id, name=fund.name, opened_at=fund.opened_at, closes_on=fund.closes_on),
        subject=fund.id,
        council=fund.council,
    )
    uow.audit("grants.fund.open", fund.id)
    await uow.commit()
    return fund


async def close_fund(uow: UnitOfWork, principal: Principal, fund_id: str) -> Fund:
    fund = await load_fund(uow, principal, fund_id, lock=True)
    fund.close(now())
    assert fund.closed_at is not None
    uow.emit(ev.FundClosed(fund_id=fund.id, closed_at=fund.closed_at), subject=fund.id, council=fund.council)
    uow.audit("grants.fund.close", fund.id)
    await uow.commit()
    return fund


# --- Applications ---------------------------------------------------------------------------------


async def draft_application(
    uow: UnitOfWork, principal: Principal, fund_id: str, details: dict[str, Any]
) -> Application:
    # A shared lock: applications may be drafted side by side, but not while the fund is being closed.
    fund = await load_fund(uow, principal, fund_id, lock=True, shared=True)
    known = await wards_of_council(uow, fund.council, details["ward_codes"])
    application = Application.draft(fund, applicant=principal.subject, wards_of_council=known, now=now(), **details)
    uow.session.add(application)
    uow.emit(
        ev.ApplicationCreated(
            application_id=application.id,
            fund_id=fund.id,
            amount_requested_pence=application.amount_requested_pence,
            ward_codes=list(application.ward_codes),
            theme=application.theme,
        ),
        subject=application.id,
        council=application.council,
    )
    uow.audit("grants.application.create", application.id, fund_id=fund.id)
    await uow.commit()
    return application


async def revise_application(
    uow: UnitOfWork, principal: Principal, application_id: str, changes: dict[str, Any]
) -> Application:
    application, fund = await load_application(uow, principal, application_id, lock=True)
    ensure_may_change(principal, application)
    codes = changes.get("ward_codes", application.ward_codes)
    known = await wards_of_council(uow, fund.council, codes)
    application.revise(fund, known, now(), **changes)
    uow.emit(
        ev.ApplicationRevised(
            application_id=application.id,
            fund_id=fund.id,
            changed=sorted(changes),
            amount_requested_pence=application.amount_requested_pence,
            ward_codes=list(application.ward_codes),
            theme=application.theme,
        ),
        subject=application.id,
        council=application.council,
    )
    uow.audit("grants.application.revise", application.id, fields=sorted(changes))
    await uow.commit()
    return application


Change = Callable[[Application, Fund], Sequence[EventData]]


async def change_application(
    uow: UnitOfWork,
    principal: Principal,
    application_id: str,
    action: str,
    change: Change,
    *,
    applicant_may: bool = False,
    **audit_detail: Any,
) -> Application:
    """Load under lock, apply one domain move, emit its events, audit it and commit."""
    application, fund = await load_application(uow, principal, application_id, lock=True)
    if applicant_may:
        ensure_may_change(principal, application)
    for data in change(application, fund):
        uow.emit(data, subject=application.id, council=application.council)
    uow.audit(f"grants.application.{action}", application.id, status=application.status, **audit_detail)
    await uow.commit()
    return application


async def submit_application(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    # The ward check needs the database before the (synchronous) domain move runs.
    application, _ = await load_application(uow, principal, application_id)
    known = await wards_of_council(uow, application.council, application.ward_codes)

    def submit(application: Application, fund: Fund) -> list[EventData]:
        application.submit(fund, known, now())
        return [
            ev.ApplicationSubmitted(
                application_id=application.id,
                fund_id=fund.id,
                amount_requested_pence=application.amount_requested_pence,
                ward_codes=list(application.ward_codes),
                theme=application.theme,
            )
        ]

    return await change_application(uow, principal, application_id, "submit", submit, applicant_may=True)


async def start_assessment(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def start(application: Application, fund: Fund) -> list[EventData]:
        application.start_assessment(now())
        return [ev.ApplicationAssessmentStarted(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "start_assessment", start)


async def declare_conflict(uow: UnitOfWork, principal: Principal, application_id: str, reason: str) -> Application:
    def declare(application: Application, fund: Fund) -> list[EventData]:
        application.declare_conflict(principal.subject, reason, now())
        return [
            ev.ApplicationConflictDeclared(
                application_id=application.id, fund_id=fund.id, conflicts_declared=len(application.conflicts)
            )
        ]

    return await change_application(uow, principal, application_id, "declare_conflict", declare, reason=reason)


async def score_application(
    uow: UnitOfWork, principal: Principal, application_id: str, marks: dict[str, int], comments: dict[str, str]
) -> Application:
    def score(application: Application, fund: Fund) -> list[EventData]:
        application.score(fund, principal.subject, marks, comments, now())
        return [
            ev.ApplicationScored(
                application_id=application.id, fund_id=fund.id, scores_counted=len(application.counted_scores)
            )
        ]

    return await change_application(uow, principal, application_id, "score", score, marks=marks)


async def recommend_application(
    uow: UnitOfWork, principal: Principal, application_id: str, recommended: bool, reasons: str
) -> Application:
    def recommend(application: Application, fund: Fund) -> list[EventData]:
        application.recommend(recommended, reasons, now())
        if recommended:
            return [ev.ApplicationRecommended(application_id=application.id, fund_id=fund.id)]
        return [ev.ApplicationNotRecommended(application_id=application.id, fund_id=fund.id)]

    return await change_application(
        uow, principal, application_id, "recommend", recommend, recommended=recommended, reasons=reasons
    )


async def decide_application(
    uow: UnitOfWork,
    principal: Principal,
    application_id: str,
    *,
    approve: bool,
    reasons: str,
    amount_awarded_pence: int | None = None,
) -> Application:
    """The panel's decision; an award is committed against the fund under the fund's row lock."""

    def decide(application: Application, fund: Fund) -> list[EventData]:
        at = now()
        if not approve:
            application.reject(fund, reasons=reasons, by=principal.subject, now=at)
            return [ev.ApplicationRejected(application_id=application.id, fund_id=fund.id, decided_at=at)]
        application.approve(fund, reasons=reasons, by=principal.subject, now=at, amount_pence=amount_awarded_pence)
        assert application.amount_awarded_pence is not None
        return [
            ev.ApplicationApproved(
                application_id=application.id,
                fund_id=fund.id,
                amount_awarded_pence=application.amount_awarded_pence,
                ward_codes=list(application.ward_codes),
                theme=application.theme,
                funder_shares=[
                    ev.FunderShare(contribution_id=c.contribution_id, amount_pence=c.amount_pence)
                    for c in application.commitments
                ],
                decided_at=at,
            )
        ]

    return await change_application(uow, principal, application_id, "decide", decide, approve=approve, reasons=reasons)


async def offer_grant(
    uow: UnitOfWork,
    principal: Principal,
    application_id: str,
    conditions: Sequence[str],
    tranches: Sequence[tuple[int, date | None]],
) -> Application:
    def offer(application: Application, fund: Fund) -> list[EventData]:
        application.offer(conditions, tranches, now())
        return [
            ev.ApplicationOffered(
                application_id=application.id,
                fund_id=fund.id,
                amount_awarded_pence=application.amount_awarded_pence or 0,
                tranches=len(application.tranches),
            )
        ]

    return await change_application(uow, principal, application_id, "offer", offer)


async def accept_offer(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def accept(application: Application, fund: Fund) -> list[EventData]:
        application.accept(now())
        return [ev.ApplicationAccepted(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "accept", accept, applicant_may=True)


def _tranche_or_404(application: Application, sequence: int) -> None:
    if not any(t.sequence == sequence for t in application.tranches):
        raise Problem(404, "Tranche not found", f"Application {application.id} has no tranche {sequence}.")


async def approve_tranche(uow: UnitOfWork, principal: Principal, application_id: str, sequence: int) -> Application:
    def approve(application: Application, fund: Fund) -> list[EventData]:
        _tranche_or_404(application, sequence)
        tranche = application.approve_tranche(sequence, principal.subject, now())
        return [
            ev.TrancheApproved(
                application_id=application.id,
                fund_id=fund.id,
                tranche_id=tranche.id,
                sequence=tranche.sequence,
                amount_pence=tranche.amount_pence,
            )
        ]

    return await change_application(uow, principal, application_id, "approve_tranche", approve, sequence=sequence)


async def pay_tranche(uow: UnitOfWork, principal: Principal, application_id: str, sequence: int) -> Application:
    def pay(application: Application, fund: Fund) -> list[EventData]:
        _tranche_or_404(application, sequence)
        shares = application.pay_tranche(fund, sequence, now())
        tranche = application.tranche(sequence)
        assert tranche.paid_at is not None
        events: list[EventData] = [
            ev.TranchePaid(
                application_id=application.id,
                fund_id=fund.id,
                tranche_id=tranche.id,
                sequence=tranche.sequence,
                amount_pence=tranche.amount_pence,
                funder_shares=[ev.FunderShare(contribution_id=c, amount_pence=a) for c, a in shares],
                paid_at=tranche.paid_at,
            )
        ]
        if application.status == "paid":
            events.append(
                ev.ApplicationPaid(
                    application_id=application.id, fund_id=fund.id, amount_paid_pence=application.amount_paid_pence
                )
            )
        return events

    return await change_application(uow, principal, application_id, "pay_tranche", pay, sequence=sequence)


async def cancel_remaining_tranches(
    uow: UnitOfWork, principal: Principal, application_id: str, reason: str
) -> Application:
    """An underspend: stop paying, and give what the unpaid tranches had committed back to the funders."""

    def cancel(application: Application, fund: Fund) -> list[EventData]:
        cancelled, released = application.cancel_remaining_tranches(fund, now())
        return [
            ev.RemainingTranchesCancelled(
                application_id=application.id,
                fund_id=fund.id,
                sequences=[t.sequence for t in cancelled],
                amount_paid_pence=application.amount_paid_pence,
                released_pence=sum(a for _, a in released),
                funder_shares=[ev.FunderShare(contribution_id=c, amount_pence=a) for c, a in released],
            ),
            ev.ApplicationPaid(
                application_id=application.id, fund_id=fund.id, amount_paid_pence=application.amount_paid_pence
            ),
        ]

    return await change_application(uow, principal, application_id, "cancel_remaining_tranches", cancel, reason=reason)


async def start_monitoring(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def start(application: Application, fund: Fund) -> list[EventData]:
        application.start_monitoring(now())
        return [ev.ApplicationMonitoringStarted(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "start_monitoring", start)


async def close_grant(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def close(application: Application, fund: Fund) -> list[EventData]:
        application.close(now())
        return [ev.ApplicationClosed(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "close", close)


async def withdraw_application(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def withdraw(application: Application, fund: Fund) -> list[EventData]:
        previous, released = application.withdraw(fund, now())
        return [
            ev.ApplicationWithdrawn(
                application_id=application.id, fund_id=fund.id, previous_status=previous, released_pence=released
            )
        ]

    return await change_application(uow, principal, application_id, "withdraw", withdraw, applicant_may=True)


# --- Funds that open and close on their dates -------------------------------------------------------

CANNOT_OPEN = "grants.fund.cannot_open"


async def open_and_close_funds(uow: UnitOfWork, today: date) -> tuple[list[Fund], list[Fund]]:
    """Open every draft fund whose opening date has come and close every open fund past its closing date.

    The same events as the officers' commands; a fund already moved is skipped, so running again (or on
    two instances: rows are locked, and re-checked once the lock is ours) changes nothing more.
    """
    to_open = (
        await uow.session.scalars(
            select(Fund)
            .where(
                funds.c.status == FundStatus.DRAFT,
                funds.c.opens_on <= today,
                or_(funds.c.closes_on.is_(None), funds.c.closes_on >= today),
            )
            .order_by(funds.c.opens_on, funds.c.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    opened: list[Fund] = []
    for fund in to_open:
        if not fund.due_to_open(today):
            continue
        if fund.total_contributions_pence <= 0:
            # It cannot open until funders contribute; say so once, not every minute.
            if await uow.first_occurrence(CANNOT_OPEN, fund.id):
                log.warning("fund %s (%s) is due to open but has no contributions; left in draft", fund.id, fund.name)
            continue
        fund.open(now())
        assert fund.opened_at is not None
        uow.emit(
            ev.FundOpened(fund_id=fund.id, name=fund.name, opened_at=fund.opened_at, closes_on=fund.closes_on),
            subject=fund.id,
            council=fund.council,
        )
        uow.audit("grants.fund.open", fund.id, council=fund.council, scheduled_for=today.isoformat())
        opened.append(fund)
    to_close = (
        await uow.session.scalars(
            select(Fund)
            .where(funds.c.status == FundStatus.OPEN, funds.c.closes_on < today)
            .order_by(funds.c.closes_on, funds.c.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    closed: list[Fund] = []
    for fund in to_close:
        if not fund.due_to_close(today):
            continue
        fund.close(now())
        assert fund.closed_at is not None
        uow.emit(ev.FundClosed(fund_id=fund.id, closed_at=fund.closed_at), subject=fund.id, council=fund.council)
        uow.audit("grants.fund.close", fund.id, council=fund.council, scheduled_for=today.isoformat())
        closed.append(fund)
    await uow.commit()
    return opened, closed


# --- Monitoring -----------------------------------------------------------------------------------

REPORT_DUE, REPORT_OVERDUE = "grants.monitoring.report_due", "grants.monitoring.report_overdue"


async def raise_monitoring_notices(
    uow: UnitOfWork, today: date, notice_days: int = DEFAULT_REPORT_NOTICE_DAYS
) -> list[tuple[str, str, str]]:
    """Raise report-due and report-overdue once per grant per financial year, ever (across restarts).

    Returns (kind, application id, financial year) for what was raised now.
    """
    live = (
        await uow.session.scalars(
            select(Application).where(applications.c.status.in_(list(LIVE))).order_by(applications.c.id)
        )
    ).all()
    raised: list[tuple[str, str, str]] = []
    for application in live:
        for notice in application.monitoring_notices(today, notice_days):
            kind = REPORT_DUE if notice.kind == "due" else REPORT_OVERDUE
            if not await uow.first_occurrence(kind, f"{application.id}:{notice.year.label}"):
                continue
            event = ev.MonitoringReportDue if notice.kind == "due" else ev.MonitoringReportOverdue
            uow.emit(
                event(
                    application_id=application.id,
                    fund_id=application.fund_id,
                    financial_year=notice.year.label,
                    due_on=notice.year.ends_on,
                ),
                subject=application.id,
                council=application.council,
            )
            raised.append((notice.kind, application.id, notice.year.label))
    if raised:
        uow.audit(
            "grants.monitoring.notices",
            None,
            as_of=today.isoformat(),
            raised=[{"kind": k, "application_id": a, "financial_year": y} for k, a, y in raised],
        )
    await uow.commit()
    return raised


async def submit_monitoring_report(
    uow: UnitOfWork, principal: Principal, application_id: str, report: MonitoringReport
) -> tuple[Application, MonitoringReport]:
    filed: list[MonitoringReport] = []

    def submit(application: Application, fund: Fund) -> list[EventData]:
        filed.append(application.submit_report(report, principal.subject, now()))
        return [
            ev.MonitoringReportSubmitted(
                application_id=application.id,
                fund_id=fund.id,
                report_id=filed[0].id,
                financial_year=filed[0].financial_year,
                final=filed[0].final,
                spend_to_date_pence=filed[0].spend_to_date_pence,
                beneficiaries_reached=filed[0].beneficiaries_reached,
            )
        ]

    # The report's free text may name people: the audit keeps which report, not what it says.
    application = await change_application(
        uow,
        principal,
        application_id,
        "submit_monitoring_report",
        submit,
        applicant_may=True,
        financial_year=report.financial_year,
        final=report.final,
    )
    return application, filed[0]


async def review_monitoring_report(
    uow: UnitOfWork, principal: Principal, application_id: str, report_id: str, outcome: str, comments: str
) -> tuple[Application, MonitoringReport]:
    reviewed: list[MonitoringReport] = []

    def review(application: Application, fund: Fund) -> list[EventData]:
        if not any(r.id == report_id for r in application.monitoring_reports):
            raise Problem(
                404,
                "Monitoring report not found",
                f"Application {application.id} has no monitoring report {report_id}.",
            )
        reviewed.append(application.review_report(report_id, outcome, comments, principal.subject, now()))
        return [
            ev.MonitoringReportReviewed(
                application_id=application.id,
                fund_id=fund.id,
                report_id=report_id,
                financial_year=reviewed[0].financial_year,
                outcome=outcome,
            )
        ]

    application = await change_application(
        uow, principal, application_id, "review_monitoring_report", review, report_id=report_id, outcome=outcome
    )
    return application, reviewed[0]


# --- Erasure of personal data on request -----------------------------------------------------------


async def erase_personal_data(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    """Forget the applicant's contact; the grant, its ledger and its history stay.

    Stored replays of POST responses (``Idempotency-Key``) repeat the contact, so they go too.
    Neither the event nor the audit entry carries what was erased.
    """
    application, fund = await load_application(uow, principal, application_id, lock=True)
    at = now()
    application.erase_personal_data(principal.subject, at)
    await uow.session.execute(
        text("DELETE FROM idempotency_keys WHERE position(convert_to(:id, 'UTF8') in body) > 0"),
        {"id": application.id},
    )
    uow.emit(
        ev.ApplicationPersonalDataErased(application_id=application.id, fund_id=fund.id, erased_at=at),
        subject=application.id,
        council=application.council,
    )
    uow.audit(
        "grants.application.erase_personal_data",
        application.id,
        fields=["contact_name", "contact_email", "contact_phone"],
    )
    await uow.commit()
    return application


# --- Answers to other services (RPC) --------------------------------------------------------------


async def grantee_contact(request: GranteeContactRequest, uow: UnitOfWork) -> GranteeContact:
    """Who notifications writes to about an application: only within the council asked about; no contact once erased."""
    row = (
        await uow.session.execute(
            select(
                applications.c.organisation_name,
                applications.c.contact_name,
                applications.c.contact_email,
                applications.c.personal_data_erased_at,
            ).where(applications.c.id == request.application_id, applications.c.council == request.council)
        )
    ).first()
    if row is None:
        raise NotFound(f"no application {request.application_id} in council {request.council}")
    erased = row.personal_data_erased_at is not None
    return GranteeContact(
        application_id=request.application_id,
        organisation_name=row.organisation_name,
        contact=None if erased else Contact(name=row.contact_name, email=row.contact_email),
    )


grantee_contact_responder = Responder(GRANTEE_CONTACT, grantee_contact)
