"""Commands on funds and applications, and the ward directory consumer: one plain async function each.

The unit of work arrives as an argument. Every command loads what it changes
under a row lock, taken fund first and then application, so two decisions on
one fund queue up behind each other and the ledger can never be overcommitted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.grants.domain import Application, Fund
from services.grants.tables import applications, funds, known_wards
from shared.auth import Principal
from shared.events import Envelope, EventData
from shared.events.catalogue import grants as ev
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer
from shared.problems import Problem
from shared.unit_of_work import UnitOfWork

# Roles that see every application of their council (admin always does).
STAFF_ROLES = ("officer", "forum_member", "finance", "approver")


def now() -> datetime:
    return datetime.now(UTC)


# --- The ward directory ---------------------------------------------------------------------------


async def record_ward(envelope: Envelope, uow: UnitOfWork) -> None:
    """Keep grants' own copy of a ward as the wards service published it (latest wins)."""
    ward = envelope.payload()
    assert isinstance(ward, WardRegistered)
    values = {
        "name": ward.name,
        "local_authority_gss": ward.local_authority_gss,
        "boundary_set": ward.boundary_set,
    }
    await uow.session.execute(
        pg_insert(known_wards)
        .values(gss_code=ward.gss_code, **values)
        .on_conflict_do_update(index_elements=[known_wards.c.gss_code], set_=values)
    )


ward_directory = Consumer(
    "grants.ward-directory",
    ("wards.ward.registered.v1",),
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


def may_see(principal: Principal, application: Application) -> bool:
    return application.council == principal.council and (
        sees_every_application(principal) or application.applicant == principal.subject
    )


async def load_fund(
    uow: UnitOfWork, principal: Principal, fund_id: str, *, lock: bool = False, shared: bool = False
) -> Fund:
    """The fund of the principal's council; ``lock`` takes its row lock (``shared``: a share lock)."""
    query = select(Fund).where(funds.c.id == fund_id)
    if lock:
        query = query.with_for_update(read=shared).execution_options(populate_existing=True)
    fund = (await uow.session.scalars(query)).one_or_none()
    if fund is None or fund.council != principal.council:
        raise Problem(404, "Fund not found", f"No fund {fund_id} in council {principal.council}.")
    return fund


async def load_application(
    uow: UnitOfWork, principal: Principal, application_id: str, *, lock: bool = False
) -> tuple[Application, Fund]:
    """The application and its fund; locked (fund first) when the command may change either."""
    row = (
        await uow.session.execute(
            select(applications.c.fund_id, applications.c.council, applications.c.applicant).where(
                applications.c.id == application_id
            )
        )
    ).first()
    if (
        row is None
        or row.council != principal.council
        or not (sees_every_application(principal) or row.applicant == principal.subject)
    ):
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
