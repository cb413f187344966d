"""What grants answers other services over RPC: the grantee's contact, for notifications to write to."""

from __future__ import annotations

from sqlalchemy import select

from services.grants.tables import applications
from shared.messaging.rpc import NotFound, Responder
from shared.procedures import GRANTEE_CONTACT, Contact, GranteeContact, GranteeContactRequest
from shared.unit_of_work import UnitOfWork


async def grantee_contact(request: GranteeContactRequest, uow: UnitOfWork) -> GranteeContact:
    """Who notifications writes to about an application: only within the council asked about; no contact once erased."""
    row = (
        await uow.session.execute(
            select(
                applications.c.organisation_name,
                applications.c.contact_name,
                applications.c.contact_email,
                applications.c.personal_data_erased_at,
            ).where(applications.c.id == request.application_id, applications.c.council == request.council)
        )
    ).first()
    if row is None:
        raise NotFound(f"no application {request.application_id} in council {request.council}")
    erased = row.personal_data_erased_at is not None
    return GranteeContact(
        application_id=request.application_id,
        organisation_name=row.organisation_name,
        contact=None if erased else Contact(name=row.contact_name, email=row.contact_email),
    )


grantee_contact_responder = Responder(GRANTEE_CONTACT, grantee_contact)
