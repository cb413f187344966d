"""Commands of the forum's assessment: start it, declare a conflict, score, recommend, decide."""

from __future__ import annotations

from services.grants.domain import Application, Fund
from services.grants.handlers.loading import change_application
from shared.auth import Principal
from shared.calendar import now
from shared.events import EventData
from shared.events.catalogue import grants as ev
from shared.unit_of_work import UnitOfWork


async def start_assessment(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def start(application: Application, fund: Fund) -> list[EventData]:
        application.start_assessment(now())
        return [ev.ApplicationAssessmentStarted(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "start_assessment", start)


async def declare_conflict(uow: UnitOfWork, principal: Principal, application_id: str, reason: str) -> Application:
    def declare(application: Application, fund: Fund) -> list[EventData]:
        application.declare_conflict(principal.subject, reason, now())
        return [
            ev.ApplicationConflictDeclared(
                application_id=application.id, fund_id=fund.id, conflicts_declared=len(application.conflicts)
            )
        ]

    return await change_application(uow, principal, application_id, "declare_conflict", declare, reason=reason)


async def score_application(
    uow: UnitOfWork, principal: Principal, application_id: str, marks: dict[str, int], comments: dict[str, str]
) -> Application:
    def score(application: Application, fund: Fund) -> list[EventData]:
        application.score(fund, principal.subject, marks, comments, now())
        return [
            ev.ApplicationScored(
                application_id=application.id, fund_id=fund.id, scores_counted=len(application.counted_scores)
            )
        ]

    return await change_application(uow, principal, application_id, "score", score, marks=marks)


async def recommend_application(
    uow: UnitOfWork, principal: Principal, application_id: str, recommended: bool, reasons: str
) -> Application:
    def recommend(application: Application, fund: Fund) -> list[EventData]:
        application.recommend(recommended, reasons, now())
        if recommended:
            return [ev.ApplicationRecommended(application_id=application.id, fund_id=fund.id)]
        return [ev.ApplicationNotRecommended(application_id=application.id, fund_id=fund.id)]

    return await change_application(
        uow, principal, application_id, "recommend", recommend, recommended=recommended, reasons=reasons
    )


async def decide_application(
    uow: UnitOfWork,
    principal: Principal,
    application_id: str,
    *,
    approve: bool,
    reasons: str,
    amount_awarded_pence: int | None = None,
) -> Application:
    """The panel's decision; an award is committed against the fund under the fund's row lock."""

    def decide(application: Application, fund: Fund) -> list[EventData]:
        at = now()
        if not approve:
            application.reject(fund, reasons=reasons, by=principal.subject, now=at)
            return [ev.ApplicationRejected(application_id=application.id, fund_id=fund.id, decided_at=at)]
        application.approve(fund, reasons=reasons, by=principal.subject, now=at, amount_pence=amount_awarded_pence)
        assert application.amount_awarded_pence is not None
        return [
            ev.ApplicationApproved(
                application_id=application.id,
                fund_id=fund.id,
                amount_awarded_pence=application.amount_awarded_pence,
                ward_codes=list(application.ward_codes),
                theme=application.theme,
                funder_shares=[
                    ev.FunderShare(contribution_id=c.contribution_id, amount_pence=c.amount_pence)
                    for c in application.commitments
                ],
                decided_at=at,
                title=application.title,
                recipient_organisation_name=application.organisation.name,
            )
        ]

    return await change_application(uow, principal, application_id, "decide", decide, approve=approve, reasons=reasons)
