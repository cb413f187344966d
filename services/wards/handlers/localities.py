"""Commands on localities (their partner champions and wards), clusters of wards (formed, joined, left,
pooling budgets for shared work) and boundary sets succeeding one another."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import (
    BoundarySuccession,
    Cluster,
    ClusterMembership,
    ClusterPooling,
    LocalityChampion,
    UnknownWard,
    Ward,
    ensure_own_ward,
    form_cluster,
    pool_for_cluster,
    succeed,
)
from services.wards.domain.localities import UnknownCluster
from services.wards.handlers.budgets import budget_of
from services.wards.handlers.wards import publish
from services.wards.tables import (
    boundary_successions,
    cluster_memberships,
    cluster_poolings,
    clusters,
    locality_champions,
    wards,
)
from shared.events.catalogue import wards as ev
from shared.rules import IllegalState
from shared.unit_of_work import UnitOfWork

# --- Localities -----------------------------------------------------------------------------------


async def name_locality_champion(uow: UnitOfWork, champion: LocalityChampion, gss_codes: Iterable[str]) -> list[str]:
    """A locality's partner champion, and the wards in it (each ward changed is published again)."""
    codes = sorted(set(gss_codes))
    session = uow.session
    found = (
        await session.scalars(
            select(Ward).where(wards.c.local_authority_gss == champion.council, wards.c.gss_code.in_(codes))
        )
    ).all()
    missing = sorted(set(codes) - {w.gss_code for w in found})
    if missing:
        raise UnknownWard(f"No ward {', '.join(missing)} in council {champion.council}.", gss_codes=missing)
    values = {
        "champion_name": champion.champion_name,
        "champion_organisation": champion.champion_organisation,
        "champion_sector": champion.champion_sector,
        "named_at": champion.named_at,
    }
    await session.execute(
        insert(locality_champions)
        .values(council=champion.council, locality=champion.locality, **values)
        .on_conflict_do_update(index_elements=["council", "locality"], set_=values)
    )
    for ward in found:
        if ward.locality != champion.locality:
            ward.locality = champion.locality
            publish(uow, ward)
    uow.emit(
        ev.LocalityChampionNamed(
            locality=champion.locality,
            champion_organisation=champion.champion_organisation,
            champion_sector=champion.champion_sector,
            gss_codes=codes,
        ),
        subject=f"{champion.council}:{champion.locality}",
        council=champion.council,
    )
    uow.audit("wards.locality.champion", champion.locality, organisation=champion.champion_organisation, wards=codes)
    await uow.commit()
    return codes


async def localities_of(session: AsyncSession, council: str) -> list[tuple[LocalityChampion, list[str]]]:
    rows = (await session.execute(select(locality_champions).where(locality_champions.c.council == council))).all()
    by_locality = {r.locality: r for r in rows}
    ward_rows = (
        await session.execute(
            select(wards.c.locality, wards.c.gss_code)
            .where(wards.c.local_authority_gss == council, wards.c.locality.is_not(None))
            .order_by(wards.c.gss_code)
        )
    ).all()
    result = []
    for locality in ("north", "central", "south"):
        row = by_locality.get(locality)
        if row is None:
            continue
        champion = LocalityChampion(
            council=council,
            locality=locality,
            champion_name=row.champion_name,
            champion_organisation=row.champion_organisation,
            champion_sector=row.champion_sector,
            named_at=row.named_at,
        )
        result.append((champion, [w.gss_code for w in ward_rows if w.locality == locality]))
    return result


# --- Clusters -------------------------------------------------------------------------------------


async def _ensure_wards(session: AsyncSession, council: str, codes: Iterable[str]) -> None:
    wanted = set(codes)
    found = set(
        (
            await session.scalars(
                select(wards.c.gss_code).where(wards.c.local_authority_gss == council, wards.c.gss_code.in_(wanted))
            )
        ).all()
    )
    if wanted - found:
        missing = sorted(wanted - found)
        raise UnknownWard(f"No ward {', '.join(missing)} in council {council}.", gss_codes=missing)


