"""Commands on boards and forums: form one, change who sits on it."""

from __future__ import annotations

from collections.abc import Sequence

from services.actions.domain import Body, BodyKind, Member
from services.actions.handlers.records import body_of
from shared.events.catalogue.actions import BodyFormed, BodyMembershipChanged
from shared.unit_of_work import UnitOfWork


async def form_body(
    uow: UnitOfWork,
    *,
    council: str,
    kind: BodyKind,
    name: str,
    chair: str,
    terms_of_reference: str,
    members: Sequence[Member],
) -> Body:
    body = Body(
        council=council, kind=kind, name=name, chair=chair, terms_of_reference=terms_of_reference, members=list(members)
    )
    added_body(uow, body)
    await uow.commit()
    return body


def added_body(uow: UnitOfWork, body: Body) -> None:
    """Stage a new board or forum with its event and audit entry (the caller commits)."""
    uow.session.add(body)
    uow.emit(
        BodyFormed(body_id=body.id, kind=body.kind, member_count=len(body.members)),
        subject=body.id,
        council=body.council,
    )
    uow.audit("actions.body.form", body.id, name=body.name, kind=body.kind)


async def set_body_members(uow: UnitOfWork, *, body_id: str, council: str, members: Sequence[Member]) -> Body:
    body = await body_of(uow.session, body_id, council, for_update=True)
    body.set_members(members)
    uow.emit(BodyMembershipChanged(body_id=body.id, member_count=len(body.members)), subject=body.id, council=council)
    uow.audit("actions.body.members", body.id, member_count=len(body.members))
    await uow.commit()
    return body
