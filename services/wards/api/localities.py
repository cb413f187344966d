"""Localities and their partner champions (``/v1/localities``), clusters of wards (``/v1/clusters``) and
boundary sets succeeding one another (``/v1/boundary-sets/{code}/succession``): officers record them; staff,
ward members and partners read them; a ward member pools their own ward's budget into a cluster ward's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, status

from services.wards.api.access import Officer, OfficerOrWardMember, StaffWardMemberOrPartner, own_wards
from services.wards.api.neighbourhood_schemas import (
    ClusterIn,
    ClusterOut,
    ClusterPoolIn,
    ClusterPoolingOut,
    LocalityIn,
    LocalityOut,
    MembershipIn,
    SuccessionIn,
    SuccessionOut,
)
from services.wards.domain import Locality, LocalityChampion
from services.wards.handlers import (
    change_cluster,
    cluster_of,
    clusters_of,
    create_cluster,
    localities_of,
    name_locality_champion,
    pool_cluster_budget,
    record_succession,
    succession_of,
)
from shared.auth import Principal
from shared.calendar import today_in_london
from shared.rules import NotFound
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["localities and clusters"])

SetCode = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]


@router.put("/localities/{locality}", summary="A locality's partner champion and its wards")
async def put_locality(locality: Locality, body: LocalityIn, runtime: RuntimeDep, principal: Officer) -> LocalityOut:
    """North, central and south, "each led by a partner 'champion' from health, police and the Council"."""
    champion = LocalityChampion(
        council=principal.council,
        locality=locality,
        champion_name=body.champion_name,
        champion_organisation=body.champion_organisation,
        champion_sector=body.champion_sector,
    )
    async with runtime.uow(principal.actor) as uow:
        codes = await name_locality_champion(uow, champion, body.gss_codes)
    return LocalityOut(**{**body.model_dump(), "locality": locality, "gss_codes": codes})


@router.get("/localities", summary="Your council's localities, their champions and wards")
async def list_localities(runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> list[LocalityOut]:
    async with runtime.sessions() as session:
        found = await localities_of(session, principal.council)
    return [
        LocalityOut(
            locality=c.locality,
            champion_name=c.champion_name,
            champion_organisation=c.champion_organisation,
            champion_sector=c.champion_sector,
            gss_codes=codes,
        )
        for c, codes in found
    ]


@router.post("/clusters", status_code=status.HTTP_201_CREATED, summary="Wards form a cluster")
async def post_cluster(body: ClusterIn, runtime: RuntimeDep, principal: Officer) -> ClusterOut:
    async with runtime.uow(principal.actor) as uow:
        cluster = await create_cluster(
            uow,
            council=principal.council,
            name=body.name,
            purpose=body.purpose,
            gss_codes=body.gss_codes,
            on=body.formed_on or today_in_london(),
        )
    return ClusterOut.of(cluster, today_in_london())


@router.get("/clusters", summary="Your council's clusters, with their membership history")
async def list_clusters(runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> list[ClusterOut]:
    async with runtime.sessions() as session:
        found = await clusters_of(session, principal.council)
    return [ClusterOut.of(c, today_in_london()) for c in found]


@router.get("/clusters/{cluster_id}", summary="One cluster")
async def get_cluster(cluster_id: str, runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> ClusterOut:
    async with runtime.sessions() as session:
        cluster = await cluster_of(session, principal.council, cluster_id)
    return ClusterOut.of(cluster, today_in_london())


@router.post("/clusters/{cluster_id}/join", summary="A ward joins the cluster")
async def post_join(cluster_id: str, body: MembershipIn, runtime: RuntimeDep, principal: Officer) -> ClusterOut:
    return await _change(runtime, principal, cluster_id, body, "joined")


@router.post("/clusters/{cluster_id}/leave", summary="A ward leaves the cluster (its time in it stays on record)")
async def post_leave(cluster_id: str, body: MembershipIn, runtime: RuntimeDep, principal: Officer) -> ClusterOut:
    return await _change(runtime, principal, cluster_id, body, "left")


async def _change(
    runtime: RuntimeDep, principal: Principal, cluster_id: str, body: MembershipIn, change: Literal["joined", "left"]
) -> ClusterOut:
    async with runtime.uow(principal.actor) as uow:
        cluster = await change_cluster(
            uow,
            council=principal.council,
            cluster_id=cluster_id,
            gss_code=body.gss_code,
            change=change,
            on=body.on or today_in_london(),
        )
    return ClusterOut.of(cluster, today_in_london())


@router.post("/clusters/{cluster_id}/pool", summary="Pool a ward's budget into another cluster ward's for shared work")
async def post_cluster_pool(
    cluster_id: str, body: ClusterPoolIn, runtime: RuntimeDep, principal: OfficerOrWardMember
) -> ClusterPoolingOut:
    """A ward member pools from their own ward's revenue or capital budget; an officer for any cluster ward."""
    async with runtime.uow(principal.actor) as uow:
        pooling = await pool_cluster_budget(
            uow,
            council=principal.council,
            cluster_id=cluster_id,
            from_budget_id=body.from_budget_id,
            to_budget_id=body.to_budget_id,
            amount_pence=body.amount_pence,
            on=today_in_london(),
            own_wards=own_wards(principal),
        )
    return ClusterPoolingOut.model_validate(pooling, from_attributes=True)


@router.put("/boundary-sets/{code}/succession", summary="A boundary set succeeds an older one, code by code")
async def put_succession(code: SetCode, body: SuccessionIn, runtime: RuntimeDep, principal: Officer) -> SuccessionOut:
    """Every ward of the old set maps to its successor wards in this one (e.g. 21 wards becoming 25); records made
    under the old set keep its codes."""
    async with runtime.uow(principal.actor) as uow:
        succession = await record_succession(
            uow, council=principal.council, code=code, succeeds=body.succeeds, successors=body.successors
        )
    return SuccessionOut.model_validate(succession, from_attributes=True)


@router.get("/boundary-sets/{code}/succession", summary="The set this one succeeded, and each old code's successors")
async def get_succession(code: SetCode, runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> SuccessionOut:
    async with runtime.sessions() as session:
        succession = await succession_of(session, principal.council, code)
    if succession is None:
        raise NotFound("succession of boundary set", code)
    return SuccessionOut.model_validate(succession, from_attributes=True)
