"""Commands on an application by its applicant (or an officer for them): draft, revise, submit,
withdraw; and the erasure of the applicant's personal data on request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from services.grants.domain import Application, Fund
from services.grants.handlers.loading import (
    change_application,
    ensure_may_change,
    load_application,
    load_fund,
    wards_of_council,
)
from shared.auth import Principal
from shared.calendar import now
from shared.events import EventData
from shared.events.catalogue import grants as ev
from shared.unit_of_work import UnitOfWork


async def draft_application(
    uow: UnitOfWork, principal: Principal, fund_id: str, details: dict[str, Any]
) -> Application:
    # A shared lock: applications may be drafted side by side, but not while the fund is being closed.
    fund = await load_fund(uow, principal, fund_id, lock=True, shared=True)
    in_directory = await wards_of_council(uow, fund.council, details["ward_codes"])
    application = Application.draft(
        fund, applicant=principal.subject, wards_of_council=in_directory, now=now(), **details
    )
    uow.session.add(application)
    uow.emit(
        ev.ApplicationCreated(
            application_id=application.id,
            fund_id=fund.id,
            amount_requested_pence=application.amount_requested_pence,
            ward_codes=list(application.ward_codes),
            theme=application.theme,
        ),
        subject=application.id,
        council=application.council,
    )
    uow.audit("grants.application.create", application.id, fund_id=fund.id)
    await uow.commit()
    return application


async def revise_application(
    uow: UnitOfWork, principal: Principal, application_id: str, changes: dict[str, Any]
) -> Application:
    application, fund = await load_application(uow, principal, application_id, lock=True)
    ensure_may_change(principal, application)
    codes = changes.get("ward_codes", application.ward_codes)
    in_directory = await wards_of_council(uow, fund.council, codes)
    application.revise(fund, in_directory, now(), **changes)
    uow.emit(
        ev.ApplicationRevised(
            application_id=application.id,
            fund_id=fund.id,
            changed=sorted(changes),
            amount_requested_pence=application.amount_requested_pence,
            ward_codes=list(application.ward_codes),
            theme=application.theme,
        ),
        subject=application.id,
        council=application.council,
    )
    uow.audit("grants.application.revise", application.id, fields=sorted(changes))
    await uow.commit()
    return application


async def submit_application(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    # The ward check needs the database before the (synchronous) domain move runs.
    application, _ = await load_application(uow, principal, application_id)
    in_directory = await wards_of_council(uow, application.council, application.ward_codes)

    def submit(application: Application, fund: Fund) -> list[EventData]:
        application.submit(fund, in_directory, now())
        return [
            ev.ApplicationSubmitted(
                application_id=application.id,
                fund_id=fund.id,
                amount_requested_pence=application.amount_requested_pence,
                ward_codes=list(application.ward_codes),
                theme=application.theme,
            )
        ]

    return await change_application(uow, principal, application_id, "submit", submit, applicant_may=True)


async def withdraw_application(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def withdraw(application: Application, fund: Fund) -> list[EventData]:
        previous, released = application.withdraw(fund, now())
        return [
            ev.ApplicationWithdrawn(
                application_id=application.id, fund_id=fund.id, previous_status=previous, released_pence=released
            )
        ]

    return await change_application(uow, principal, application_id, "withdraw", withdraw, applicant_may=True)


async def erase_personal_data(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    """Forget the applicant's contact; the grant, its ledger and its history stay.

    Stored replays of POST responses (``Idempotency-Key``) repeat the contact, so they go too.
    Neither the event nor the audit entry carries what was erased.
    """
    application, fund = await load_application(uow, principal, application_id, lock=True)
    at = now()
    application.erase_personal_data(principal.subject, at)
    await uow.session.execute(
        text("DELETE FROM idempotency_keys WHERE position(convert_to(:id, 'UTF8') in body) > 0"),
        {"id": application.id},
    )
    uow.emit(
        ev.ApplicationPersonalDataErased(application_id=application.id, fund_id=fund.id, erased_at=at),
        subject=application.id,
        council=application.council,
    )
    uow.audit(
        "grants.application.erase_personal_data",
        application.id,
        fields=["contact_name", "contact_email", "contact_phone"],
    )
    await uow.commit()
    return application
