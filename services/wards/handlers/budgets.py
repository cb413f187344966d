"""Commands on devolved budgets: boundary sets in force, a year's budgets set, a member's CLF re-worked
when they are elected or stand down, CLF pooled into the ward budget; and the budgets' utilisation,
computed in the database."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy import Numeric, case, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import (
    BoundarySet,
    Budget,
    BudgetKind,
    BudgetsAlreadySet,
    NotYourFund,
    Pooling,
    Sharing,
    UnknownBudget,
    WardMember,
    boundary_set_in_force,
    clf_entitlement,
    days_as_member,
    pool,
    share_evenly,
    year_budgets,
)
from services.wards.tables import (
    boundary_sets,
    budget_poolings,
    budget_sharings,
    budget_years,
    ward_budgets,
    ward_members,
    wards,
)
from shared.calendar import FinancialYear, now
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork

# --- Boundary sets --------------------------------------------------------------------------------


_RECORD_BOUNDARY_SET = """
    INSERT INTO boundary_sets AS b (council, code, in_force_from) VALUES ($1, $2, $3)
    ON CONFLICT (council, code) DO UPDATE SET in_force_from = EXCLUDED.in_force_from
        WHERE b.in_force_from <> EXCLUDED.in_force_from
    RETURNING code
"""
_RECORD_BOUNDARY_SET_IF_NEW = """
    INSERT INTO boundary_sets (council, code, in_force_from) VALUES ($1, $2, $3)
    ON CONFLICT (council, code) DO NOTHING
    RETURNING code
