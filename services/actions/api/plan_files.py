"""``/v1/plans/{id}/export`` and ``/v1/plans/import``: a plan as a CSV file, out and back in.

The file's rows are described in ``services.actions.plan_file``; an export
re-imports to the same plan (as a new, draft plan of the importing council).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from services.actions import handlers
from services.actions.api.access import Officer, Reader
from services.actions.api.schemas import PlanOut
from services.actions.handlers.records import actions_in, milestones_in, objectives_of, priorities_of
from services.actions.plan_file import COLUMNS, write_plan
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])

MAX_FILE_BYTES = 2_000_000  # a plan of a few thousand rows; more is a mistake, not a plan
CSV = {"text/csv": {"schema": {"type": "string", "description": f"Columns: {', '.join(COLUMNS)}"}}}


@router.get("/plans/{plan_id}/export", summary="The plan as a CSV file", responses={200: {"content": CSV}})
async def get_export(plan_id: str, runtime: RuntimeDep, principal: Reader) -> Response:
    async with runtime.sessions() as session:
        plan = await handlers.plan_of(session, plan_id, principal.council)
        text = write_plan(
            plan,
            await priorities_of(session, plan.id),
            await objectives_of(session, plan.id),
            await actions_in(session, plan.id),
            await milestones_in(session, plan.id),
        )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan.id}.csv"'},
    )


@router.post(
    "/plans/import",
    status_code=status.HTTP_201_CREATED,
    summary="Import a plan from a CSV file: all of it, or nothing with every bad row named",
    openapi_extra={"requestBody": {"required": True, "content": CSV}},
)
async def post_import(request: Request, runtime: RuntimeDep, principal: Officer) -> PlanOut:
    if not request.headers.get("content-type", "").startswith("text/csv"):
        raise Problem(415, "Unsupported media type", "Send the plan as text/csv.", field="content-type")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FILE_BYTES:
            raise Problem(413, "Content too large", f"A plan file is at most {MAX_FILE_BYTES} bytes.", field="file")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(422, "Invalid request", "The file is not UTF-8 text.", field="file") from None
    async with runtime.uow(principal.actor) as uow:
        plan = await handlers.import_plan(uow, council=principal.council, text=text)
    return PlanOut.of(plan)
