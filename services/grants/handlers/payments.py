"""Commands on the offer and its payment: offer, accept, approve and pay a tranche, cancel what is left."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.grants.domain import Application, Fund
from services.grants.handlers.loading import change_application
from shared.auth import Principal
from shared.calendar import now
from shared.events import EventData
from shared.events.catalogue import grants as ev
from shared.unit_of_work import UnitOfWork


async def offer_grant(
    uow: UnitOfWork,
    principal: Principal,
    application_id: str,
    conditions: Sequence[str],
    tranches: Sequence[tuple[int, date | None]],
) -> Application:
    def offer(application: Application, fund: Fund) -> list[EventData]:
        application.offer(conditions, tranches, now())
        return [
            ev.ApplicationOffered(
                application_id=application.id,
                fund_id=fund.id,
                amount_awarded_pence=application.amount_awarded_pence or 0,
                tranches=len(application.tranches),
            )
        ]

    return await change_application(uow, principal, application_id, "offer", offer)


async def accept_offer(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def accept(application: Application, fund: Fund) -> list[EventData]:
        application.accept(now())
        return [ev.ApplicationAccepted(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "accept", accept, applicant_may=True)


async def approve_tranche(uow: UnitOfWork, principal: Principal, application_id: str, sequence: int) -> Application:
    def approve(application: Application, fund: Fund) -> list[EventData]:
        application.tranche(sequence)  # no such tranche: refused before any state check
        tranche = application.approve_tranche(sequence, principal.subject, now())
        return [
            ev.TrancheApproved(
                application_id=application.id,
                fund_id=fund.id,
                tranche_id=tranche.id,
                sequence=tranche.sequence,
                amount_pence=tranche.amount_pence,
            )
        ]

    return await change_application(uow, principal, application_id, "approve_tranche", approve, sequence=sequence)


async def pay_tranche(uow: UnitOfWork, principal: Principal, application_id: str, sequence: int) -> Application:
    def pay(application: Application, fund: Fund) -> list[EventData]:
        application.tranche(sequence)  # no such tranche: refused before any state check
        shares = application.pay_tranche(fund, sequence, now())
        tranche = application.tranche(sequence)
        assert tranche.paid_at is not None
        events: list[EventData] = [
            ev.TranchePaid(
                application_id=application.id,
                fund_id=fund.id,
                tranche_id=tranche.id,
                sequence=tranche.sequence,
                amount_pence=tranche.amount_pence,
                funder_shares=[ev.FunderShare(contribution_id=c, amount_pence=a) for c, a in shares],
                paid_at=tranche.paid_at,
            )
        ]
        if application.status == "paid":
            events.append(
                ev.ApplicationPaid(
                    application_id=application.id, fund_id=fund.id, amount_paid_pence=application.amount_paid_pence
                )
            )
        return events

    return await change_application(uow, principal, application_id, "pay_tranche", pay, sequence=sequence)


async def cancel_remaining_tranches(
    uow: UnitOfWork, principal: Principal, application_id: str, reason: str
) -> Application:
    """An underspend: stop paying, and give what the unpaid tranches had committed back to the funders."""

    def cancel(application: Application, fund: Fund) -> list[EventData]:
        cancelled, released = application.cancel_remaining_tranches(fund, now())
        return [
            ev.RemainingTranchesCancelled(
                application_id=application.id,
                fund_id=fund.id,
                sequences=[t.sequence for t in cancelled],
                amount_paid_pence=application.amount_paid_pence,
                released_pence=sum(a for _, a in released),
                funder_shares=[ev.FunderShare(contribution_id=c, amount_pence=a) for c, a in released],
            ),
            ev.ApplicationPaid(
                application_id=application.id, fund_id=fund.id, amount_paid_pence=application.amount_paid_pence
            ),
        ]

    return await change_application(uow, principal, application_id, "cancel_remaining_tranches", cancel, reason=reason)
