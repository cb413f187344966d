"""What neighbourhood working shows the public, without a token (``/v1/public``): a ward's published plan,
each earlier published version, and its place profile — "available to the public online" (IPSC, 2018).

Each answer carries an ``ETag`` and ``Cache-Control``; a request with a matching ``If-None-Match`` gets
``304 Not Modified`` and no body. Drafts are never public.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from services.wards.api.neighbourhood_schemas import PlanOut, ProfileOut
from services.wards.api.profiles import read_profile
from services.wards.domain import PlanStatus, UnknownPlan, UnknownWard
from services.wards.handlers import plan_versions
from services.wards.tables import wards
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/public/wards", tags=["public"])

CACHE_CONTROL = "public, max-age=300"
"""Five minutes: a plan or profile changes rarely, and a refresh is seen within five minutes."""


def cached(request: Request, model: BaseModel) -> Response:
    """The JSON with its strong ETag (a digest of the body); 304 when the client already has it."""
    body = model.model_dump_json().encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    given = request.headers.get("if-none-match", "")
    if given.strip() == "*" or etag in {tag.strip().removeprefix("W/") for tag in given.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def _council_of(runtime: RuntimeDep, gss_code: str) -> str:
    async with runtime.sessions() as session:
        council = await session.scalar(select(wards.c.local_authority_gss).where(wards.c.gss_code == gss_code))
    if council is None:
        raise UnknownWard(f"No ward {gss_code}.", gss_code=gss_code)
    return str(council)


async def _published(runtime: RuntimeDep, gss_code: str) -> list[PlanOut]:
    await _council_of(runtime, gss_code)
    async with runtime.sessions() as session:
        versions = await plan_versions(session, gss_code)
    return [PlanOut.of(v) for v in versions if v.status != PlanStatus.DRAFT]


@router.get("/{gss_code}/plan", summary="The ward's published plan (no token needed)", response_model=PlanOut)
async def public_plan(gss_code: str, request: Request, runtime: RuntimeDep) -> Response:
    current = [p for p in await _published(runtime, gss_code) if p.status == PlanStatus.PUBLISHED]
    if not current:
        raise UnknownPlan(f"Ward {gss_code} has no published plan.", gss_code=gss_code)
    return cached(request, current[0])


@router.get(
    "/{gss_code}/plan/versions/{version}",
    summary="A published version of the ward's plan, current or earlier (no token needed)",
    response_model=PlanOut,
)
async def public_plan_version(gss_code: str, version: int, request: Request, runtime: RuntimeDep) -> Response:
    for plan in await _published(runtime, gss_code):
        if plan.version == version:
            return cached(request, plan)
    raise UnknownPlan(f"Ward {gss_code} has no published plan version {version}.", gss_code=gss_code, version=version)


@router.get("/{gss_code}/profile", summary="The ward's place profile (no token needed)", response_model=ProfileOut)
async def public_profile(gss_code: str, request: Request, runtime: RuntimeDep) -> Response:
    council = await _council_of(runtime, gss_code)
    return cached(request, await read_profile(runtime, council, gss_code))
