"""Commands on a fund: create it, open it, close it; and the daily check that opens and closes funds on their dates."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import or_, select

from services.grants.domain import Fund, FundStatus
from services.grants.handlers.loading import load_fund
from services.grants.tables import funds
from shared.auth import Principal
from shared.calendar import now
from shared.events.catalogue import grants as ev
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


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
