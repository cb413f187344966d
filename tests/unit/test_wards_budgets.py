"""The rules of devolved budgets and spending (Thriving Neighbourhoods, 2018), as plain Python."""

from __future__ import annotations

from datetime import date

import pytest

from services.wards.domain import (
    CLF_PER_MEMBER_PENCE,
    BoundarySet,
    Budget,
    BudgetExceeded,
    BudgetKind,
    Decision,
    InvalidBudget,
    InvalidMeeting,
    InvalidSpend,
    NoBoundarySetInForce,
    NotACapitalItem,
    NotPoolable,
    NotYourFund,
    SpendStatus,
    WardMember,
    boundary_set_in_force,
    clf_entitlement,
    pool,
    record_meeting,
    request_spend,
    share_evenly,
    year_budgets,
)
from shared.calendar import FinancialYear
from shared.rules import IllegalState

COUNCIL, WARD = "E08000018", "E05012996"
YEAR = FinancialYear(2017)  # 2017-18, the first year of neighbourhood working
TWENTY_ONE_WARDS = [f"E050010{n:02d}" for n in range(20, 41)]  # the 21 wards of 2017/18 (codes illustrative)


def member(**overrides: object) -> WardMember:
    values: dict[str, object] = {"gss_code": WARD, "council": COUNCIL, "name": "A. Member", "email": "a@example.org"}
    values.update(overrides)
    return WardMember(**values)  # type: ignore[arg-type]


def budget(kind: BudgetKind = BudgetKind.REVENUE, allocated: int = 100_000, **overrides: object) -> Budget:
    values: dict[str, object] = {
        "council": COUNCIL,
        "gss_code": WARD,
        "financial_year": YEAR.label,
        "kind": kind,
        "allocated_pence": allocated,
    }
    if kind == BudgetKind.CLF:
        values["member_id"] = "member-1"
    values.update(overrides)
    return Budget(**values)  # type: ignore[arg-type]


def balanced(b: Budget) -> bool:
    return b.held_pence + b.committed_pence + b.spent_pence + b.available_pence == b.total_pence


# --- Sharing a council total --------------------------------------------------------------------------


def test_2017_18_revenue_of_30000_pounds_over_21_wards_leaves_3_pence_which_go_to_the_first_three_wards():
    sharing = share_evenly(
        council=COUNCIL,
        year=YEAR,
        kind=BudgetKind.REVENUE,
        boundary_set="2004",
        total_pence=3_000_000,
        gss_codes=reversed(TWENTY_ONE_WARDS),
    )
    assert sharing.share_pence == 142_857
    assert sharing.remainder_pence == 3
    assert sharing.remainder_wards == tuple(TWENTY_ONE_WARDS[:3])
    assert sum(sharing.shares.values()) == 3_000_000  # nothing lost, nothing invented
    assert sorted(set(sharing.shares.values())) == [142_857, 142_858]
    assert [code for code, pence in sharing.shares.items() if pence == 142_858] == TWENTY_ONE_WARDS[:3]


def test_2017_18_capital_of_210000_pounds_shares_exactly_10000_pounds_a_ward():
    sharing = share_evenly(
        council=COUNCIL,
        year=YEAR,
        kind=BudgetKind.CAPITAL,
        boundary_set="2004",
        total_pence=21_000_000,
        gss_codes=TWENTY_ONE_WARDS,
    )
    assert set(sharing.shares.values()) == {1_000_000}
    assert (sharing.remainder_pence, sharing.remainder_wards) == (0, ())


@pytest.mark.parametrize("total", [-1, 1_000_000_001])
def test_a_council_total_out_of_bounds_is_refused(total: int):
    with pytest.raises(InvalidBudget):
        share_evenly(
            council=COUNCIL,
            year=YEAR,
            kind=BudgetKind.REVENUE,
            boundary_set="WD24",
            total_pence=total,
            gss_codes=TWENTY_ONE_WARDS,
        )


def test_a_clf_is_not_shared_across_wards_and_nothing_is_shared_across_no_wards():
    with pytest.raises(InvalidBudget):
        share_evenly(
            council=COUNCIL, year=YEAR, kind=BudgetKind.CLF, boundary_set="WD24", total_pence=1, gss_codes=[WARD]
        )
    with pytest.raises(InvalidBudget):
        share_evenly(
            council=COUNCIL, year=YEAR, kind=BudgetKind.REVENUE, boundary_set="WD24", total_pence=1, gss_codes=[]
        )


