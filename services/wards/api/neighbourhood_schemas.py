"""Request and response models of neighbourhood working: localities and clusters, boundary successions,
ward plans, quarterly updates, resident engagement, place profiles and the annual report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.wards.domain import (
    Cluster,
    CommunityAsset,
    Engagement,
    EngagementKind,
    Locality,
    PlaceProfile,
    PlanAction,
    Priority,
    QuarterlyUpdate,
    WardGrant,
    WardPlan,
)
from services.wards.domain.localities import ChampionSector
from services.wards.domain.updates import MAX_SPEND_PENCE

GSS_PATTERN = r"^[EWSN][0-9]{8}$"
GssCode = str

# --- Localities and clusters ----------------------------------------------------------------------


class LocalityIn(BaseModel):
    champion_name: str = Field(min_length=1, max_length=200, examples=["Chief Inspector A. Example"])
    champion_organisation: str = Field(min_length=1, max_length=200, examples=["South Yorkshire Police"])
    champion_sector: ChampionSector
    gss_codes: list[GssCode] = Field(default_factory=list, max_length=100, description="The wards in the locality.")


class LocalityOut(BaseModel):
    locality: Locality
    champion_name: str
    champion_organisation: str
    champion_sector: ChampionSector
    gss_codes: list[str]


class ClusterIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Rother Valley South"])
    purpose: str = Field(min_length=1, max_length=2000, examples=["Joint environmental clean-ups along the canal"])
    gss_codes: list[str] = Field(min_length=2, max_length=50)
    formed_on: date | None = Field(default=None, description="Today, unless said.")


class MembershipIn(BaseModel):
    gss_code: str = Field(pattern=GSS_PATTERN)
    on: date | None = Field(default=None, description="Today, unless said.")


class MembershipOut(BaseModel):
    gss_code: str
    joined_on: date
    left_on: date | None


class ClusterOut(BaseModel):
    id: str
    name: str
    purpose: str
    gss_codes: list[str] = Field(description="The wards in the cluster today.")
    memberships: list[MembershipOut] = Field(description="Every ward's time in the cluster, past and present.")
    formed_at: datetime

    @classmethod
    def of(cls, cluster: Cluster, today: date) -> ClusterOut:
        return cls(
            id=cluster.id,
            name=cluster.name,
            purpose=cluster.purpose,
            gss_codes=cluster.wards_on(today),
            memberships=[
                MembershipOut(gss_code=m.gss_code, joined_on=m.joined_on, left_on=m.left_on)
                for m in cluster.memberships
            ],
            formed_at=cluster.formed_at,
        )


class ClusterPoolIn(BaseModel):
    from_budget_id: str = Field(min_length=1, max_length=36)
    to_budget_id: str = Field(
        min_length=1, max_length=36, description="Another cluster ward's budget of the same kind and year."
    )
    amount_pence: int = Field(gt=0, le=1_000_000_000)


class ClusterPoolingOut(BaseModel):
    id: str
    cluster_id: str
    financial_year: str
    from_budget_id: str
    to_budget_id: str
    from_gss_code: str
    to_gss_code: str
    amount_pence: int


class SuccessionIn(BaseModel):
    succeeds: str = Field(min_length=1, max_length=20, examples=["WD04"])
    successors: dict[str, list[str]] = Field(
        description="Each ward code of the old set, with the codes of the new set that succeed it.",
        max_length=200,
    )


class SuccessionOut(BaseModel):
    code: str
    succeeds: str
    successors: dict[str, list[str]]
    recorded_at: datetime


# --- Ward plans -----------------------------------------------------------------------------------


class ActionIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    lead: str | None = Field(default=None, max_length=200, description="The lead partner or officer team.")
    due_on: date | None = None


class PriorityIn(BaseModel):
    id: str | None = Field(
        default=None, max_length=36, description="Keep a priority's id when refreshing the plan; new if left out."
    )
    title: str = Field(min_length=1, max_length=300, examples=["Tackle fly-tipping in the back lanes"])
    council_theme: str = Field(
        min_length=1, max_length=200, examples=["A strong community in a clean, safe environment"]
    )
    actions: list[ActionIn] = Field(default_factory=list, max_length=30)

    def domain(self) -> Priority:
        actions = [PlanAction(a.title, a.lead, a.due_on) for a in self.actions]
        if self.id:
            return Priority(self.title, self.council_theme, actions, id=self.id)
        return Priority(self.title, self.council_theme, actions)


class PlanIn(BaseModel):
    period: str = Field(min_length=1, max_length=50, examples=["2018-2020"])
    priorities: list[PriorityIn] = Field(max_length=20)
    engagement_strategy: str = Field(min_length=1, max_length=20_000)


class ActionOut(BaseModel):
    title: str
    lead: str | None
    due_on: date | None


class PriorityOut(BaseModel):
    id: str
    title: str
    council_theme: str
    actions: list[ActionOut]


class PlanOut(BaseModel):
    id: str
    gss_code: str
    boundary_set: str
    version: int
    status: Literal["draft", "published", "superseded"]
    period: str
    priorities: list[PriorityOut]
    engagement_strategy: str
    published_on: date | None

    @classmethod
    def of(cls, plan: WardPlan) -> PlanOut:
        return cls.model_validate(plan, from_attributes=True)


class ThemesIn(BaseModel):
    themes: list[str] = Field(min_length=1, max_length=30)


# --- Quarterly updates and engagement -------------------------------------------------------------


class UpdateIn(BaseModel):
    financial_year: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2017-18"])
    quarter: int = Field(ge=1, le=4)
    progress: str = Field(min_length=1, max_length=20_000)
    spend_pence: int = Field(ge=0, le=MAX_SPEND_PENCE)
    issues: list[str] = Field(default_factory=list, max_length=50)


class UpdateOut(BaseModel):
    id: str
    gss_code: str
    boundary_set: str
    financial_year: str
    quarter: int
    progress: str
    spend_pence: int
    issues: list[str]
    submitted_by: str
    submitted_at: datetime

    @classmethod
    def of(cls, update: QuarterlyUpdate) -> UpdateOut:
        return cls.model_validate(update, from_attributes=True)


class EngagementIn(BaseModel):
    kind: EngagementKind
    held_on: date
    place: str = Field(min_length=1, max_length=300, examples=["Thurcroft Welfare Hall"])
    people_reached: int = Field(ge=0, le=1_000_000)
    issues_raised: list[str] = Field(default_factory=list, max_length=50)
    priority_id: str | None = Field(default=None, max_length=36, description="A priority of the ward's published plan.")


class EngagementOut(BaseModel):
    id: str
    gss_code: str
    boundary_set: str
    kind: EngagementKind
    held_on: date
    place: str
    people_reached: int
    issues_raised: list[str]
    priority_id: str | None
    recorded_by: str

    @classmethod
    def of(cls, engagement: Engagement) -> EngagementOut:
        return cls.model_validate(engagement, from_attributes=True)


# --- Place profiles -------------------------------------------------------------------------------


class ProfileIn(BaseModel):
    population: int = Field(ge=0, le=1_000_000, examples=[11_500])
    age_bands: dict[str, int] = Field(
        default_factory=dict, max_length=30, examples=[{"0-15": 2_300, "16-64": 7_000, "65+": 2_200}]
    )
    imd_rank: int | None = Field(default=None, ge=1, le=32_844, description="1: the most deprived area of England.")
    imd_decile: int | None = Field(default=None, ge=1, le=10, description="1: among the 10% most deprived.")
    imd_edition: str | None = Field(default=None, max_length=20, examples=["IMD 2019"])
    summary: str = Field(default="", max_length=20_000)


class Organisation(BaseModel):
    """Open Referral UK ``organization``."""

    name: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=500)


class Service(BaseModel):
    """Open Referral UK ``service``."""

    name: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=500)


class Location(BaseModel):
    """Open Referral UK ``location`` (with its physical address)."""

    name: str = Field(min_length=1, max_length=300)
    address_1: str | None = Field(default=None, max_length=300)
    postal_code: str | None = Field(default=None, max_length=10)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class AssetIn(BaseModel):
    organization: Organisation
    service: Service
    location: Location


class AssetOut(AssetIn):
    id: str

    @classmethod
    def of(cls, asset: CommunityAsset) -> AssetOut:
        return cls(
            id=asset.id,
            organization=Organisation.model_validate(asset.organisation),
            service=Service.model_validate(asset.service),
            location=Location.model_validate(asset.location),
        )


class GrantOut(BaseModel):
    application_id: str
    fund_id: str
    title: str | None
    recipient_name: str | None
    theme: str | None
    amount_awarded_pence: int
    amount_paid_pence: int
    awarded_on: date
    status: str

    @classmethod
    def of(cls, grant: WardGrant) -> GrantOut:
        return cls.model_validate(grant, from_attributes=True)


class ProfileOut(BaseModel):
    gss_code: str
    ward_name: str
    boundary_set: str
    population: int
    age_bands: dict[str, int]
    imd_rank: int | None
    imd_decile: int | None
    imd_edition: str | None
    summary: str
    community_assets: list[AssetOut]
    grants_awarded: list[GrantOut]
    updated_at: datetime

    @classmethod
    def of(
        cls, ward_name: str, profile: PlaceProfile, assets: list[CommunityAsset], grants: list[WardGrant]
    ) -> ProfileOut:
        return cls(
            gss_code=profile.gss_code,
            ward_name=ward_name,
            boundary_set=profile.boundary_set,
            population=profile.population,
            age_bands=profile.age_bands,
            imd_rank=profile.imd_rank,
            imd_decile=profile.imd_decile,
            imd_edition=profile.imd_edition,
            summary=profile.summary,
            community_assets=[AssetOut.of(a) for a in assets],
            grants_awarded=[GrantOut.of(g) for g in grants],
            updated_at=profile.updated_at,
        )


# --- The annual report ----------------------------------------------------------------------------


class ReportRow(BaseModel):
    scope: Literal["ward", "locality", "council"]
    code: str
    name: str
    locality: str | None
    boundary_set: str | None
    wards: int
    meetings_held: int
    meetings_expected: int
    wards_behind_cadence: int
    clf_budget_pence: int
    clf_committed_and_spent_pence: int
    clf_utilisation_percent: float | None
    revenue_budget_pence: int
    revenue_committed_and_spent_pence: int
    revenue_utilisation_percent: float | None
    capital_budget_pence: int
    capital_committed_and_spent_pence: int
    capital_utilisation_percent: float | None
    engagements: int
    people_reached: int
    plans_published: int
    plans_refreshed: int
    updates_submitted: int
    updates_missed: int


class AnnualReportOut(BaseModel):
    financial_year: str
    as_of: date
    boundary_set: str | None = Field(description="The boundary set in force on 1 April; each row names its ward's set.")
    rows: list[ReportRow]
