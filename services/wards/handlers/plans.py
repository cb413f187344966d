"""Commands on ward plans: the council's themes they align to, a plan drafted, revised and published (a
refresh publishes the next version; earlier versions stay readable), and the priority a spend request or
an engagement record names checked against the ward's published plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import (
    PlanAction,
    PlanStatus,
    Priority,
    UnknownPlan,
    UnknownPriority,
    WardPlan,
    draft_plan,
)
from services.wards.handlers.wards import ward_of
from services.wards.tables import council_themes, ward_plans
from shared.calendar import today_in_london
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork

# --- The council's themes -------------------------------------------------------------------------


async def set_council_themes(uow: UnitOfWork, council: str, themes: Sequence[str]) -> list[str]:
    """The themes of the council plan that ward priorities align to (replacing the last list)."""
    chosen = list(dict.fromkeys(t.strip() for t in themes if t.strip()))
    await uow.session.execute(delete(council_themes).where(council_themes.c.council == council))
    for position, theme in enumerate(chosen):
        await uow.session.execute(insert(council_themes).values(council=council, theme=theme, position=position))
    uow.audit("wards.council_themes.set", council, themes=chosen)
    await uow.commit()
    return chosen


async def themes_of(session: AsyncSession, council: str) -> list[str]:
    query = (
        select(council_themes.c.theme).where(council_themes.c.council == council).order_by(council_themes.c.position)
    )
    return list((await session.scalars(query)).all())


# --- Plans: stored with their priorities as JSON ---------------------------------------------------


def _priorities_json(priorities: Sequence[Priority]) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "title": p.title,
            "council_theme": p.council_theme,
            "actions": [
                {"title": a.title, "lead": a.lead, "due_on": a.due_on.isoformat() if a.due_on else None}
                for a in p.actions
            ],
        }
        for p in priorities
    ]


def _plan(row: Any) -> WardPlan:
    return WardPlan(
        council=row.council,
        gss_code=row.gss_code,
        boundary_set=row.boundary_set,
        version=row.version,
        period=row.period,
        priorities=[
            Priority(
                id=p["id"],
                title=p["title"],
                council_theme=p["council_theme"],
                actions=[
                    PlanAction(a["title"], a.get("lead"), date.fromisoformat(a["due_on"]) if a.get("due_on") else None)
                    for a in p["actions"]
                ],
            )
            for p in row.priorities
        ],
        engagement_strategy=row.engagement_strategy,
        drafted_by=row.drafted_by,
        status=PlanStatus(row.status),
        drafted_at=row.drafted_at,
        published_by=row.published_by,
        published_on=row.published_on,
        id=row.id,
    )


async def plan_versions(session: AsyncSession, gss_code: str, *, lock: bool = False) -> list[WardPlan]:
    query = select(ward_plans).where(ward_plans.c.gss_code == gss_code).order_by(ward_plans.c.version)
    if lock:
        query = query.with_for_update()
    return [_plan(r) for r in (await session.execute(query)).all()]


async def plan_version(session: AsyncSession, gss_code: str, version: int) -> WardPlan:
    row = (
        await session.execute(
            select(ward_plans).where(ward_plans.c.gss_code == gss_code, ward_plans.c.version == version)
        )
    ).one_or_none()
    if row is None:
        raise UnknownPlan(f"Ward {gss_code} has no plan version {version}.", gss_code=gss_code, version=version)
    return _plan(row)


async def published_plan(session: AsyncSession, gss_code: str) -> WardPlan | None:
    row = (
        await session.execute(
            select(ward_plans).where(ward_plans.c.gss_code == gss_code, ward_plans.c.status == PlanStatus.PUBLISHED)
        )
    ).one_or_none()
    return _plan(row) if row is not None else None


async def draft_ward_plan(
    uow: UnitOfWork,
    *,
    council: str,
    gss_code: str,
    period: str,
    priorities: Sequence[Priority],
    engagement_strategy: str,
) -> WardPlan:
    """The first version of a ward's plan, or the draft of its refresh (made under the ward's boundary set)."""
    ward = await ward_of(uow.session, council, gss_code)
    plan = draft_plan(
        council=council,
        gss_code=gss_code,
        boundary_set=ward.boundary_set,
        versions=await plan_versions(uow.session, gss_code, lock=True),
        period=period,
        priorities=priorities,
        engagement_strategy=engagement_strategy,
        themes=await themes_of(uow.session, council),
        drafted_by=uow.actor.subject,
    )
    await uow.session.execute(
        insert(ward_plans).values(
            id=plan.id,
            council=council,
            gss_code=gss_code,
            boundary_set=plan.boundary_set,
            version=plan.version,
            period=plan.period,
            priorities=_priorities_json(plan.priorities),
            engagement_strategy=plan.engagement_strategy,
            status=str(plan.status),
            drafted_by=plan.drafted_by,
            drafted_at=plan.drafted_at,
        )
    )
    _drafted(uow, plan)
    await uow.commit()
    return plan


def _drafted(uow: UnitOfWork, plan: WardPlan) -> None:
    uow.emit(
        ev.WardPlanDrafted(
            plan_id=plan.id, gss_code=plan.gss_code, plan_version=plan.version, priority_count=len(plan.priorities)
        ),
        subject=plan.id,
        council=plan.council,
    )
    uow.audit("wards.plan.draft", plan.id, gss_code=plan.gss_code, version=plan.version)


async def revise_ward_plan(
    uow: UnitOfWork,
    *,
    council: str,
    gss_code: str,
    version: int,
    period: str,
    priorities: Sequence[Priority],
    engagement_strategy: str,
) -> WardPlan:
    await ward_of(uow.session, council, gss_code)
    await plan_versions(uow.session, gss_code, lock=True)
    plan = await plan_version(uow.session, gss_code, version)
    plan.revise(
        period=period.strip(),
        priorities=priorities,
        engagement_strategy=engagement_strategy.strip(),
        themes=await themes_of(uow.session, council),
    )
    await uow.session.execute(
        update(ward_plans)
        .where(ward_plans.c.id == plan.id)
        .values(
            period=plan.period,
            priorities=_priorities_json(plan.priorities),
            engagement_strategy=plan.engagement_strategy,
        )
    )
    _drafted(uow, plan)
    await uow.commit()
    return plan


async def publish_ward_plan(uow: UnitOfWork, *, council: str, gss_code: str, version: int) -> WardPlan:
    """Publish the draft: public from now on; a refresh supersedes the version published before it."""
    await ward_of(uow.session, council, gss_code)
    versions = await plan_versions(uow.session, gss_code, lock=True)
    plan = next((v for v in versions if v.version == version), None)
    if plan is None:
        raise UnknownPlan(f"Ward {gss_code} has no plan version {version}.", gss_code=gss_code, version=version)
    earlier = next((v for v in versions if v.status == PlanStatus.PUBLISHED), None)
    plan.publish(uow.actor.subject, today_in_london(), earlier)
    if earlier is not None:
        await uow.session.execute(
            update(ward_plans).where(ward_plans.c.id == earlier.id).values(status=str(PlanStatus.SUPERSEDED))
        )
    await uow.session.execute(
        update(ward_plans)
        .where(ward_plans.c.id == plan.id)
        .values(status=str(plan.status), published_by=plan.published_by, published_on=plan.published_on)
    )
    assert plan.published_on is not None
    uow.emit(
        ev.WardPlanPublished(
            plan_id=plan.id,
            gss_code=gss_code,
            boundary_set=plan.boundary_set,
            plan_version=plan.version,
            refresh=earlier is not None,
            priority_ids=[p.id for p in plan.priorities],
            council_themes=sorted({p.council_theme for p in plan.priorities}),
            published_on=plan.published_on,
        ),
        subject=plan.id,
        council=council,
    )
    uow.audit("wards.plan.publish", plan.id, gss_code=gss_code, version=version, refresh=earlier is not None)
    await uow.commit()
    return plan


async def ensure_plan_priority(session: AsyncSession, gss_code: str, priority_id: str | None) -> None:
    """A spend request or engagement names a priority of the ward's published plan (or none)."""
    if priority_id is None:
        return
    plan = await published_plan(session, gss_code)
    if plan is None:
        raise UnknownPriority(
            f"Ward {gss_code} has no published plan, so no priority {priority_id}.", priority_id=priority_id
        )
    plan.priority(priority_id)
