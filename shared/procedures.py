"""The procedures services answer for each other over RabbitMQ, with their request and response models.

Like the event catalogue, this is the contract both sides import: the answering
service registers a ``Responder`` for a procedure, a caller passes the procedure
to ``Runtime.call``. Unlike events, an answer may carry personal data — only to
the service that asked, and only for the council it asked about.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.messaging.rpc import Procedure, RpcRequest, RpcResponse

# --- grants ---------------------------------------------------------------------------------------


class GranteeContactRequest(RpcRequest):
    application_id: str


class Contact(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None
    email: str | None


class GranteeContact(RpcResponse):
    """The organisation behind an application and the person to write to (``None`` once erased on request)."""

    application_id: str
    organisation_name: str
    contact: Contact | None


GRANTEE_CONTACT = Procedure(
    "grants.grantee_contact",
    GranteeContactRequest,
    GranteeContact,
    description="Who to write to about an application: its organisation and contact. Not found outside its council.",
)


# --- wards ----------------------------------------------------------------------------------------


class WardMemberContactsRequest(RpcRequest):
    gss_code: str = Field(pattern=r"^[EWSN][0-9]{8}$")


class MemberContact(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    email: str


class WardMemberContacts(RpcResponse):
    """A ward and its current elected members, to write to (e.g. when the ward is behind on meetings)."""

    gss_code: str
    ward_name: str
    members: list[MemberContact]


WARD_MEMBER_CONTACTS = Procedure(
    "wards.member_contacts",
    WardMemberContactsRequest,
    WardMemberContacts,
    description="The current elected members of a ward and their emails. Not found for another council's ward.",
)


class SpendContactsRequest(RpcRequest):
    spend_request_id: str = Field(min_length=1, max_length=36)


class SpendContacts(RpcResponse):
    """Whom to write to about a spend request: the council's approvers (while it awaits them) and the current
    members of its ward (once it is decided)."""

    spend_request_id: str
    gss_code: str
    ward_name: str
    approvers: list[MemberContact]
    members: list[MemberContact]


SPEND_CONTACTS = Procedure(
    "wards.spend_contacts",
    SpendContactsRequest,
    SpendContacts,
    description="The approvers of a spend request and the members of its ward, with emails. Not found outside "
    "its council.",
)