def test_the_boundary_set_in_force_is_the_one_in_force_on_the_years_first_day():
    old, new = BoundarySet(COUNCIL, "2004", date(2004, 6, 10)), BoundarySet(COUNCIL, "WD24", date(2021, 5, 6))
    assert boundary_set_in_force([old, new], FinancialYear(2017)) == old
    assert boundary_set_in_force([new, old], FinancialYear(2021)) == old  # WD24 came in at the May elections
    assert boundary_set_in_force([old, new], FinancialYear(2022)) == new
    with pytest.raises(NoBoundarySetInForce):
        boundary_set_in_force([new], FinancialYear(2021))


# --- The Community Leadership Fund rule -------------------------------------------------------------


def test_a_member_for_the_whole_year_gets_exactly_1000_pounds():
    assert clf_entitlement(member(), YEAR) == CLF_PER_MEMBER_PENCE == 100_000
    assert clf_entitlement(member(term_starts_on=date(2016, 5, 5), term_ends_on=date(2020, 5, 7)), YEAR) == 100_000


def test_a_member_elected_or_standing_down_mid_year_gets_the_clf_pro_rata_to_their_days_rounded_down():
    by_election = date(2017, 10, 1)  # 182 of the year's 365 days remain
    newcomer = member(term_starts_on=by_election)
    leaver = member(stood_down_on=by_election)  # a member up to the day before
    assert clf_entitlement(newcomer, YEAR) == 100_000 * 182 // 365 == 49_863
    assert clf_entitlement(leaver, YEAR) == 100_000 * 183 // 365 == 50_136
    # The seat's two members together get no more than the seat's £1,000: nothing is invented.
    assert 99_999 <= clf_entitlement(newcomer, YEAR) + clf_entitlement(leaver, YEAR) <= 100_000
    assert clf_entitlement(member(stood_down_on=YEAR.starts_on), YEAR) == 0
    assert clf_entitlement(member(term_starts_on=date(2018, 5, 3)), YEAR) == 0
    assert clf_entitlement(member(term_starts_on=YEAR.ends_on), YEAR) == 100_000 // 365


def test_a_years_budgets_are_each_wards_shares_and_a_clf_for_each_member_of_the_year():
    sharings = [
        share_evenly(
            council=COUNCIL, year=YEAR, kind=kind, boundary_set="WD24", total_pence=total, gss_codes=[WARD, "E05012997"]
        )
        for kind, total in ((BudgetKind.REVENUE, 3_000_001), (BudgetKind.CAPITAL, 21_000_000))
    ]
    members = [
        member(id="m1"),
        member(id="m2", term_starts_on=date(2017, 10, 1)),
        member(id="gone", stood_down_on=date(2016, 1, 1)),
    ]
    budgets = year_budgets(council=COUNCIL, year=YEAR, sharings=sharings, members=members)
    assert {(b.gss_code, b.kind, b.member_id, b.allocated_pence) for b in budgets} == {
        (WARD, BudgetKind.REVENUE, None, 1_500_001),
        ("E05012997", BudgetKind.REVENUE, None, 1_500_000),
        (WARD, BudgetKind.CAPITAL, None, 10_500_000),
        ("E05012997", BudgetKind.CAPITAL, None, 10_500_000),
        (WARD, BudgetKind.CLF, "m1", 100_000),
        (WARD, BudgetKind.CLF, "m2", 49_863),
    }
    with pytest.raises(InvalidBudget):
        year_budgets(council=COUNCIL, year=YEAR, sharings=[], members=[], clf_per_member_pence=1_000_001)


def test_a_clf_reworked_for_a_member_who_stood_down_never_falls_below_what_they_already_used():
    clf = budget(BudgetKind.CLF, 100_000)
    request_spend(clf, amount_pence=70_000, purpose="Defibrillator", capital_item=True, requested_by="m")
    clf.entitle(50_136)
    assert clf.allocated_pence == 70_000
    assert clf.available_pence == 0 and balanced(clf)
    clf.entitle(90_000)
    assert clf.allocated_pence == 90_000


# --- Pooling ------------------------------------------------------------------------------------------


