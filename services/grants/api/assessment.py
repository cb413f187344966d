"""An application's assessment: started by an officer, scored by the forum (conflicts declared),
recommended, and decided by the panel.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.grants import handlers
from services.grants.api.access import ForumMember, Officer, OfficerOrForumMember
from services.grants.api.schemas import ApplicationOut, ConflictIn, DecisionIn, RecommendationIn, ScoreIn
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["grants"])


@router.post("/applications/{application_id}/assessment", summary="Start the forum's assessment")
async def post_assessment(application_id: str, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.start_assessment(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/conflicts", summary="Declare your conflict of interest")
async def post_conflict(
    application_id: str, body: ConflictIn, runtime: RuntimeDep, principal: ForumMember
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.declare_conflict(uow, principal, application_id, body.reason)
    return ApplicationOut.of(application, principal)


@router.put("/applications/{application_id}/scores/mine", summary="Record (or replace) your scores")
async def put_score(application_id: str, body: ScoreIn, runtime: RuntimeDep, principal: ForumMember) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.score_application(uow, principal, application_id, body.marks, body.comments)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/recommendation", summary="Recommend (or not) to the panel")
async def post_recommendation(
    application_id: str, body: RecommendationIn, runtime: RuntimeDep, principal: Officer
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.recommend_application(
            uow, principal, application_id, body.recommended, body.reasons
        )
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/decision", summary="Record the panel's decision (needs quorum)")
async def post_decision(
    application_id: str,
    body: DecisionIn,
    runtime: RuntimeDep,
    principal: OfficerOrForumMember,
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.decide_application(
            uow,
            principal,
            application_id,
            approve=body.outcome == "approved",
            reasons=body.reasons,
            amount_awarded_pence=body.amount_awarded_pence,
        )
    return ApplicationOut.of(application, principal)