async def create_cluster(
    uow: UnitOfWork, *, council: str, name: str, purpose: str, gss_codes: Iterable[str], on: date
) -> Cluster:
    cluster = form_cluster(
        council=council, name=name, purpose=purpose, gss_codes=gss_codes, on=on, formed_by=uow.actor.subject
    )
    await _ensure_wards(uow.session, council, cluster.wards_on(on))
    await uow.session.execute(
        insert(clusters).values(
            id=cluster.id,
            council=council,
            name=cluster.name,
            purpose=cluster.purpose,
            formed_by=cluster.formed_by,
            formed_at=cluster.formed_at,
        )
    )
    await _save_memberships(uow.session, cluster)
    uow.emit(
        ev.ClusterFormed(cluster_id=cluster.id, name=cluster.name, gss_codes=cluster.wards_on(on)),
        subject=cluster.id,
        council=council,
    )
    uow.audit("wards.cluster.form", cluster.id, wards=cluster.wards_on(on))
    await uow.commit()
    return cluster


async def _save_memberships(session: AsyncSession, cluster: Cluster) -> None:
    for m in cluster.memberships:
        await session.execute(
            insert(cluster_memberships)
            .values(cluster_id=cluster.id, gss_code=m.gss_code, joined_on=m.joined_on, left_on=m.left_on)
            .on_conflict_do_update(index_elements=["cluster_id", "gss_code", "joined_on"], set_={"left_on": m.left_on})
        )


async def cluster_of(session: AsyncSession, council: str, cluster_id: str, *, lock: bool = False) -> Cluster:
    query = select(clusters).where(clusters.c.id == cluster_id, clusters.c.council == council)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise UnknownCluster(f"No cluster {cluster_id} in council {council}.", cluster_id=cluster_id)
    memberships = (
        await session.execute(
            select(cluster_memberships)
            .where(cluster_memberships.c.cluster_id == cluster_id)
            .order_by(cluster_memberships.c.joined_on, cluster_memberships.c.gss_code)
        )
    ).all()
    return Cluster(
        council=row.council,
        name=row.name,
        purpose=row.purpose,
        memberships=[ClusterMembership(m.gss_code, m.joined_on, m.left_on) for m in memberships],
        formed_by=row.formed_by,
        formed_at=row.formed_at,
        id=row.id,
    )


async def clusters_of(session: AsyncSession, council: str) -> list[Cluster]:
    ids = (
        await session.scalars(select(clusters.c.id).where(clusters.c.council == council).order_by(clusters.c.name))
    ).all()
    return [await cluster_of(session, council, i) for i in ids]


async def change_cluster(
    uow: UnitOfWork, *, council: str, cluster_id: str, gss_code: str, change: Literal["joined", "left"], on: date
) -> Cluster:
    """A ward joins or leaves a cluster on a day; its earlier membership stays on record."""
    cluster = await cluster_of(uow.session, council, cluster_id, lock=True)
    if change == "joined":
        await _ensure_wards(uow.session, council, [gss_code])
        cluster.join(gss_code, on)
    else:
        cluster.leave(gss_code, on)
    await _save_memberships(uow.session, cluster)
    uow.emit(
        ev.ClusterMembershipChanged(cluster_id=cluster.id, gss_code=gss_code, change=change, on=on),
        subject=cluster.id,
        council=council,
    )
    uow.audit(f"wards.cluster.{change}", cluster.id, gss_code=gss_code, on=on.isoformat())
    await uow.commit()
    return cluster