def test_a_member_pools_clf_into_the_ward_revenue_budget_and_the_money_keeps_its_origin():
    clf, revenue = budget(BudgetKind.CLF, 100_000), budget(BudgetKind.REVENUE, 142_857)
    pooling = pool(clf, revenue, 60_000, pooled_by="cllr")
    assert (pooling.from_budget_id, pooling.to_budget_id, pooling.member_id) == (clf.id, revenue.id, "member-1")
    assert (clf.total_pence, clf.pooled_out_pence, clf.available_pence) == (40_000, 60_000, 40_000)
    assert (revenue.total_pence, revenue.pooled_in_pence, revenue.allocated_pence) == (202_857, 60_000, 142_857)
    assert balanced(clf) and balanced(revenue)
    with pytest.raises(BudgetExceeded):
        pool(clf, revenue, 40_001, pooled_by="cllr")
    assert clf.pooled_out_pence == 60_000


def test_only_a_clf_pools_and_only_into_its_own_wards_revenue_budget_of_the_same_year():
    clf = budget(BudgetKind.CLF)
    with pytest.raises(NotPoolable):
        pool(budget(BudgetKind.REVENUE), budget(BudgetKind.REVENUE), 1, pooled_by="x")
    with pytest.raises(NotPoolable):
        pool(clf, budget(BudgetKind.CAPITAL), 1, pooled_by="x")
    with pytest.raises(NotPoolable):
        pool(clf, budget(BudgetKind.REVENUE, gss_code="E05012997"), 1, pooled_by="x")
    with pytest.raises(NotPoolable):
        pool(clf, budget(BudgetKind.REVENUE, financial_year="2018-19"), 1, pooled_by="x")
    with pytest.raises(InvalidBudget):
        pool(clf, budget(BudgetKind.REVENUE), 0, pooled_by="x")


# --- Spend requests -----------------------------------------------------------------------------------


def test_a_request_holds_its_money_then_approved_commits_it_and_spent_for_less_releases_the_rest():
    revenue = budget(allocated=142_857)
    request = request_spend(
        revenue, amount_pence=50_000, purpose="Litter picking kit", capital_item=False, requested_by="o"
    )
    assert (request.status, revenue.held_pence, revenue.available_pence) == (
        SpendStatus.AWAITING_APPROVAL,
        50_000,
        92_857,
    )
    request.approve(revenue, by="approver")
    assert (request.status, revenue.held_pence, revenue.committed_pence) == (SpendStatus.COMMITTED, 0, 50_000)
    released = request.record_spent(revenue, 45_000, by="finance")
    assert (request.status, released, revenue.committed_pence, revenue.spent_pence) == (
        SpendStatus.SPENT,
        5_000,
        0,
        45_000,
    )
    assert revenue.available_pence == 97_857 and balanced(revenue)


def test_a_refusal_needs_a_reason_and_releases_the_money_held():
    revenue = budget()
    request = request_spend(revenue, amount_pence=10_000, purpose="Bench", capital_item=False, requested_by="o")
    with pytest.raises(InvalidSpend):
        request.refuse(revenue, by="approver", reason="  ")
    assert request.status == SpendStatus.AWAITING_APPROVAL and revenue.held_pence == 10_000
    request.refuse(revenue, by="approver", reason="Not in the ward plan")
    assert (request.status, request.refusal_reason, revenue.held_pence) == (
        SpendStatus.REFUSED,
        "Not in the ward plan",
        0,
    )
    with pytest.raises(IllegalState):
        request.approve(revenue, by="approver")


def test_cancelling_releases_held_or_committed_money_and_a_spent_request_cannot_be_cancelled():
    revenue = budget()
    waiting = request_spend(revenue, amount_pence=10_000, purpose="A", capital_item=False, requested_by="o")
    committed = request_spend(revenue, amount_pence=20_000, purpose="B", capital_item=False, requested_by="o")
    committed.approve(revenue, by="approver")
    assert waiting.cancel(revenue, by="o", reason="No longer needed") == 10_000
    assert committed.cancel(revenue, by="o", reason="Supplier fell through") == 20_000
    assert (revenue.held_pence, revenue.committed_pence, revenue.available_pence) == (0, 0, 100_000)
    spent = request_spend(revenue, amount_pence=30_000, purpose="C", capital_item=False, requested_by="o")
    spent.approve(revenue, by="approver")
    spent.record_spent(revenue, 30_000, by="finance")
    with pytest.raises(IllegalState):
        spent.cancel(revenue, by="o", reason="Too late")
    with pytest.raises(IllegalState):
        spent.record_spent(revenue, 1, by="finance")


