"""Commands on resident engagement: record an activity (and the ward plan priority it informs), list a ward's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import Engagement, EngagementKind, record_engagement
from services.wards.handlers.plans import ensure_plan_priority
from services.wards.handlers.wards import ward_of
from services.wards.tables import engagements
from shared.calendar import today_in_london
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork


async def record_ward_engagement(
    uow: UnitOfWork,
    *,
    council: str,
    gss_code: str,
    kind: EngagementKind,
    held_on: date,
    place: str,
    people_reached: int,
    issues_raised: Sequence[str],
    priority_id: str | None,
) -> Engagement:
    ward = await ward_of(uow.session, council, gss_code)
    await ensure_plan_priority(uow.session, gss_code, priority_id)
    engagement = record_engagement(
        council=council,
        gss_code=gss_code,
        boundary_set=ward.boundary_set,
        kind=kind,
        held_on=held_on,
        place=place,
        people_reached=people_reached,
        issues_raised=issues_raised,
        priority_id=priority_id,
        today=today_in_london(),
        recorded_by=uow.actor.subject,
    )
    await uow.session.execute(
        insert(engagements).values(
            id=engagement.id,
            council=council,
            gss_code=gss_code,
            boundary_set=engagement.boundary_set,
            kind=str(engagement.kind),
            held_on=engagement.held_on,
            place=engagement.place,
            people_reached=engagement.people_reached,
            issues_raised=engagement.issues_raised,
            priority_id=engagement.priority_id,
            recorded_by=engagement.recorded_by,
            recorded_at=engagement.recorded_at,
        )
    )
    uow.emit(
        ev.EngagementRecorded(
            engagement_id=engagement.id,
            gss_code=gss_code,
            kind=str(engagement.kind),
            held_on=engagement.held_on,
            people_reached=engagement.people_reached,
            issue_count=len(engagement.issues_raised),
            priority_id=engagement.priority_id,
        ),
        subject=engagement.id,
        council=council,
    )
    uow.audit("wards.engagement.record", engagement.id, gss_code=gss_code, kind=str(engagement.kind))
    await uow.commit()
    return engagement


async def engagements_of(session: AsyncSession, council: str, gss_code: str) -> list[Engagement]:
    query = (
        select(engagements)
        .where(engagements.c.council == council, engagements.c.gss_code == gss_code)
        .order_by(engagements.c.held_on.desc(), engagements.c.id)
    )
    rows = (await session.execute(query)).all()
    return [Engagement(**{**r._mapping, "kind": EngagementKind(r.kind)}) for r in rows]
