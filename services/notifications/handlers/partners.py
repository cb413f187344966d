"""Partners: registering a partner organisation of a council."""

from __future__ import annotations

from sqlalchemy import select

from services.notifications.domain import Partner, PartnerExists
from services.notifications.tables import partners
from shared.events.catalogue.notifications import PartnerRegistered
from shared.unit_of_work import UnitOfWork


async def register_partner(uow: UnitOfWork, partner: Partner) -> Partner:
    """Register a partner organisation; a council has one partner per organisation."""
    clash = await uow.session.scalar(
        select(Partner).where(partners.c.council == partner.council, partners.c.organisation == partner.organisation)
    )
    if clash is not None:
        raise PartnerExists(partner.organisation, clash.id)
    uow.session.add(partner)
    uow.emit(
        PartnerRegistered(partner_id=partner.id, organisation=partner.organisation),
        subject=partner.id,
        council=partner.council,
    )
    uow.audit("notifications.partner.register", partner.id, organisation=partner.organisation)
    await uow.commit()
    return partner
