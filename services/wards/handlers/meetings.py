"""Commands on ward meetings: record one held, find one, and raise the wards behind the meeting cadence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import (
    CadenceCheckpoint,
    CadenceShortfall,
    Decision,
    UnknownMeeting,
    WardMeeting,
    cadence_checkpoint,
    cadence_shortfall,
    record_meeting,
)
from services.wards.handlers.members import members_of_ward
from services.wards.handlers.spending import request_spending_for_decisions
from services.wards.handlers.wards import ward_of
from services.wards.tables import ward_meetings, wards
from shared.calendar import LONDON, today_in_london
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork


async def hold_meeting(
    uow: UnitOfWork,
    *,
    council: str,
    gss_code: str,
    held_on: date,
    attendee_member_ids: Sequence[str],
    other_attendees: int,
    decisions: Sequence[Decision],
    minutes: str,
) -> WardMeeting:
    """Record a ward meeting that took place; ``wards.meeting.held.v1`` says so. Each decision allocating
    money becomes its spend request in the same transaction: refused, for want of a budget or its room,
    the whole meeting is refused and nothing is recorded."""
    await ward_of(uow.session, council, gss_code)
    meeting = record_meeting(
        gss_code=gss_code,
        council=council,
        held_on=held_on,
        today=today_in_london(),
        attendee_member_ids=attendee_member_ids,
        other_attendees=other_attendees,
        decisions=decisions,
        minutes=minutes,
        members=await members_of_ward(uow.session, gss_code),
        recorded_by=uow.actor.subject,
    )
    uow.session.add(meeting)
    uow.emit(
        ev.MeetingHeld(
            meeting_id=meeting.id,
            gss_code=gss_code,
            held_on=held_on,
            decision_count=len(meeting.decisions),
            budget_allocated_pence=meeting.budget_allocated_pence,
        ),
        subject=meeting.id,
        council=council,
    )
    uow.audit("wards.meeting.record", meeting.id, gss_code=gss_code, held_on=held_on.isoformat())
    await uow.session.flush()  # the meeting before the spend requests that name it
    await request_spending_for_decisions(uow, meeting)
    await uow.commit()
    return meeting


async def meeting_of(session: AsyncSession, gss_code: str, meeting_id: str) -> WardMeeting:
    """A meeting of the ward (the caller has found the ward within their council)."""
    meeting = await session.get(WardMeeting, meeting_id)
    if meeting is None or meeting.gss_code != gss_code:
        raise UnknownMeeting(f"No meeting {meeting_id} of ward {gss_code}.", meeting_id=meeting_id)
    return meeting


# --- Meeting cadence ------------------------------------------------------------------------------

MEETINGS_BEHIND = "wards.ward.meetings_behind"


async def raise_cadence_notices(uow: UnitOfWork, today: date) -> list[CadenceShortfall]:
    """Raise ``wards.ward.meetings_behind.v1`` for each ward behind at the latest quarter checkpoint.

    Once per ward, financial year and checkpoint, ever: the occurrence is claimed in
    the same transaction as the event, so a restart or a second instance raises nothing twice.
    """
    checkpoint: CadenceCheckpoint = cadence_checkpoint(today)
    every_ward = (
        await uow.session.execute(select(wards.c.gss_code, wards.c.local_authority_gss).order_by(wards.c.gss_code))
    ).all()
    recording_since = {
        council: first.astimezone(LONDON).date()
        for council, first in await uow.session.execute(
            select(ward_meetings.c.council, func.min(ward_meetings.c.recorded_at)).group_by(ward_meetings.c.council)
        )
    }
    held_on: dict[str, list[date]] = defaultdict(list)
    for gss_code, day in await uow.session.execute(
        select(ward_meetings.c.gss_code, ward_meetings.c.held_on).where(
            ward_meetings.c.held_on.between(checkpoint.year.starts_on, checkpoint.as_of)
        )
    ):
        held_on[gss_code].append(day)
    raised: list[CadenceShortfall] = []
    for gss_code, council in every_ward:
        behind = cadence_shortfall(gss_code, checkpoint, held_on[gss_code], recording_since.get(council))
        if behind is None or not await uow.first_occurrence(MEETINGS_BEHIND, f"{gss_code}:{checkpoint.key}"):
            continue
        uow.emit(
            ev.MeetingsBehind(
                gss_code=gss_code,
                financial_year=checkpoint.year.label,
                quarter=checkpoint.quarter,
                meetings_held=behind.meetings_held,
                meetings_expected=behind.meetings_expected,
                as_of=checkpoint.as_of,
            ),
            subject=gss_code,
            council=council,
        )
        raised.append(behind)
    if raised:
        uow.audit(
            "wards.cadence.behind",
            None,
            as_of=today.isoformat(),
            checkpoint=checkpoint.key,
            wards=[b.gss_code for b in raised],
        )
    await uow.commit()
    return raised
