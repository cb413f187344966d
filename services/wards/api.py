"""The wards HTTP API (``/v1/wards``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.wards.domain import Locality, Ward
from services.wards.handlers import register_wards, republish_wards
from services.wards.tables import wards
from shared.auth import Authenticated, Principal, require
from shared.http import Page, PageParams, make_page, page_params
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["wards"])

GSS_PATTERN = r"^[EWSN][0-9]{8}$"


class WardOut(BaseModel):
    gss_code: str
    name: str
    local_authority_gss: str
    local_authority_name: str
    boundary_set: str
    locality: Locality | None
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, ward: Ward) -> WardOut:
        return cls.model_validate(ward, from_attributes=True)


class WardIn(BaseModel):
    gss_code: str = Field(pattern=GSS_PATTERN, examples=["E05012996"])
    name: str = Field(min_length=1, max_length=200)
    local_authority_name: str = Field(min_length=1, max_length=200)
    boundary_set: str = Field(min_length=1, max_length=20, examples=["WD24"])
    locality: Locality | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


@router.get("", summary="Wards of your council")
async def list_wards(
    runtime: RuntimeDep, principal: Authenticated, page: Annotated[PageParams, Depends(page_params)]
) -> Page[WardOut]:
    async with runtime.sessions() as session:
        rows = (
            await session.scalars(
                select(Ward)
                .where(wards.c.local_authority_gss == principal.council)
                .order_by(wards.c.name)
                .offset(page.offset)
                .limit(page.limit + 1)
            )
        ).all()
    return make_page([WardOut.of(w) for w in rows], page)


@router.get("/{gss_code}", summary="One ward")
async def get_ward(gss_code: str, runtime: RuntimeDep, principal: Authenticated) -> WardOut:
    async with runtime.sessions() as session:
        ward = await session.get(Ward, gss_code)
    if ward is None or ward.local_authority_gss != principal.council:
        raise Problem(404, "Ward not found", f"No ward {gss_code} in council {principal.council}.")
    return WardOut.of(ward)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register or update wards of your council")
async def post_wards(
    body: list[WardIn], runtime: RuntimeDep, principal: Annotated[Principal, Depends(require("admin", "officer"))]
) -> list[WardOut]:
    wards = [Ward(local_authority_gss=principal.council, **w.model_dump()) for w in body]
    async with runtime.uow(principal.actor) as uow:
        changed = await register_wards(uow, wards)
    return [WardOut.of(w) for w in changed]


@router.post(":republish", summary="Publish every ward of your council again (for a new subscriber)")
async def post_republish(
    runtime: RuntimeDep, principal: Annotated[Principal, Depends(require("admin"))]
) -> dict[str, int]:
    async with runtime.uow(principal.actor) as uow:
        count = await republish_wards(uow, principal.council)
    return {"published": count}
