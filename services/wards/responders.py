"""The RPC procedures the wards service answers, for notifications: ``wards.member_contacts`` (a ward's
current members) and ``wards.spend_contacts`` (a spend request's approvers and its ward's members)."""

from __future__ import annotations

from services.wards.domain import UnknownSpendRequest, UnknownWard
from services.wards.handlers import approvers_of, members_of_ward, spend_request_of, ward_of
from shared.calendar import today_in_london
from shared.messaging.rpc import NotFound, Responder
from shared.procedures import (
    SPEND_CONTACTS,
    WARD_MEMBER_CONTACTS,
    MemberContact,
    SpendContacts,
    SpendContactsRequest,
    WardMemberContacts,
    WardMemberContactsRequest,
)
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


async def spend_contacts(request: SpendContactsRequest, uow: UnitOfWork) -> SpendContacts:
    """Whom to write to about a spend request: its council's approvers and its ward's current members."""
    try:
        spend = await spend_request_of(uow.session, request.council, request.spend_request_id)
    except UnknownSpendRequest as exc:
        raise NotFound(exc.detail) from None
    ward = await ward_of(uow.session, request.council, spend.gss_code)
    today = today_in_london()
    members = [m for m in await members_of_ward(uow.session, ward.gss_code) if m.is_current(today)]
    return SpendContacts(
        spend_request_id=spend.id,
        gss_code=ward.gss_code,
        ward_name=ward.name,
        approvers=[MemberContact(name=a.name, email=a.email) for a in await approvers_of(uow.session, request.council)],
        members=[MemberContact(name=m.name, email=m.email) for m in members],
    )


spend_contacts_responder = Responder(SPEND_CONTACTS, spend_contacts)
