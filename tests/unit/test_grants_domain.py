"""The rules of the small-grants fund, as plain Python: no database, no broker."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.grants.domain import (
    MOVES,
    Application,
    ApplicationStatus,
    ConflictOfInterest,
    Contribution,
    Fund,
    FundNotOpen,
    FundStatus,
    IllegalTransition,
    InvalidApplication,
    InvalidFund,
    InvalidOffer,
    InvalidScore,
    MonitoringReport,
    NothingPaidYet,
    Organisation,
    Overcommitted,
    QuorumNotMet,
    UnknownWards,
    apportion,
    report_on,
)

NOW = datetime(2017, 6, 1, 10, 0, tzinfo=UTC)
ROTHERHAM = "E08000018"
BOSTON_CASTLE, KEPPEL, RAWMARSH_EAST = "E05012996", "E05013004", "E05013007"
WARDS = {BOSTON_CASTLE, KEPPEL, RAWMARSH_EAST}
CRITERIA = ["community benefit", "need"]


def bsc_fund(*, quorum: int = 3, council_pence: int = 500_000, rtp_pence: int = 500_000, open_: bool = True) -> Fund:
    """The Building Stronger Communities fund: £5,000 from the council and £5,000 from the partnership."""
    fund = Fund(
        council=ROTHERHAM,
        name="Building Stronger Communities small grants",
        themes=["Bringing people together", "A strong civic community and pride of place"],
        maximum_award_pence=100_000,
        panel_name="Stronger Communities Forum",
        criteria=CRITERIA,
        quorum=quorum,
        contributions=[
            Contribution("Rotherham Metropolitan Borough Council", council_pence),
            Contribution("Rotherham Together Partnership", rtp_pence),
        ],
    )
    if open_:
        fund.open(NOW)
    return fund


def group(**overrides: object) -> Organisation:
    values: dict[str, object] = {
        "name": "Eastwood Community Group",
        "type": "community_group",
        "contact_name": "A. Person",
        "contact_email": "contact@example.org",
    }
    values.update(overrides)
    return Organisation(**values)  # type: ignore[arg-type]


def application(fund: Fund, **overrides: object) -> Application:
    values: dict[str, object] = {
        "applicant": "group-1",
        "organisation": group(),
        "title": "Let's get Rotherham talking",
        "summary": "Street events",
        "amount_requested_pence": 80_000,
        "ward_codes": [BOSTON_CASTLE],
        "theme": "Bringing people together",
        "wards_of_council": WARDS,
        "now": NOW,
    }
    values.update(overrides)
    return Application.draft(fund, **values)  # type: ignore[arg-type]


def assessed(fund: Fund, members: int = 3, **overrides: object) -> Application:
    app = application(fund, **overrides)
    app.submit(fund, WARDS, NOW)
    app.start_assessment(NOW)
    for n in range(members):
        app.score(fund, f"member-{n}", {"community benefit": 4, "need": 3}, {}, NOW)
    app.recommend(True, "Strong local support", NOW)
    return app


# --- Money ----------------------------------------------------------------------------------------


def test_apportion_splits_pro_rata_and_always_adds_up():
    assert apportion(1_000, [500, 500]) == [500, 500]
    assert apportion(1_001, [500, 500]) == [501, 500]  # the odd penny to the first funder
    assert apportion(100, [1, 1, 1]) == [34, 33, 33]
    assert apportion(10, [700, 300]) == [7, 3]
    for amount in (1, 7, 99, 12_345):
        assert sum(apportion(amount, [3, 5, 11])) == amount


def test_apportion_gives_the_remainder_to_the_largest_fraction_not_the_first_funder():
    # 5 * 2/7 = 1.43, 5 * 5/7 = 3.57: the leftover penny goes to the second share.
    assert apportion(5, [2, 5]) == [1, 4]


def test_apportion_never_gives_a_share_beyond_its_weight():
    assert apportion(3, [1, 1, 1]) == [1, 1, 1]
    assert apportion(2, [1, 0, 1]) == [1, 0, 1]


# --- Funds ----------------------------------------------------------------------------------------


def test_a_fund_totals_its_contributions():
    fund = bsc_fund(open_=False)
    assert fund.total_contributions_pence == 1_000_000
    assert fund.available_pence == 1_000_000
    assert [c.position for c in fund.contributions] == [0, 1]


def test_a_fund_moves_draft_to_open_to_closed():
    fund = bsc_fund(open_=False)
    assert fund.status == FundStatus.DRAFT
    fund.open(NOW)
    assert (fund.status, fund.opened_at) == (FundStatus.OPEN, NOW)
    fund.close(NOW)
    assert (fund.status, fund.closed_at) == (FundStatus.CLOSED, NOW)


@pytest.mark.parametrize(("prepare", "action", "state"), [("close", "open", "closed"), (None, "close", "draft")])
def test_a_fund_refuses_an_illegal_move_naming_its_state(prepare, action, state):
    fund = bsc_fund(open_=False)
    if prepare:
        fund.open(NOW)
        getattr(fund, prepare)(NOW)
    with pytest.raises(IllegalTransition) as refused:
        getattr(fund, action)(NOW)
    assert refused.value.facts == {"current_state": state, "attempted_action": action}


def test_a_fund_without_contributions_cannot_open():
    fund = Fund(council=ROTHERHAM, name="Empty", themes=["x"], maximum_award_pence=1)
    with pytest.raises(InvalidFund):
        fund.open(NOW)


@pytest.mark.parametrize(
    "overrides",
    [
        {"themes": []},
        {"themes": ["a", "a"]},
        {"maximum_award_pence": 0},
        {"quorum": 0},
        {"opens_on": date(2017, 7, 1), "closes_on": date(2017, 6, 1)},
        {"name": "  "},
    ],
)
def test_a_fund_with_broken_terms_is_refused(overrides):
    values = {"council": ROTHERHAM, "name": "BSC", "themes": ["x"], "maximum_award_pence": 100} | overrides
    with pytest.raises(InvalidFund):
        Fund(**values)


def test_a_contribution_must_be_positive():
    with pytest.raises(InvalidFund):
        Contribution("Nobody", 0)


def test_committing_an_award_attributes_every_penny_to_a_funder():
    fund = bsc_fund(council_pence=500_000, rtp_pence=250_000)
    commitments = fund.commit("app-1", 30_001)
    assert sum(c.amount_pence for c in commitments) == 30_001
    assert [c.amount_pence for c in commitments] == [20_001, 10_000]
    assert fund.committed_pence == 30_001
    assert fund.available_pence == 750_000 - 30_001


def test_award_is_refused_when_it_would_overcommit_the_fund():
    fund = bsc_fund(council_pence=1_000, rtp_pence=1_000)
    fund.commit("app-1", 1_500)
    with pytest.raises(Overcommitted) as refused:
        fund.commit("app-2", 501)
    assert refused.value.facts == {"requested_pence": 501, "available_pence": 500}
    assert fund.committed_pence == 1_500


def test_many_small_awards_never_commit_a_funder_beyond_its_contribution():
    fund = bsc_fund(council_pence=7, rtp_pence=3)
    for n in range(10):
        fund.commit(f"app-{n}", 1)
    assert [c.committed_pence for c in fund.contributions] == [7, 3]
    with pytest.raises(Overcommitted):
        fund.commit("one-too-many", 1)


def test_releasing_an_award_gives_each_funder_back_its_share():
    fund = bsc_fund()
    commitments = fund.commit("app-1", 80_000)
    assert fund.release(commitments) == 80_000
    assert fund.committed_pence == 0
    assert all(c.outstanding_pence == 0 for c in commitments)


# --- Applications ---------------------------------------------------------------------------------


def test_an_application_to_a_fund_that_is_not_open_is_refused_naming_its_state():
    fund = bsc_fund()
    fund.close(NOW)
    with pytest.raises(FundNotOpen) as refused:
        application(fund)
    assert refused.value.facts == {"fund_status": "closed"}


def test_an_application_naming_unknown_wards_is_refused_naming_them():
    with pytest.raises(UnknownWards) as refused:
        application(bsc_fund(), ward_codes=[BOSTON_CASTLE, "E05099999", "E05000001"])
    assert refused.value.facts == {"unknown_ward_codes": ["E05000001", "E05099999"]}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_requested_pence": 0}, "amount_requested_pence"),
        ({"amount_requested_pence": 100_001}, "amount_requested_pence"),
        ({"theme": "Roads"}, "theme"),
        ({"organisation": group(type="charity")}, "charity_number"),
        ({"organisation": group(type="cic")}, "company_number"),
    ],
)
def test_an_invalid_application_is_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidApplication) as refused:
        application(bsc_fund(), **overrides)
    assert refused.value.facts["field"] == field


def test_an_application_may_ask_for_exactly_the_maximum_award():
    assert application(bsc_fund(), amount_requested_pence=100_000).status == ApplicationStatus.DRAFT


def test_submitting_a_draft_makes_it_submitted_and_a_second_submit_is_illegal():
    fund = bsc_fund()
    app = application(fund)
    app.submit(fund, WARDS, NOW)
    assert (app.status, app.submitted_at) == ("submitted", NOW)
    with pytest.raises(IllegalTransition) as refused:
        app.submit(fund, WARDS, NOW)
    assert refused.value.facts == {"current_state": "submitted", "attempted_action": "submit"}


def test_a_draft_cannot_be_submitted_once_the_fund_has_closed():
    fund = bsc_fund()
    app = application(fund)
    fund.close(NOW)
    with pytest.raises(FundNotOpen):
        app.submit(fund, WARDS, NOW)


def test_only_a_draft_may_be_revised():
    fund = bsc_fund()
    app = application(fund)
    app.revise(fund, WARDS, NOW, amount_requested_pence=50_000, ward_codes=[KEPPEL, KEPPEL])
    assert (app.amount_requested_pence, app.ward_codes) == (50_000, [KEPPEL])
    with pytest.raises(InvalidApplication):
        app.revise(fund, WARDS, NOW, status="approved", amount_awarded_pence=100_000)
    assert (app.status, app.amount_awarded_pence) == ("draft", None)
    app.submit(fund, WARDS, NOW)
    with pytest.raises(IllegalTransition):
        app.revise(fund, WARDS, NOW, title="Changed")


# The whole lifecycle, and every move that is not in it.

LIFECYCLE = [
    "draft",
    "submitted",
    "in_assessment",
    "recommended",
    "approved",
    "offered",
    "accepted",
    "paid",
    "monitoring",
    "closed",
]


def test_an_application_goes_through_its_whole_lifecycle_and_money_follows_it():
    fund = bsc_fund()
    app = assessed(fund)
    app.approve(fund, reasons="Quorate and affordable", by="chair", now=NOW)
    assert (app.status, app.amount_awarded_pence, fund.committed_pence) == ("approved", 80_000, 80_000)
    app.offer(["Monitoring report by 31 March"], [(50_000, date(2017, 7, 1)), (30_000, None)], NOW)
    app.accept(NOW)
    app.approve_tranche(1, "finance-1", NOW)
    app.pay_tranche(fund, 1, NOW)
    assert (app.status, fund.paid_pence) == ("accepted", 50_000)
    app.approve_tranche(2, "finance-1", NOW)
    app.pay_tranche(fund, 2, NOW)
    assert (app.status, app.amount_paid_pence, fund.paid_pence) == ("paid", 80_000, 80_000)
    app.start_monitoring(NOW)
    final = MonitoringReport("2017-18", "Four street events held", 80_000, 240, "Neighbours met", final=True)
    app.submit_report(final, "group-1", NOW)
    app.review_report(final.id, "accepted", "", "officer-1", NOW)
    app.close(NOW)
    assert app.status == "closed"
    assert [c.paid_pence for c in fund.contributions] == [40_000, 40_000]


ILLEGAL_MOVES = [
    (state.value, action)
    for action, (allowed, _) in sorted(MOVES.items())
    for state in ApplicationStatus
    if state not in allowed
]


def test_the_lifecycle_allows_withdrawal_from_every_state_before_payment_and_nothing_after_it():
    allowed, _ = MOVES["withdraw"]
    assert set(allowed) == set(LIFECYCLE[: LIFECYCLE.index("paid")]) | {"not_recommended"}


@pytest.mark.parametrize(("state", "action"), ILLEGAL_MOVES)
def test_every_move_the_lifecycle_does_not_allow_is_refused_naming_the_state(state, action):
    fund = bsc_fund()
    app = application(fund)
    app.status = state
    perform = {
        "submit": lambda: app.submit(fund, WARDS, NOW),
        "start_assessment": lambda: app.start_assessment(NOW),
        "recommend": lambda: app.recommend(True, "r", NOW),
        "not_recommend": lambda: app.recommend(False, "r", NOW),
        "approve": lambda: app.approve(fund, reasons="r", by="x", now=NOW),
        "reject": lambda: app.reject(fund, reasons="r", by="x", now=NOW),
        "offer": lambda: app.offer([], [], NOW),
        "accept": lambda: app.accept(NOW),
        "mark_paid": lambda: app._move("mark_paid"),
        "start_monitoring": lambda: app.start_monitoring(NOW),
        "close": lambda: app.close(NOW),
        "withdraw": lambda: app.withdraw(fund, NOW),
    }[action]
    with pytest.raises(IllegalTransition) as refused:
        perform()
    assert refused.value.facts == {"current_state": state, "attempted_action": action}
    assert app.status == state


def test_withdrawing_an_approved_award_releases_its_commitment():
    fund = bsc_fund()
    app = assessed(fund)
    app.approve(fund, reasons="ok", by="chair", now=NOW)
    previous, released = app.withdraw(fund, NOW)
    assert (previous, released, app.status, fund.committed_pence) == ("approved", 80_000, "withdrawn", 0)


def test_a_grant_with_a_tranche_paid_can_no_longer_be_withdrawn():
    fund = bsc_fund()
    app = assessed(fund)
    app.approve(fund, reasons="ok", by="chair", now=NOW)
    app.offer([], [(40_000, None), (40_000, None)], NOW)
    app.accept(NOW)
    app.approve_tranche(1, "finance", NOW)
    app.pay_tranche(fund, 1, NOW)
    with pytest.raises(IllegalTransition):
        app.withdraw(fund, NOW)
    assert fund.committed_pence == 80_000


def accepted_in_tranches(fund: Fund, *amounts: int) -> Application:
    app = assessed(fund, amount_requested_pence=sum(amounts))
    app.approve(fund, reasons="ok", by="chair", now=NOW)
    app.offer([], [(amount, None) for amount in amounts], NOW)
    app.accept(NOW)
    return app


def test_an_underspend_releases_the_unpaid_remainder_to_each_funder():
    fund = bsc_fund(council_pence=600_000, rtp_pence=400_000)
    app = accepted_in_tranches(fund, 50_000, 30_001)
    app.approve_tranche(1, "finance", NOW)
    app.pay_tranche(fund, 1, NOW)
    app.approve_tranche(2, "finance", NOW)  # approved, never paid: still cancellable

    cancelled, released = app.cancel_remaining_tranches(fund, NOW)

    assert [(t.sequence, t.status) for t in cancelled] == [(2, "cancelled")]
    assert sum(amount for _, amount in released) == 30_001 == app.amount_released_pence
    # Pro rata to what each funder had committed (60:40), to the penny.
    assert [amount for _, amount in released] == [18_001, 12_000]
    assert [(c.committed_pence, c.paid_pence) for c in fund.contributions] == [(30_000, 30_000), (20_000, 20_000)]
    assert (fund.committed_pence, fund.paid_pence, fund.available_pence) == (50_000, 50_000, 950_000)
    assert (app.status, app.amount_paid_pence, app.amount_awarded_pence) == ("paid", 50_000, 80_001)
    assert all(c.outstanding_pence == 0 for c in app.commitments)


def test_the_report_counts_only_what_an_underspent_grant_kept():
    fund = bsc_fund()
    app = accepted_in_tranches(fund, 50_000, 30_000)
    app.approve_tranche(1, "finance", NOW)
    app.pay_tranche(fund, 1, NOW)
    app.cancel_remaining_tranches(fund, NOW)
    report = report_on(fund, [app])
    assert (report.committed_pence, report.paid_pence, report.available_pence) == (50_000, 50_000, 950_000)
    assert [(w.key, w.amount_pence) for w in report.by_ward] == [(BOSTON_CASTLE, 50_000)]
    assert [(t.key, t.amount_pence) for t in report.by_theme] == [("Bringing people together", 50_000)]


def test_tranches_cannot_be_cancelled_before_anything_is_paid_or_once_the_grant_is_paid():
    fund = bsc_fund()
    app = accepted_in_tranches(fund, 50_000, 30_000)
    with pytest.raises(NothingPaidYet):
        app.cancel_remaining_tranches(fund, NOW)
    assert (app.status, fund.committed_pence) == ("accepted", 80_000)
    for n in (1, 2):
        app.approve_tranche(n, "finance", NOW)
        app.pay_tranche(fund, n, NOW)
    with pytest.raises(IllegalTransition) as refused:
        app.cancel_remaining_tranches(fund, NOW)
    assert refused.value.facts["current_state"] == "paid"
    assert (fund.committed_pence, fund.paid_pence) == (80_000, 80_000)


# --- Assessment -----------------------------------------------------------------------------------


def test_the_panel_cannot_decide_without_quorum():
    fund = bsc_fund(quorum=3)
    app = assessed(fund, members=2)
    with pytest.raises(QuorumNotMet) as refused:
        app.approve(fund, reasons="ok", by="chair", now=NOW)
    assert refused.value.facts == {"scored": 2, "quorum": 3}
    assert (app.status, fund.committed_pence) == ("recommended", 0)


def test_a_member_with_a_conflict_cannot_score_and_does_not_count_toward_quorum():
    fund = bsc_fund(quorum=3)
    app = assessed(fund, members=3)
    app.declare_conflict("member-0", "Trustee of the applicant", NOW)
    assert len(app.counted_scores) == 2
    with pytest.raises(ConflictOfInterest):
        app.score(fund, "member-0", {"community benefit": 5, "need": 5}, {}, NOW)
    with pytest.raises(QuorumNotMet):
        app.reject(fund, reasons="no", by="chair", now=NOW)
    app.score(fund, "member-3", {"community benefit": 1, "need": 1}, {}, NOW)
    app.reject(fund, reasons="Weak on need", by="chair", now=NOW)
    assert (app.status, app.decision_reasons) == ("rejected", "Weak on need")


def test_scores_must_cover_every_criterion_from_0_to_5():
    fund = bsc_fund()
    app = application(fund)
    app.submit(fund, WARDS, NOW)
    app.start_assessment(NOW)
    with pytest.raises(InvalidScore) as missing:
        app.score(fund, "m", {"need": 3}, {}, NOW)
    assert missing.value.facts["missing_criteria"] == ["community benefit"]
    with pytest.raises(InvalidScore):
        app.score(fund, "m", {"need": 6, "community benefit": 1}, {}, NOW)


def test_scoring_again_replaces_a_members_earlier_score():
    fund = bsc_fund()
    app = assessed(fund, members=1)
    app.score(fund, "member-0", {"community benefit": 5, "need": 5}, {"need": "Clear need"}, NOW)
    assert [(s.member, s.total) for s in app.scores] == [("member-0", 10)]
    assert app.average_score == 10


def test_an_award_may_be_less_than_requested_but_not_more():
    fund = bsc_fund()
    app = assessed(fund)
    with pytest.raises(InvalidApplication):
        app.approve(fund, reasons="ok", by="chair", now=NOW, amount_pence=80_001)
    app.approve(fund, reasons="Part-funded", by="chair", now=NOW, amount_pence=60_000)
    assert (app.amount_awarded_pence, fund.committed_pence) == (60_000, 60_000)


# --- Offers and tranches ----------------------------------------------------------------------------


def test_an_offers_tranches_must_add_up_to_the_award():
    fund = bsc_fund()
    app = assessed(fund)
    app.approve(fund, reasons="ok", by="chair", now=NOW)
    with pytest.raises(InvalidOffer):
        app.offer([], [(50_000, None), (20_000, None)], NOW)
    app.offer([], [], NOW)
    assert [(t.sequence, t.amount_pence) for t in app.tranches] == [(1, 80_000)]


def test_a_tranche_is_paid_only_after_finance_approves_it():
    fund = bsc_fund()
    app = assessed(fund)
    app.approve(fund, reasons="ok", by="chair", now=NOW)
    app.offer([], [], NOW)
    app.accept(NOW)
    with pytest.raises(IllegalTransition) as refused:
        app.pay_tranche(fund, 1, NOW)
    assert refused.value.facts == {"current_state": "planned", "attempted_action": "pay"}
    assert fund.paid_pence == 0


# --- Report ---------------------------------------------------------------------------------------


def test_the_report_shows_each_funder_and_awards_by_ward_and_theme():
    fund = bsc_fund()
    first = assessed(fund, ward_codes=[BOSTON_CASTLE, KEPPEL], amount_requested_pence=10_001)
    first.approve(fund, reasons="ok", by="chair", now=NOW)
    second = assessed(fund, ward_codes=[KEPPEL], theme="A strong civic community and pride of place")
    second.approve(fund, reasons="ok", by="chair", now=NOW)
    refused = assessed(fund, ward_codes=[RAWMARSH_EAST])
    refused.reject(fund, reasons="no", by="chair", now=NOW)

    report = report_on(fund, [first, second, refused])
    assert (report.contributed_pence, report.committed_pence, report.available_pence) == (
        1_000_000,
        90_001,
        909_999,
    )
    assert [(f.funder_name, f.committed_pence) for f in report.funders] == [
        ("Rotherham Metropolitan Borough Council", 45_001),
        ("Rotherham Together Partnership", 45_000),
    ]
    assert [(w.key, w.awards, w.amount_pence) for w in report.by_ward] == [
        (BOSTON_CASTLE, 1, 5_001),
        (KEPPEL, 2, 85_000),
    ]
    assert {t.key: t.amount_pence for t in report.by_theme} == {
        "Bringing people together": 10_001,
        "A strong civic community and pride of place": 80_000,
    }
