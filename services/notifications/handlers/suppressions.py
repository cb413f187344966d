"""The suppression list: addresses of a council that must never be emailed."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import func, select

from services.notifications.domain import Suppression, normalised_address
from services.notifications.tables import suppressions
from shared import calendar
from shared.events.catalogue.notifications import SuppressionAdded, SuppressionRemoved
from shared.unit_of_work import UnitOfWork


async def suppressed(uow: UnitOfWork, council: str, address: str) -> bool:
    found = await uow.session.scalar(
        select(func.count())
        .select_from(suppressions)
        .where(suppressions.c.council == council, suppressions.c.address == normalised_address(address))
    )
    return bool(found)


async def add_suppression(
    uow: UnitOfWork, council: str, address: str, reason: Literal["requested", "user_unknown"]
) -> Suppression:
    """Put an address on the council's list (idempotent: an address already there keeps its entry)."""
    address = normalised_address(address)
    existing = await uow.session.scalar(
        select(Suppression).where(suppressions.c.council == council, suppressions.c.address == address)
    )
    if existing is not None:
        return existing
    suppression = Suppression(str(uuid.uuid4()), council, address, reason, calendar.now())
    uow.session.add(suppression)
    uow.emit(
        SuppressionAdded(suppression_id=suppression.id, reason=reason),
        subject=suppression.id,
        council=council,
    )
    uow.audit("notifications.suppression.add", suppression.id, reason=reason)
    return suppression


async def remove_suppression(uow: UnitOfWork, suppression: Suppression) -> None:
    await uow.session.delete(suppression)
    uow.emit(SuppressionRemoved(suppression_id=suppression.id), subject=suppression.id, council=suppression.council)
    uow.audit("notifications.suppression.remove", suppression.id)