@pytest.mark.parametrize("spent", [0, 30_001])
def test_spent_is_more_than_nothing_and_no_more_than_committed(spent: int):
    revenue = budget()
    request = request_spend(revenue, amount_pence=30_000, purpose="C", capital_item=False, requested_by="o")
    request.approve(revenue, by="approver")
    with pytest.raises(InvalidSpend):
        request.record_spent(revenue, spent, by="finance")
    assert (request.status, revenue.committed_pence) == (SpendStatus.COMMITTED, 30_000)


def test_no_budget_is_over_committed_a_request_beyond_its_room_holds_nothing():
    revenue = budget(allocated=100_000)
    for _ in range(10):
        request_spend(revenue, amount_pence=10_000, purpose="One tenth", capital_item=False, requested_by="o")
    with pytest.raises(BudgetExceeded) as refused:
        request_spend(revenue, amount_pence=1, purpose="One penny more", capital_item=False, requested_by="o")
    assert refused.value.facts["available_pence"] == 0
    assert revenue.held_pence == 100_000 and balanced(revenue)


def test_capital_money_only_buys_capital_items():
    capital = budget(BudgetKind.CAPITAL)
    with pytest.raises(NotACapitalItem):
        request_spend(capital, amount_pence=1_000, purpose="Gala day", capital_item=False, requested_by="o")
    assert capital.held_pence == 0
    request_spend(capital, amount_pence=1_000, purpose="Planters", capital_item=True, requested_by="o")
    request_spend(budget(), amount_pence=1_000, purpose="Planters", capital_item=True, requested_by="o")


def test_a_member_asks_to_spend_only_their_own_clf():
    mine = budget(BudgetKind.CLF, member_id="me")
    request = request_spend(
        mine, amount_pence=500, purpose="Hall hire", capital_item=False, requested_by="s", as_member="me"
    )
    assert request.member_id == "me"
    for other in (
        budget(BudgetKind.CLF, member_id="someone-else"),
        budget(BudgetKind.REVENUE),
        budget(BudgetKind.CAPITAL),
    ):
        with pytest.raises(NotYourFund):
            request_spend(
                other, amount_pence=500, purpose="Hall hire", capital_item=True, requested_by="s", as_member="me"
            )
        assert other.held_pence == 0


@pytest.mark.parametrize("amount", [0, -5, 1_000_000_001])
def test_a_spend_request_amount_out_of_bounds_or_without_purpose_is_refused(amount: int):
    revenue = budget()
    with pytest.raises(InvalidSpend):
        request_spend(revenue, amount_pence=amount, purpose="X", capital_item=False, requested_by="o")
    with pytest.raises(InvalidSpend):
        request_spend(revenue, amount_pence=100, purpose=" ", capital_item=False, requested_by="o")
    assert revenue.held_pence == 0


# --- A meeting's decisions name the budget they allocate ---------------------------------------------


def test_a_meeting_decision_allocates_the_revenue_budget_unless_it_says_capital_and_never_a_clf():
    meeting = record_meeting(
        gss_code=WARD,
        council=COUNCIL,
        held_on=date(2017, 6, 1),
        today=date(2017, 6, 2),
        attendee_member_ids=[],
        other_attendees=0,
        decisions=[
            Decision("Community clear-up", 50_000),
            Decision("Speed signs", 300_000, budget_kind=BudgetKind.CAPITAL, capital_item=True),
            Decision("CCTV to the park"),
        ],
        minutes="",
        members=[],
        recorded_by="o",
    )
    assert [(d.budget_kind, d.allocates) for d in meeting.decisions] == [
        (BudgetKind.REVENUE, True),
        (BudgetKind.CAPITAL, True),
        (None, False),
    ]
    with pytest.raises(InvalidMeeting):
        record_meeting(
            gss_code=WARD,
            council=COUNCIL,
            held_on=date(2017, 6, 1),
            today=date(2017, 6, 2),
            attendee_member_ids=[],
            other_attendees=0,
            decisions=[Decision("From my CLF", 100, budget_kind=BudgetKind.CLF)],
            minutes="",
            members=[],
            recorded_by="o",
        )
