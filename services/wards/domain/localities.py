"""Localities, clusters of wards, and boundary sets succeeding one another.

Thriving Neighbourhoods (IPSC, September 2018): the Rotherham Together Partnership works across three
localities (north, central and south), "each led by a partner 'champion' from health, police and the
Council"; wards "work together, where needed, in flexible clusters based on geography and common
interest", and a cluster's wards may pool budgets for shared work. After a boundary review a new set of
wards succeeds the old (the paper's 21 wards became today's 25): each old code maps to its successors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from services.wards.domain.budgets import Budget, BudgetKind, InvalidBudget
from services.wards.domain.wards import Locality, WardsError, new_id
from shared.calendar import now

ChampionSector = Literal["health", "police", "council", "fire", "voluntary"]


class InvalidLocality(WardsError):
    title = "Invalid locality"


class InvalidCluster(WardsError):
    title = "Invalid cluster"


class UnknownCluster(WardsError):
    status = 404
    title = "Cluster not found"


class NotInCluster(WardsError):
    """Cluster pooling moves money only between wards that are members of the cluster."""

    status = 409
    title = "Not in the cluster"


class InvalidSuccession(WardsError):
    title = "Invalid boundary succession"


@dataclass
class LocalityChampion:
    """The partner leading multi-agency working in a locality; the name is personal data and stays here."""

    council: str
    locality: Locality
    champion_name: str
    champion_organisation: str
    champion_sector: ChampionSector
    named_at: datetime = field(default_factory=now)


# --- Clusters -------------------------------------------------------------------------------------


@dataclass
class ClusterMembership:
    """A ward's time in a cluster: from ``joined_on`` until the day before ``left_on`` (open while ``None``)."""

    gss_code: str
    joined_on: date
    left_on: date | None = None

    def is_current(self, on: date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on < self.left_on)


@dataclass
class Cluster:
    council: str
    name: str
    purpose: str
    memberships: list[ClusterMembership]
    formed_by: str
    formed_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)

    def wards_on(self, on: date) -> list[str]:
        return sorted(m.gss_code for m in self.memberships if m.is_current(on))

    def join(self, gss_code: str, on: date) -> ClusterMembership:
        if gss_code in self.wards_on(on):
            raise InvalidCluster(f"Ward {gss_code} is already in cluster {self.name}.", gss_code=gss_code)
        membership = ClusterMembership(gss_code, on)
        self.memberships.append(membership)
        return membership

    def leave(self, gss_code: str, on: date) -> ClusterMembership:
        current = [m for m in self.memberships if m.gss_code == gss_code and m.left_on is None]
        if not current:
            raise NotInCluster(f"Ward {gss_code} is not in cluster {self.name}.", gss_code=gss_code)
        if on <= current[0].joined_on:
            raise InvalidCluster("A ward leaves a cluster after the day it joined.", gss_code=gss_code)
        if len(self.wards_on(on)) <= 2:
            raise InvalidCluster("A cluster keeps at least two wards.", cluster_id=self.id)
        current[0].left_on = on
        return current[0]


def form_cluster(
    *, council: str, name: str, purpose: str, gss_codes: Iterable[str], on: date, formed_by: str
) -> Cluster:
    codes = sorted(set(gss_codes))
    if len(codes) < 2:
        raise InvalidCluster("A cluster is two or more wards working together.", gss_codes=codes)
    if not name.strip() or not purpose.strip():
        raise InvalidCluster("A cluster has a name and says what its wards work on together.")
    return Cluster(
        council=council,
        name=name.strip(),
        purpose=purpose.strip(),
        memberships=[ClusterMembership(code, on) for code in codes],
        formed_by=formed_by,
    )


@dataclass
class ClusterPooling:
    """Money one cluster ward put into another's budget for the cluster's shared work; it keeps its origin."""

    council: str
    cluster_id: str
    financial_year: str
    from_budget_id: str
    to_budget_id: str
    from_gss_code: str
    to_gss_code: str
    amount_pence: int
    pooled_by: str
    pooled_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)