"""


async def record_boundary_set(
    uow: UnitOfWork, council: str, code: str, in_force_from: date, *, only_if_new: bool = False
) -> BoundarySet:
    """A council's boundary set is in force from a day; a change is published, the same again is not.

    ``only_if_new``: the bundled reference set, recorded once and then left to the council to correct.
    """
    db = await uow.driver()
    changed = await db.fetchval(
        _RECORD_BOUNDARY_SET_IF_NEW if only_if_new else _RECORD_BOUNDARY_SET, council, code, in_force_from
    )
    if changed:
        uow.emit(ev.BoundarySetRecorded(code=code, in_force_from=in_force_from), subject=code, council=council)
        uow.audit("wards.boundary_set.record", code, in_force_from=in_force_from.isoformat())
    await uow.commit()
    return BoundarySet(council=council, code=code, in_force_from=in_force_from)


async def boundary_sets_of(session: AsyncSession, council: str) -> list[BoundarySet]:
    return list(
        (
            await session.scalars(
                select(BoundarySet).where(boundary_sets.c.council == council).order_by(boundary_sets.c.in_force_from)
            )
        ).all()
    )


# --- A year's budgets -----------------------------------------------------------------------------


async def set_year_budgets(
    uow: UnitOfWork,
    *,
    council: str,
    year: FinancialYear,
    revenue_total_pence: int,
    capital_total_pence: int,
    clf_per_member_pence: int,
) -> tuple[list[Sharing], list[Budget]]:
    """Set a year's budgets once: the revenue and capital totals shared evenly across the wards of the
    boundary set in force on 1 April, and each member's CLF by the council's rule."""
    session = uow.session
    in_force = boundary_set_in_force(await boundary_sets_of(session, council), year)
    codes = (
        await session.scalars(
            select(wards.c.gss_code).where(
                wards.c.local_authority_gss == council, wards.c.boundary_set == in_force.code
            )
        )
    ).all()
    sharings = [
        share_evenly(
            council=council, year=year, kind=kind, boundary_set=in_force.code, total_pence=total, gss_codes=codes
        )
        for kind, total in ((BudgetKind.REVENUE, revenue_total_pence), (BudgetKind.CAPITAL, capital_total_pence))
    ]
    members = (
        await session.scalars(
            select(WardMember).where(ward_members.c.council == council, ward_members.c.gss_code.in_(codes))
        )
    ).all()
    budgets = year_budgets(
        council=council, year=year, sharings=sharings, members=members, clf_per_member_pence=clf_per_member_pence
    )
    # The year's row first, claimed or not in one statement: two officers setting the same year at once
    # get one year of budgets and one refusal, never two sets of budgets.
    claimed = (
        await session.execute(
            insert(budget_years)
            .values(
                council=council,
                financial_year=year.label,
                clf_per_member_pence=clf_per_member_pence,
                set_by=uow.actor.subject,
                set_at=now(),
            )
            .on_conflict_do_nothing()
            .returning(budget_years.c.financial_year)
        )
    ).first()
    if claimed is None:
        raise BudgetsAlreadySet(f"The budgets of {year.label} are already set.", financial_year=year.label)
    for sharing in sharings:
        await session.execute(
            insert(budget_sharings).values(
                id=sharing.id,
                council=council,
                financial_year=year.label,
                kind=str(sharing.kind),
                boundary_set=sharing.boundary_set,
                total_pence=sharing.total_pence,
                ward_count=len(sharing.shares),
                share_pence=sharing.share_pence,
                remainder_pence=sharing.remainder_pence,
                remainder_wards=list(sharing.remainder_wards),
            )
        )
        uow.emit(
            ev.BudgetShared(
                sharing_id=sharing.id,
                financial_year=year.label,
                kind=sharing.kind.value,
                boundary_set=sharing.boundary_set,
                total_pence=sharing.total_pence,
                ward_count=len(sharing.shares),
                share_pence=sharing.share_pence,
                remainder_pence=sharing.remainder_pence,
                remainder_wards=list(sharing.remainder_wards),
            ),
            subject=sharing.id,
            council=council,
        )
    session.add_all(budgets)
    for budget in budgets:
        _allocated(uow, budget)
    uow.audit(
        "wards.budgets.set",
        year.label,
        revenue_total_pence=revenue_total_pence,
        capital_total_pence=capital_total_pence,
        clf_per_member_pence=clf_per_member_pence,
        boundary_set=in_force.code,
    )
    await uow.commit()
    return sharings, budgets


def _allocated(uow: UnitOfWork, budget: Budget) -> None:
    uow.emit(
        ev.BudgetAllocated(
            budget_id=budget.id,
            gss_code=budget.gss_code,
            financial_year=budget.financial_year,
            kind=BudgetKind(budget.kind).value,
            member_id=budget.member_id,
            allocated_pence=budget.allocated_pence,
        ),
        subject=budget.id,
        council=budget.council,
    )


async def rework_clf(uow: UnitOfWork, member: WardMember) -> None:
    """Apply the CLF rule to a member elected or standing down, in every year whose budgets are set:
    a CLF for a year they now serve in, or a CLF re-worked (never below what they already used).
    The caller commits, in the same transaction as the member's change."""
    session = uow.session
    for financial_year, per_member in await session.execute(
        select(budget_years.c.financial_year, budget_years.c.clf_per_member_pence).where(
            budget_years.c.council == member.council
        )
    ):
        year = FinancialYear.parse(financial_year)
        entitlement = clf_entitlement(member, year, per_member)
        clf = (
            await session.scalars(
                select(Budget)
                .where(ward_budgets.c.member_id == member.id, ward_budgets.c.financial_year == year.label)
                .with_for_update()
            )
        ).one_or_none()
        if clf is None and days_as_member(member, year):
            clf = Budget(
                council=member.council,
                gss_code=member.gss_code,
                financial_year=year.label,
                kind=BudgetKind.CLF,
                member_id=member.id,
                allocated_pence=entitlement,
            )
            session.add(clf)
            _allocated(uow, clf)
        elif clf is not None and clf.allocated_pence != entitlement:
            before = clf.allocated_pence
            clf.entitle(entitlement)
            if clf.allocated_pence != before:
                _allocated(uow, clf)


# --- Finding budgets ------------------------------------------------------------------------------