async def pool_cluster_budget(
    uow: UnitOfWork,
    *,
    council: str,
    cluster_id: str,
    from_budget_id: str,
    to_budget_id: str,
    amount_pence: int,
    on: date,
    own_wards: frozenset[str] | None,
) -> ClusterPooling:
    """A ward of the cluster pools ward budget money into another cluster ward's budget for shared work.
    Both budgets are locked in id order, so two poolings between the same wards never deadlock."""
    cluster = await cluster_of(uow.session, council, cluster_id)
    locked = {}
    for budget_id in sorted({from_budget_id, to_budget_id}):
        locked[budget_id] = await budget_of(uow.session, council, budget_id, lock=True)
    source, host = locked[from_budget_id], locked[to_budget_id]
    ensure_own_ward(own_wards, source.gss_code, "pools the budgets")
    pooling = pool_for_cluster(cluster, source, host, amount_pence, on, uow.actor.subject)
    await uow.session.execute(
        insert(cluster_poolings).values(
            id=pooling.id,
            council=council,
            cluster_id=cluster.id,
            financial_year=pooling.financial_year,
            from_budget_id=pooling.from_budget_id,
            to_budget_id=pooling.to_budget_id,
            from_gss_code=pooling.from_gss_code,
            to_gss_code=pooling.to_gss_code,
            amount_pence=pooling.amount_pence,
            pooled_by=pooling.pooled_by,
            pooled_at=pooling.pooled_at,
        )
    )
    uow.emit(
        ev.ClusterBudgetPooled(
            pooling_id=pooling.id,
            cluster_id=cluster.id,
            financial_year=pooling.financial_year,
            from_budget_id=pooling.from_budget_id,
            to_budget_id=pooling.to_budget_id,
            from_gss_code=pooling.from_gss_code,
            to_gss_code=pooling.to_gss_code,
            amount_pence=pooling.amount_pence,
        ),
        subject=pooling.from_budget_id,
        council=council,
    )
    uow.audit("wards.cluster.pool", pooling.id, cluster_id=cluster.id, amount_pence=amount_pence)
    await uow.commit()
    return pooling


# --- Boundary sets succeeding one another ---------------------------------------------------------


async def record_succession(
    uow: UnitOfWork, *, council: str, code: str, succeeds: str, successors: dict[str, list[str]]
) -> BoundarySuccession:
    """A new boundary set succeeds an old one, every old ward mapped to its successors; recorded once."""

    async def codes_of(boundary_set: str) -> list[str]:
        query = select(wards.c.gss_code).where(
            wards.c.local_authority_gss == council, wards.c.boundary_set == boundary_set
        )
        return list((await uow.session.scalars(query)).all())

    succession = succeed(
        council=council,
        code=code,
        succeeds=succeeds,
        successors=successors,
        old_wards=await codes_of(succeeds),
        new_wards=await codes_of(code),
        recorded_by=uow.actor.subject,
    )
    claimed = (
        await uow.session.execute(
            insert(boundary_successions)
            .values(
                council=council,
                code=code,
                succeeds=succeeds,
                successors=succession.successors,
                recorded_by=succession.recorded_by,
                recorded_at=succession.recorded_at,
            )
            .on_conflict_do_nothing()
            .returning(boundary_successions.c.code)
        )
    ).first()
    if claimed is None:
        raise IllegalState(f"Boundary set {code}'s succession is already recorded.", current="recorded", code=code)
    uow.emit(
        ev.BoundarySetSucceeded(code=code, succeeds=succeeds, successors=succession.successors),
        subject=code,
        council=council,
    )
    uow.audit("wards.boundary_set.succeed", code, succeeds=succeeds)
    await uow.commit()
    return succession


async def succession_of(session: AsyncSession, council: str, code: str) -> BoundarySuccession | None:
    row = (
        await session.execute(
            select(boundary_successions).where(
                boundary_successions.c.council == council, boundary_successions.c.code == code
            )
        )
    ).one_or_none()
    if row is None:
        return None
    return BoundarySuccession(
        council=council,
        code=row.code,
        succeeds=row.succeeds,
        successors=row.successors,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )
