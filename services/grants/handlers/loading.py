"""Loading what a command reads or changes: in the caller's council, as the caller may see it.

Every command loads what it changes under a row lock, taken fund first and then application,
so two decisions on one fund queue up behind each other and the ledger can never be
overcommitted. A record the caller may not see is refused as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import select

from services.grants.domain import (
    AWARDED,
    Application,
    ApplicationNotFound,
    Fund,
    FundNotFound,
    FundStatus,
    NotTheApplicant,
)
from services.grants.tables import applications, directory_wards, funds
from shared.auth import Principal
from shared.events import EventData
from shared.unit_of_work import UnitOfWork

# Roles that see every application and every fund of their council, drafts included (admin always does).
STAFF_ROLES = ("officer", "forum_member", "finance", "approver")
# Roles that read only what the council publishes: open and closed funds, and awarded grants without
# personal data. (An applicant sees published funds and its own applications.)
PUBLISHED_READERS = ("partner", "ward_member")
PUBLISHED_FUNDS = (FundStatus.OPEN, FundStatus.CLOSED)


async def wards_of_council(uow: UnitOfWork, council: str, codes: Collection[str]) -> set[str]:
    """Those of ``codes`` that grants' ward directory knows as wards of ``council``."""
    rows = await uow.session.scalars(
        select(directory_wards.c.gss_code).where(
            directory_wards.c.gss_code.in_(list(codes)), directory_wards.c.local_authority_gss == council
        )
    )
    return set(rows)


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
        raise FundNotFound(fund_id, principal.council)
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
        raise ApplicationNotFound(application_id, principal.council)
    fund = await load_fund(uow, principal, row.fund_id, lock=lock)
    query = select(Application).where(applications.c.id == application_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    application = (await uow.session.scalars(query)).one()
    return application, fund


def ensure_may_change(principal: Principal, application: Application) -> None:
    """The applicant changes their own application; an officer may act for them."""
    if application.applicant != principal.subject and not principal.has_any("officer"):
        raise NotTheApplicant()


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
