"""Commands on wards, their members and meetings, the cadence clock and the answer to
``wards.member_contacts``: one plain function each; the unit of work arrives as an argument."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import (
    CadenceCheckpoint,
    Decision,
    MeetingsBehind,
    UnknownMember,
    UnknownWard,
    Ward,
    WardMeeting,
    WardMember,
    WardOfAnotherCouncil,
    cadence_checkpoint,
    meetings_behind,
    record_meeting,
)
from services.wards.tables import ward_meetings, ward_members, wards
from shared.calendar import LONDON, today_in_london
from shared.events.catalogue import wards as ev
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.rpc import NotFound, Responder
from shared.procedures import WARD_MEMBER_CONTACTS, MemberContact, WardMemberContacts, WardMemberContactsRequest
from shared.unit_of_work import Actor, UnitOfWork

SCHEDULER = Actor("system:wards-scheduler")

REFERENCE_WARDS = Path(__file__).parent / "reference" / "rotherham-wards-wd24.csv"


def read_reference_wards(path: Path = REFERENCE_WARDS) -> list[Ward]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Ward(
                gss_code=row["gss_code"],
                name=row["name"],
                local_authority_gss=row["local_authority_gss"],
                local_authority_name=row["local_authority_name"],
                boundary_set=row["boundary_set"],
                latitude=float(row["lat"]) if row.get("lat") else None,
                longitude=float(row["lon"]) if row.get("lon") else None,
            )
            for row in csv.DictReader(f)
        ]


# Every ward of a call in one statement: new codes inserted, changed wards of the same council
# updated. It returns exactly those codes: an unchanged ward, or another council's, comes back absent.
_REGISTER_WARDS = """
    INSERT INTO wards AS w
        (gss_code, name, local_authority_gss, local_authority_name, boundary_set, locality, latitude, longitude)
    SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                         $7::float8[], $8::float8[])
    ON CONFLICT (gss_code) DO UPDATE
        SET name = EXCLUDED.name, boundary_set = EXCLUDED.boundary_set, locality = EXCLUDED.locality,
            latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude
        WHERE w.local_authority_gss = EXCLUDED.local_authority_gss
          AND (w.name, w.boundary_set, w.locality, w.latitude, w.longitude) IS DISTINCT FROM
              (EXCLUDED.name, EXCLUDED.boundary_set, EXCLUDED.locality, EXCLUDED.latitude, EXCLUDED.longitude)
    RETURNING gss_code
"""
_OTHER_COUNCILS_CODES = """
    SELECT w.gss_code FROM wards w JOIN unnest($1::varchar[], $2::varchar[]) AS i(gss_code, council) USING (gss_code)
    WHERE w.local_authority_gss <> i.council ORDER BY 1
"""


async def register_wards(uow: UnitOfWork, incoming: Iterable[Ward]) -> list[Ward]:
    """Add new wards and update changed ones; each new or changed ward is published once.

    A code already registered to another council is refused, and the whole call with it:
    a council registers and renames only its own wards. The same code twice in one call
    counts once, as given last.
    """
    wards_by_code = {w.gss_code: w for w in incoming}
    given = list(wards_by_code.values())
    db = await uow.driver()
    changed_codes = {
        row["gss_code"]
        for row in await db.fetch(
            _REGISTER_WARDS,
            [w.gss_code for w in given],
            [w.name for w in given],
            [w.local_authority_gss for w in given],
            [w.local_authority_name for w in given],
            [w.boundary_set for w in given],
            [w.locality for w in given],
            [w.latitude for w in given],
            [w.longitude for w in given],
        )
    }
    unchanged = [w for w in given if w.gss_code not in changed_codes]
    if unchanged:
        taken = [
            row["gss_code"]
            for row in await db.fetch(
                _OTHER_COUNCILS_CODES, [w.gss_code for w in unchanged], [w.local_authority_gss for w in unchanged]
            )
        ]
        if taken:
            raise WardOfAnotherCouncil(
                f"Ward {', '.join(taken)} is registered to another council; a council registers only its own wards.",
                gss_codes=taken,
            )
    changed = [w for w in given if w.gss_code in changed_codes]
    for ward in changed:
        uow.emit(
            WardRegistered(
                gss_code=ward.gss_code,
                name=ward.name,
                local_authority_gss=ward.local_authority_gss,
                boundary_set=ward.boundary_set,
                locality=ward.locality,
                latitude=ward.latitude,
                longitude=ward.longitude,
            ),
            subject=ward.gss_code,
            council=ward.local_authority_gss,
        )
    uow.audit("wards.register", None, gss_codes=[w.gss_code for w in changed])
    await uow.commit()
    return changed


async def republish_wards(uow: UnitOfWork, council: str) -> int:
    """Publish every ward of a council again, so a new subscriber can build its copy."""
    rows = (await uow.session.scalars(select(Ward).where(wards.c.local_authority_gss == council))).all()
    for ward in rows:
        uow.emit(
            WardRegistered(
                gss_code=ward.gss_code,
                name=ward.name,
                local_authority_gss=ward.local_authority_gss,
                boundary_set=ward.boundary_set,
                locality=ward.locality,
                latitude=ward.latitude,
                longitude=ward.longitude,
            ),
            subject=ward.gss_code,
            council=council,
        )
    uow.audit("wards.republish", council, count=len(rows))
    await uow.commit()
    return len(rows)


async def ward_of(session: AsyncSession, council: str, gss_code: str) -> Ward:
    """The ward, only within the council asking; another council's ward is as unknown as a missing one."""
    ward = await session.get(Ward, gss_code)
    if ward is None or ward.local_authority_gss != council:
        raise UnknownWard(f"No ward {gss_code} in council {council}.", gss_code=gss_code)
    return ward


# --- Elected members ------------------------------------------------------------------------------


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


# --- Ward meetings --------------------------------------------------------------------------------


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
    """Record a ward meeting that took place; ``wards.meeting.held.v1`` says so."""
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
    await uow.commit()
    return meeting


# --- Meeting cadence ------------------------------------------------------------------------------

MEETINGS_BEHIND = "wards.ward.meetings_behind"


async def raise_cadence_notices(uow: UnitOfWork, today: date) -> list[MeetingsBehind]:
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
    raised: list[MeetingsBehind] = []
    for gss_code, council in every_ward:
        behind = meetings_behind(gss_code, checkpoint, held_on[gss_code], recording_since.get(council))
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


# --- Answers to other services --------------------------------------------------------------------


async def ward_member_contacts(request: WardMemberContactsRequest, uow: UnitOfWork) -> WardMemberContacts:
    """Whom to write to about a ward: its current members, only within the council asked about."""
    try:
        ward = await ward_of(uow.session, request.council, request.gss_code)
    except UnknownWard as exc:
        raise NotFound(exc.detail) from None
    today = today_in_london()
    members = [m for m in await members_of_ward(uow.session, ward.gss_code) if m.is_current(today)]
    return WardMemberContacts(
        gss_code=ward.gss_code,
        ward_name=ward.name,
        members=[MemberContact(name=m.name, email=m.email) for m in members],
    )


ward_member_contacts_responder = Responder(WARD_MEMBER_CONTACTS, ward_member_contacts)
