"""What the wards service listens to: grants' awards, so that each ward's place profile shows the grants
awarded in it, kept current as they are paid, cut short or withdrawn."""

from __future__ import annotations

from services.wards.domain import WardGrant
from services.wards.handlers import grant_awarded, grant_changed
from shared.calendar import today_in_london
from shared.events import Envelope
from shared.events.catalogue import grants as ev
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork

GRANT_EVENTS = (
    ev.ApplicationApproved.event_type,
    ev.ApplicationPaid.event_type,
    ev.RemainingTranchesCancelled.event_type,
    ev.ApplicationWithdrawn.event_type,
)


async def keep_ward_grants(envelope: Envelope, uow: UnitOfWork) -> None:
    """One row per grant and ward it benefits; the runtime commits it with the inbox record, so a
    redelivered event changes nothing twice."""
    council = envelope.council
    if not council:
        return
    data = envelope.data
    match envelope.type:
        case ev.ApplicationApproved.event_type:
            approved = ev.ApplicationApproved.model_validate(data)
            for gss_code in dict.fromkeys(approved.ward_codes):
                await grant_awarded(
                    uow.session,
                    WardGrant(
                        application_id=approved.application_id,
                        gss_code=gss_code,
                        council=council,
                        fund_id=approved.fund_id,
                        amount_awarded_pence=approved.amount_awarded_pence,
                        awarded_on=today_in_london(approved.decided_at),
                        title=approved.title,
                        recipient_name=approved.recipient_organisation_name,
                        theme=approved.theme,
                    ),
                )
        case ev.ApplicationPaid.event_type:
            paid = ev.ApplicationPaid.model_validate(data)
            await grant_changed(
                uow.session, council, paid.application_id, status="paid", amount_paid_pence=paid.amount_paid_pence
            )
        case ev.RemainingTranchesCancelled.event_type:
            cut = ev.RemainingTranchesCancelled.model_validate(data)
            await grant_changed(
                uow.session,
                council,
                cut.application_id,
                status="paid",
                amount_awarded_pence=cut.amount_paid_pence,
                amount_paid_pence=cut.amount_paid_pence,
            )
        case ev.ApplicationWithdrawn.event_type:
            withdrawn = ev.ApplicationWithdrawn.model_validate(data)
            await grant_changed(uow.session, council, withdrawn.application_id, status="withdrawn")


ward_grants = Consumer(
    name="wards.ward-grants",
    bindings=GRANT_EVENTS,
    handle=keep_ward_grants,
    description="Keeps the grants awarded in each ward for its place profile (awarded, paid, cut short, withdrawn).",
)

CONSUMERS: tuple[Consumer, ...] = (ward_grants,)
