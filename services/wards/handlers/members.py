"""Commands on elected members: elect, stand down, and find them within a ward of the council asking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import UnknownMember, WardMember
from services.wards.handlers.budgets import rework_clf
from services.wards.handlers.wards import ward_of
from services.wards.tables import ward_members
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork


async def elect_member(uow: UnitOfWork, member: WardMember) -> WardMember:
    await ward_of(uow.session, member.council, member.gss_code)
    uow.session.add(member)
    uow.emit(
        ev.MemberElected(
            member_id=member.id,
            gss_code=member.gss_code,
            term_starts_on=member.term_starts_on,
            term_ends_on=member.term_ends_on,
        ),
        subject=member.id,
        council=member.council,
    )
    uow.audit("wards.member.elect", member.id, gss_code=member.gss_code)
    await uow.session.flush()  # the member before a CLF that names them
    await rework_clf(uow, member)
    await uow.commit()
    return member


async def member_of(session: AsyncSession, council: str, gss_code: str, member_id: str) -> WardMember:
    member = await session.get(WardMember, member_id, with_for_update=True)
    if member is None or member.council != council or member.gss_code != gss_code:
        raise UnknownMember(f"No member {member_id} of ward {gss_code}.", member_id=member_id)
    return member


async def stand_down_member(uow: UnitOfWork, council: str, gss_code: str, member_id: str, on: date) -> WardMember:
    await ward_of(uow.session, council, gss_code)
    member = await member_of(uow.session, council, gss_code, member_id)
    member.stand_down(on)
    uow.emit(
        ev.MemberStoodDown(member_id=member.id, gss_code=gss_code, stood_down_on=on),
        subject=member.id,
        council=council,
    )
    uow.audit("wards.member.stand_down", member.id, gss_code=gss_code, stood_down_on=on.isoformat())
    await rework_clf(uow, member)
    await uow.commit()
    return member


async def members_of_ward(session: AsyncSession, gss_code: str) -> Sequence[WardMember]:
    return (
        await session.scalars(
            select(WardMember)
            .where(ward_members.c.gss_code == gss_code)
            .order_by(ward_members.c.name, ward_members.c.id)
        )
    ).all()
