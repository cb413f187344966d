"""The RPC procedures the wards service answers: ``wards.member_contacts``, for notifications."""

from __future__ import annotations

from services.wards.domain import UnknownWard
from services.wards.handlers import members_of_ward, ward_of
from shared.calendar import today_in_london
from shared.messaging.rpc import NotFound, Responder
from shared.procedures import WARD_MEMBER_CONTACTS, MemberContact, WardMemberContacts, WardMemberContactsRequest
from shared.unit_of_work import UnitOfWork


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
