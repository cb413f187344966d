"""The procedures services answer for each other over RabbitMQ, with their request and response models.

Like the event catalogue, this is the contract both sides import: the answering
service registers a ``Responder`` for a procedure, a caller passes the procedure
to ``Runtime.call``. Unlike events, an answer may carry personal data — only to
the service that asked, and only for the council it asked about.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

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
