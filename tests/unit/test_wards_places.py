"""Neighbourhood working's domain rules, without I/O: clusters and their pooling, boundary successions, the
ward plan's life, quarterly update due dates, place profiles and the annual report's roll-up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.wards.domain import (
    Budget,
    BudgetExceeded,
    BudgetKind,
    InvalidCluster,
    InvalidPlan,
    InvalidProfile,
    InvalidSuccession,
    NotInCluster,
    PlaceProfile,
    PlanStatus,
    Priority,
    UnknownPriority,
    draft_plan,
    dues_in,
    form_cluster,
    latest_due,
    pool_for_cluster,
    succeed,
)
from services.wards.domain.reports import Figures, report_rows
from services.wards.domain.updates import due_on
from shared.calendar import FinancialYear
from shared.rules import IllegalState

A, B, C = "E05000001", "E05000002", "E05000003"
THEMES = ["Clean and safe", "Best start in life"]


def cluster(on: date = date(2018, 4, 1)):
    return form_cluster(council="E08000018", name="Town", purpose="Shared CCTV", gss_codes=[A, B], on=on, formed_by="o")


def revenue(gss_code: str, allocated: int = 100_000) -> Budget:
    return Budget(
        council="E08000018",
        gss_code=gss_code,
        financial_year="2018-19",
        kind=BudgetKind.REVENUE,
        allocated_pence=allocated,
    )


# --- Clusters -------------------------------------------------------------------------------------


def test_a_cluster_is_two_or_more_wards_and_keeps_who_was_in_it_when():
    with pytest.raises(InvalidCluster):
        form_cluster(council="x", name="One", purpose="p", gss_codes=[A, A], on=date(2018, 4, 1), formed_by="o")
    town = cluster()
    town.join(C, date(2018, 6, 1))
    town.leave(B, date(2018, 9, 1))
    assert town.wards_on(date(2018, 5, 1)) == [A, B]
    assert town.wards_on(date(2018, 7, 1)) == [A, B, C]
    assert town.wards_on(date(2018, 9, 1)) == [A, C]
    with pytest.raises(InvalidCluster):  # two wards at least
        town.leave(A, date(2018, 10, 1))
    with pytest.raises(NotInCluster):
        town.leave(B, date(2018, 10, 1))


def test_cluster_pooling_moves_money_between_member_wards_only_and_never_beyond_the_room():
    town = cluster()
    source, host, outsider = revenue(A), revenue(B), revenue(C)
    pooling = pool_for_cluster(town, source, host, 30_000, date(2018, 5, 1), "cllr")
    assert (source.total_pence, host.total_pence, pooling.amount_pence) == (70_000, 130_000, 30_000)
    with pytest.raises(NotInCluster):
        pool_for_cluster(town, source, outsider, 1, date(2018, 5, 1), "cllr")
    with pytest.raises(BudgetExceeded):
        pool_for_cluster(town, source, host, 70_001, date(2018, 5, 1), "cllr")
    capital = Budget(
        council="E08000018", gss_code=B, financial_year="2018-19", kind=BudgetKind.CAPITAL, allocated_pence=1
    )
    with pytest.raises(InvalidCluster):
        pool_for_cluster(town, source, capital, 1, date(2018, 5, 1), "cllr")
    assert (source.total_pence, host.total_pence) == (70_000, 130_000)


# --- Boundary successions -------------------------------------------------------------------------


def test_a_succession_maps_every_old_ward_to_successors_and_every_new_ward_to_a_predecessor():
    made = succeed(
        council="x",
        code="WD24",
        succeeds="WD04",
        successors={"O1": ["N1", "N2"], "O2": ["N2", "N3"]},
        old_wards=["O1", "O2"],
        new_wards=["N1", "N2", "N3"],
        recorded_by="o",
    )
    assert made.successors_of("O2") == ["N2", "N3"]
    assert made.predecessors_of("N2") == ["O1", "O2"]
    with pytest.raises(InvalidSuccession) as refused:
        succeed(
            council="x",
            code="WD24",
            succeeds="WD04",
            successors={"O1": ["N1", "X9"]},
            old_wards=["O1", "O2"],
            new_wards=["N1", "N2"],
            recorded_by="o",
        )
    assert refused.value.facts == {
        "unmapped_old_codes": ["O2"],
        "unknown_new_codes": ["X9"],
        "new_codes_without_predecessor": ["N2"],
    }


# --- Ward plans -----------------------------------------------------------------------------------


def plan(versions=(), priorities=None):
    return draft_plan(
        council="x",
        gss_code=A,
        boundary_set="WD24",
        versions=list(versions),
        period="2018-2020",
        priorities=priorities if priorities is not None else [Priority("Fly-tipping", THEMES[0])],
        engagement_strategy="Surgeries",
        themes=THEMES,
        drafted_by="o",
    )


def test_a_refresh_supersedes_the_published_version_which_is_never_changed():
    first = plan()
    first.publish("o", date(2018, 6, 1), None)
    with pytest.raises(IllegalState):
        first.revise(period="2019", priorities=first.priorities, engagement_strategy="x", themes=THEMES)
    second = plan([first])
    assert second.version == 2 and second.is_refresh
    with pytest.raises(IllegalState):  # one draft at a time
        plan([first, second])
    second.publish("o", date(2019, 6, 1), first)
    assert (first.status, second.status) == (PlanStatus.SUPERSEDED, PlanStatus.PUBLISHED)
    with pytest.raises(UnknownPriority):
        second.priority("nope")


def test_a_plan_aligns_each_priority_to_a_council_theme_and_publishes_with_one_at_least():
    with pytest.raises(InvalidPlan):
        plan(priorities=[Priority("Something", "Not a theme")])
    empty = plan(priorities=[])
    with pytest.raises(InvalidPlan):
        empty.publish("o", date(2018, 6, 1), None)


# --- Quarterly updates ----------------------------------------------------------------------------


def test_an_update_is_due_at_the_end_of_the_month_after_its_quarter():
    year = FinancialYear(2018)
    assert [due_on(year, q) for q in (1, 2, 3, 4)] == [
        date(2018, 7, 31),
        date(2018, 10, 31),
        date(2019, 1, 31),
        date(2019, 4, 30),
    ]
    assert latest_due(date(2018, 8, 1)).key == "2018-19:Q1"
    assert latest_due(date(2018, 7, 31)).key == "2017-18:Q4"  # judged from the day after it falls due
    assert latest_due(date(2019, 5, 1)).key == "2018-19:Q4"
    assert [d.quarter for d in dues_in(year, date(2018, 11, 1))] == [1, 2]


# --- Place profiles and the annual report ---------------------------------------------------------


def test_a_place_profile_counts_people_and_ranks_deprivation_within_the_imds_bounds():
    def profile(**overrides: Any) -> PlaceProfile:
        fields: dict[str, Any] = dict(
            council="x",
            gss_code=A,
            boundary_set="WD24",
            population=100,
            age_bands={"0-15": 40},
            imd_rank=1,
            imd_decile=1,
            imd_edition="IMD 2019",
            summary="",
            updated_by="o",
        )
        return PlaceProfile(**(fields | overrides))

    assert profile().imd_decile == 1
    for wrong in ({"imd_decile": 0}, {"imd_rank": 40_000}, {"age_bands": {"all": 101}}, {"population": -1}):
        with pytest.raises(InvalidProfile):
            profile(**wrong)


def test_the_report_rolls_wards_up_to_localities_and_the_council_from_summed_pence():
    a = Figures(scope="ward", code=A, name="A", locality="north", boundary_set="WD24", meetings_held=4)
    b = Figures(scope="ward", code=B, name="B", locality="north", boundary_set="WD04", meetings_held=1)
    a.budget_pence["revenue"], a.used_pence["revenue"] = 100, 100
    b.budget_pence["revenue"], b.used_pence["revenue"] = 300, 0
    rows = report_rows([b, a])
    assert [(r.scope, r.code) for r in rows] == [("ward", A), ("ward", B), ("locality", "north"), ("council", "")]
    north = rows[2]
    assert (north.wards, north.meetings_held, north.meetings_expected, north.boundary_set) == (2, 5, 8, "WD04,WD24")
    assert north.utilisation_percent("revenue") == 25.0 and north.utilisation_percent("capital") is None
    assert north.flat()["revenue_utilisation_percent"] == 25.0
