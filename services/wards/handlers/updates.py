"""Commands on quarterly updates: a ward submits its update to the portfolio Cabinet Member, and the
clock raises each missing one once (``wards.quarterly_update.overdue.v1``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import QuarterlyUpdate, UpdateAlreadySubmitted, latest_due, submit_update
from services.wards.handlers.wards import ward_of
from services.wards.tables import quarterly_updates, wards
from shared.calendar import LONDON, FinancialYear, today_in_london
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork

UPDATE_OVERDUE = "wards.quarterly_update.overdue"


async def submit_quarterly_update(
    uow: UnitOfWork,
    *,
    council: str,
    gss_code: str,
    year: FinancialYear,
    quarter: int,
    progress: str,
    spend_pence: int,
    issues: Sequence[str],
) -> QuarterlyUpdate:
    """One update per ward and quarter; a second is refused (the first stands)."""
    ward = await ward_of(uow.session, council, gss_code)
    update = submit_update(
        council=council,
        gss_code=gss_code,
        boundary_set=ward.boundary_set,
        year=year,
        quarter=quarter,
        progress=progress,
        spend_pence=spend_pence,
        issues=issues,
        today=today_in_london(),
        submitted_by=uow.actor.subject,
    )
    claimed = (
        await uow.session.execute(
            insert(quarterly_updates)
            .values(
                id=update.id,
                council=council,
                gss_code=gss_code,
                boundary_set=update.boundary_set,
                financial_year=update.financial_year,
                quarter=quarter,
                progress=update.progress,
                spend_pence=update.spend_pence,
                issues=update.issues,
                submitted_by=update.submitted_by,
                submitted_at=update.submitted_at,
            )
            .on_conflict_do_nothing()
            .returning(quarterly_updates.c.id)
        )
    ).first()
    if claimed is None:
        raise UpdateAlreadySubmitted(
            f"Ward {gss_code} already sent its update for Q{quarter} of {year.label}.",
            gss_code=gss_code,
            financial_year=year.label,
            quarter=quarter,
        )
    uow.emit(
        ev.QuarterlyUpdateSubmitted(
            update_id=update.id,
            gss_code=gss_code,
            financial_year=update.financial_year,
            quarter=quarter,
            spend_pence=update.spend_pence,
            issue_count=len(update.issues),
        ),
        subject=update.id,
        council=council,
    )
    uow.audit("wards.update.submit", update.id, gss_code=gss_code, financial_year=year.label, quarter=quarter)
    await uow.commit()
    return update


def _update(row: Any) -> QuarterlyUpdate:
    return QuarterlyUpdate(**row._mapping)


async def updates_of(session: AsyncSession, council: str, gss_code: str) -> list[QuarterlyUpdate]:
    query = (
        select(quarterly_updates)
        .where(quarterly_updates.c.council == council, quarterly_updates.c.gss_code == gss_code)
        .order_by(quarterly_updates.c.financial_year.desc(), quarterly_updates.c.quarter.desc())
    )
    return [_update(r) for r in (await session.execute(query)).all()]


async def raise_overdue_updates(uow: UnitOfWork, today: date) -> list[tuple[str, str]]:
    """Raise ``wards.quarterly_update.overdue.v1`` for each ward without an update for the latest quarter due.

    Once per ward and quarter, ever: the occurrence is claimed in the same transaction as the event, so a
    restart or a second instance raises nothing twice. A council is judged once it has sent its first update
    here, on or before the due date (a council not using quarterly updates here is not told every ward is late).
    """
    due = latest_due(today)
    started = {
        council: first.astimezone(LONDON).date()
        for council, first in await uow.session.execute(
            select(quarterly_updates.c.council, func.min(quarterly_updates.c.submitted_at)).group_by(
                quarterly_updates.c.council
            )
        )
    }
    sent = set(
        (
            await uow.session.scalars(
                select(quarterly_updates.c.gss_code).where(
                    quarterly_updates.c.financial_year == due.year.label, quarterly_updates.c.quarter == due.quarter
                )
            )
        ).all()
    )
    every_ward = (
        await uow.session.execute(select(wards.c.gss_code, wards.c.local_authority_gss).order_by(wards.c.gss_code))
    ).all()
    raised: list[tuple[str, str]] = []
    for gss_code, council in every_ward:
        since = started.get(council)
        if since is None or since > due.due_on or gss_code in sent:
            continue
        if not await uow.first_occurrence(UPDATE_OVERDUE, f"{gss_code}:{due.key}"):
            continue
        uow.emit(
            ev.QuarterlyUpdateOverdue(
                gss_code=gss_code, financial_year=due.year.label, quarter=due.quarter, due_on=due.due_on
            ),
            subject=gss_code,
            council=council,
        )
        raised.append((gss_code, due.key))
    if raised:
        uow.audit("wards.update.overdue", None, as_of=today.isoformat(), due=due.key, wards=[g for g, _ in raised])
    await uow.commit()
    return raised