def pool_for_cluster(
    cluster: Cluster, source: Budget, host: Budget, amount_pence: int, on: date, pooled_by: str
) -> ClusterPooling:
    """A ward of the cluster pools ward budget money into another cluster ward's budget of the same kind and
    year (the ward hosting the shared work); never a member's CLF, never more than the source has free."""
    members = cluster.wards_on(on)
    for budget in (source, host):
        if budget.gss_code not in members:
            raise NotInCluster(
                f"Ward {budget.gss_code} is not in cluster {cluster.name} on {on}.", gss_code=budget.gss_code
            )
    if source.kind == BudgetKind.CLF or host.kind == BudgetKind.CLF:
        raise InvalidCluster("A cluster pools ward budgets; a member pools their CLF into their own ward's budget.")
    if (source.kind, source.financial_year) != (host.kind, host.financial_year) or source.gss_code == host.gss_code:
        raise InvalidCluster("Cluster pooling moves money into another ward's budget of the same kind and year.")
    if amount_pence <= 0:
        raise InvalidBudget("An amount pooled is a positive number of pence.", amount_pence=amount_pence)
    source.ensure_room(amount_pence)
    source.pooled_out_pence += amount_pence
    host.pooled_in_pence += amount_pence
    return ClusterPooling(
        council=cluster.council,
        cluster_id=cluster.id,
        financial_year=source.financial_year,
        from_budget_id=source.id,
        to_budget_id=host.id,
        from_gss_code=source.gss_code,
        to_gss_code=host.gss_code,
        amount_pence=amount_pence,
        pooled_by=pooled_by,
    )


# --- Boundary sets succeeding one another ---------------------------------------------------------


@dataclass
class BoundarySuccession:
    """A new boundary set succeeding an old one: each old ward code maps to one or more successor codes."""

    council: str
    code: str
    succeeds: str
    successors: dict[str, list[str]]
    recorded_by: str
    recorded_at: datetime = field(default_factory=now)

    def successors_of(self, old_code: str) -> list[str]:
        return self.successors.get(old_code, [])

    def predecessors_of(self, new_code: str) -> list[str]:
        return sorted(old for old, new in self.successors.items() if new_code in new)


def succeed(
    *,
    council: str,
    code: str,
    succeeds: str,
    successors: Mapping[str, Iterable[str]],
    old_wards: Iterable[str],
    new_wards: Iterable[str],
    recorded_by: str,
) -> BoundarySuccession:
    """Every ward of the old set maps to at least one ward of the new, and every new ward is some old ward's
    successor: nothing of either set is left out of the mapping."""
    if code == succeeds:
        raise InvalidSuccession("A boundary set succeeds another set, not itself.", code=code)
    old, new = set(old_wards), set(new_wards)
    if not old or not new:
        raise InvalidSuccession(
            f"Both sets need their wards registered: {succeeds} has {len(old)}, {code} has {len(new)}.",
            code=code,
            succeeds=succeeds,
        )
    mapping = {o: sorted(set(n)) for o, n in successors.items()}
    problems = {
        "unknown_old_codes": sorted(set(mapping) - old),
        "unmapped_old_codes": sorted(old - set(mapping) | {o for o, n in mapping.items() if not n}),
        "unknown_new_codes": sorted({c for n in mapping.values() for c in n} - new),
        "new_codes_without_predecessor": sorted(new - {c for n in mapping.values() for c in n}),
    }
    wrong = {k: v for k, v in problems.items() if v}
    if wrong:
        raise InvalidSuccession(
            f"The mapping from {succeeds} to {code} must cover every ward of both sets and no other.", **wrong
        )
    return BoundarySuccession(
        council=council, code=code, succeeds=succeeds, successors=dict(sorted(mapping.items())), recorded_by=recorded_by
    )