async def budget_of(session: AsyncSession, council: str, budget_id: str, *, lock: bool = False) -> Budget:
    """The budget, only within the council asking; ``lock`` takes its row lock for a change to its ledger."""
    query = select(Budget).where(ward_budgets.c.id == budget_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    budget = (await session.scalars(query)).one_or_none()
    if budget is None or budget.council != council:
        raise UnknownBudget(f"No budget {budget_id} in council {council}.", budget_id=budget_id)
    return budget


async def ward_budget(
    session: AsyncSession, council: str, gss_code: str, financial_year: str, kind: BudgetKind, *, lock: bool = False
) -> Budget:
    """A ward's revenue or capital budget for a year, locked for a change to its ledger when asked."""
    query = select(Budget).where(
        ward_budgets.c.council == council,
        ward_budgets.c.gss_code == gss_code,
        ward_budgets.c.financial_year == financial_year,
        ward_budgets.c.kind == str(kind),
        ward_budgets.c.member_id.is_(None),
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    budget = (await session.scalars(query)).one_or_none()
    if budget is None:
        raise UnknownBudget(
            f"Ward {gss_code} has no {kind} budget for {financial_year}: set the year's budgets first.",
            gss_code=gss_code,
            financial_year=financial_year,
            kind=str(kind),
        )
    return budget


async def acting_member(session: AsyncSession, council: str, member_subject: str | None) -> str | None:
    """The id of the ward member signed in with this token subject (``None``: nobody acting as a member).

    A ward member the council has not linked to their sign-in has no CLF to act on.
    """
    if member_subject is None:
        return None
    member_id = await session.scalar(
        select(ward_members.c.id).where(ward_members.c.council == council, ward_members.c.subject == member_subject)
    )
    if member_id is None:
        raise NotYourFund(
            "No ward member is recorded with your sign-in: an officer records it as the member's `subject`.",
            subject=member_subject,
        )
    return str(member_id)


# --- Pooling --------------------------------------------------------------------------------------


async def pool_clf(
    uow: UnitOfWork, *, council: str, budget_id: str, amount_pence: int, member_subject: str | None
) -> Pooling:
    """Pool CLF money into the ward's revenue budget of the same year; a member pools only their own CLF
    (``member_subject``: their token's subject; ``None`` for an officer recording the members' agreement)."""
    session = uow.session
    as_member = await acting_member(session, council, member_subject)
    clf = await budget_of(session, council, budget_id, lock=True)
    if as_member is not None and clf.member_id != as_member:
        raise NotYourFund("A ward member pools only their own Community Leadership Fund.", budget_id=budget_id)
    revenue = await ward_budget(session, council, clf.gss_code, clf.financial_year, BudgetKind.REVENUE, lock=True)
    pooling = pool(clf, revenue, amount_pence, pooled_by=uow.actor.subject)
    session.add(pooling)
    uow.emit(
        ev.BudgetPooled(
            pooling_id=pooling.id,
            gss_code=pooling.gss_code,
            financial_year=pooling.financial_year,
            from_budget_id=pooling.from_budget_id,
            to_budget_id=pooling.to_budget_id,
            member_id=pooling.member_id,
            amount_pence=pooling.amount_pence,
        ),
        subject=pooling.from_budget_id,  # the budget the money leaves: its events stay in order
        council=council,
    )
    uow.audit("wards.budget.pool", pooling.id, from_budget_id=clf.id, amount_pence=amount_pence)
    await uow.commit()
    return pooling


async def poolings_of(session: AsyncSession, budget: Budget) -> list[Pooling]:
    """The CLF money pooled into or out of a budget, oldest first: where a ward budget's pooled money came from."""
    query = (
        select(Pooling)
        .where((budget_poolings.c.to_budget_id == budget.id) | (budget_poolings.c.from_budget_id == budget.id))
        .order_by(budget_poolings.c.pooled_at, budget_poolings.c.id)
    )
    return list((await session.scalars(query)).all())


# --- Utilisation ----------------------------------------------------------------------------------

Scope = Literal["ward", "locality", "council"]


async def utilisation(session: AsyncSession, council: str, financial_year: str, by: Scope) -> list[dict[str, Any]]:
    """Committed and spent as a % of each budget type, per ward, per locality or council-wide, summed in the
    database. A budget's total includes CLF pooled into it and excludes CLF pooled out of it."""
    scope = {
        "ward": ward_budgets.c.gss_code,
        "locality": wards.c.locality,
        "council": ward_budgets.c.council,
    }[by]
    total = func.sum(ward_budgets.c.allocated_pence + ward_budgets.c.pooled_in_pence - ward_budgets.c.pooled_out_pence)
    committed, spent = func.sum(ward_budgets.c.committed_pence), func.sum(ward_budgets.c.spent_pence)
    percent = case(
        (total == 0, None),
        else_=func.round(cast(100 * (committed + spent), Numeric) / total, 1),
    )
    rows = await session.execute(
        select(
            scope.label("scope"),
            ward_budgets.c.kind,
            cast(total, Numeric).label("total"),
            cast(committed, Numeric).label("committed"),
            cast(spent, Numeric).label("spent"),
            percent.label("percent"),
        )
        .select_from(ward_budgets.join(wards, wards.c.gss_code == ward_budgets.c.gss_code))
        .where(ward_budgets.c.council == council, ward_budgets.c.financial_year == financial_year)
        .group_by(scope, ward_budgets.c.kind)
        .order_by(scope, ward_budgets.c.kind)
    )
    return [
        {
            "scope": row.scope,
            "kind": row.kind,
            "total_pence": int(row.total),
            "committed_pence": int(row.committed),
            "spent_pence": int(row.spent),
            "utilisation_percent": float(row.percent) if row.percent is not None else None,
        }
        for row in rows
    ]
