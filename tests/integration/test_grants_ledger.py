"""The commitment ledger and the fund's report through the HTTP API: awards committed to funders,
payments, a withdrawal and an underspend giving money back, and every figure of the report."""

from __future__ import annotations

from typing import Any

from tests.integration.test_grants_api import (
    BOSTON_CASTLE,
    KEPPEL,
    THEME,
    Grants,
    apply,
    assert_problem,
    current_financial_year,
    open_fund,
    score,
)
from tests.integration.test_grants_api import grants as grants  # a fixture, used by name

OTHER_THEME = "A strong civic community and pride of place"
# Unequal funders, so a share attributed to the wrong one shows.
FUNDERS = [
    {"funder_name": "Rotherham Metropolitan Borough Council", "amount_pence": 600_000},
    {"funder_name": "Rotherham Together Partnership", "amount_pence": 400_000},
]


def finance(g: Grants) -> dict[str, str]:
    return g.as_("finance", subject="finance-1")


async def approved(g: Grants, fund_id: str, amount_pence: int, **overrides: Any) -> str:
    application = await apply(g, fund_id, amount_requested_pence=amount_pence, **overrides)
    url = f"/v1/applications/{application['id']}"
    assert (await g.client.post(f"{url}/submit", headers=g.group)).status_code == 200
    assert (await g.client.post(f"{url}/assessment", headers=g.officer)).status_code == 200
    assert (await score(g, application["id"], "member-1")).status_code == 200
    recommended = await g.client.post(
        f"{url}/recommendation", json={"recommended": True, "reasons": "ok"}, headers=g.officer
    )
    assert recommended.status_code == 200
    decided = await g.client.post(f"{url}/decision", json={"outcome": "approved", "reasons": "ok"}, headers=g.officer)
    assert decided.json()["status"] == "approved", decided.text
    return str(application["id"])


async def accepted(g: Grants, app_id: str, *tranches: int) -> None:
    url = f"/v1/applications/{app_id}"
    offered = await g.client.post(
        f"{url}/offer", json={"tranches": [{"amount_pence": t} for t in tranches]}, headers=g.officer
    )
    assert offered.status_code == 200, offered.text
    assert (await g.client.post(f"{url}/accept", headers=g.group)).status_code == 200


async def pay(g: Grants, app_id: str, sequence: int) -> dict[str, Any]:
    url = f"/v1/applications/{app_id}/tranches/{sequence}"
    assert (await g.client.post(f"{url}/approve", headers=finance(g))).status_code == 200
    paid = await g.client.post(f"{url}/pay", headers=finance(g))
    assert paid.status_code == 200, paid.text
    return dict(paid.json())


async def fund_report(g: Grants, fund_id: str) -> dict[str, Any]:
    response = await g.client.get(f"/v1/funds/{fund_id}/report", headers=finance(g))
    assert response.status_code == 200, response.text
    return dict(response.json())


def totals(report: dict[str, Any]) -> tuple[int, int, int, int]:
    return (
        report["contributed_pence"],
        report["committed_pence"],
        report["paid_pence"],
        report["available_pence"],
    )


def per_funder(report: dict[str, Any]) -> list[tuple[str, int, int, int, int]]:
    return [
        (f["funder_name"], f["contributed_pence"], f["committed_pence"], f["paid_pence"], f["available_pence"])
        for f in report["funders"]
    ]


async def outbox_data(g: Grants, event_type: str, subject: str) -> list[dict[str, Any]]:
    rows = await g.sql(
        "SELECT envelope FROM outbox WHERE event_type = :t AND subject = :s ORDER BY seq", t=event_type, s=subject
    )
    return [row[0]["data"] for row in rows]


async def a_fund_with_an_award_a_payment_and_a_withdrawal(g: Grants) -> tuple[str, str, str, str]:
    fund = await open_fund(g, quorum=1, contributions=FUNDERS)
    # £800 across two wards, paid £500 of it in the first of two tranches.
    paid_in_part = await approved(g, fund["id"], 80_000, ward_codes=[BOSTON_CASTLE, KEPPEL])
    await accepted(g, paid_in_part, 50_000, 30_000)
    await pay(g, paid_in_part, 1)
    # £200 awarded, then withdrawn: its commitment goes back.
    withdrawn = await approved(g, fund["id"], 20_000, ward_codes=[KEPPEL], theme=OTHER_THEME)
    response = await g.client.post(f"/v1/applications/{withdrawn}/withdraw", headers=g.group)
    assert response.json()["status"] == "withdrawn", response.text
    # £100 awarded and accepted, nothing paid yet.
    unpaid = await approved(g, fund["id"], 10_000, ward_codes=[KEPPEL])
    await accepted(g, unpaid, 10_000)
    return fund["id"], paid_in_part, withdrawn, unpaid


async def test_the_fund_report_shows_every_figure_after_an_award_a_payment_and_a_withdrawal(grants):
    fund_id, paid_in_part, withdrawn, _ = await a_fund_with_an_award_a_payment_and_a_withdrawal(grants)
    report = await fund_report(grants, fund_id)

    assert report["fund_id"] == fund_id
    assert totals(report) == (1_000_000, 90_000, 50_000, 910_000)
    # Every award split 60:40 between the funders; the payment attributed the same way.
    assert per_funder(report) == [
        ("Rotherham Metropolitan Borough Council", 600_000, 54_000, 30_000, 546_000),
        ("Rotherham Together Partnership", 400_000, 36_000, 20_000, 364_000),
    ]
    # The withdrawn award counts nowhere; the two-ward award is split evenly between its wards.
    assert report["by_ward"] == [
        {"key": BOSTON_CASTLE, "awards": 1, "amount_pence": 40_000},
        {"key": KEPPEL, "awards": 2, "amount_pence": 50_000},
    ]
    assert report["by_theme"] == [{"key": THEME, "awards": 2, "amount_pence": 90_000}]

    # The fund's own view agrees with its report.
    fund = (await grants.client.get(f"/v1/funds/{fund_id}", headers=grants.officer)).json()
    assert (fund["committed_pence"], fund["paid_pence"], fund["available_pence"]) == (90_000, 50_000, 910_000)
    (released,) = await outbox_data(grants, "grants.application.withdrawn.v1", withdrawn)
    assert (released["previous_status"], released["released_pence"]) == ("approved", 20_000)
    (tranche_paid,) = await outbox_data(grants, "grants.application.tranche_paid.v1", paid_in_part)
    assert sorted(s["amount_pence"] for s in tranche_paid["funder_shares"]) == [20_000, 30_000]


async def test_an_underspend_releases_the_unpaid_remainder_to_the_funders(grants):
    fund_id, paid_in_part, _, unpaid = await a_fund_with_an_award_a_payment_and_a_withdrawal(grants)
    url = f"/v1/applications/{paid_in_part}"

    cancelled = await grants.client.post(
        f"{url}/tranches/cancel", json={"reason": "Delivered for £500"}, headers=grants.officer
    )
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["amount_awarded_pence"], body["amount_paid_pence"], body["amount_released_pence"]) == (
        "paid",
        80_000,
        50_000,
        30_000,
    )
    assert [(t["sequence"], t["status"]) for t in body["tranches"]] == [(1, "paid"), (2, "cancelled")]
    assert sorted((s["paid_pence"], s["released_pence"]) for s in body["funder_shares"]) == [
        (20_000, 12_000),
        (30_000, 18_000),
    ]

    report = await fund_report(grants, fund_id)
    assert totals(report) == (1_000_000, 60_000, 50_000, 940_000)
    assert per_funder(report) == [
        ("Rotherham Metropolitan Borough Council", 600_000, 36_000, 30_000, 564_000),
        ("Rotherham Together Partnership", 400_000, 24_000, 20_000, 376_000),
    ]
    assert report["by_ward"] == [
        {"key": BOSTON_CASTLE, "awards": 1, "amount_pence": 25_000},
        {"key": KEPPEL, "awards": 2, "amount_pence": 35_000},
    ]
    assert report["by_theme"] == [{"key": THEME, "awards": 2, "amount_pence": 60_000}]

    (event,) = await outbox_data(grants, "grants.application.tranches_cancelled.v1", paid_in_part)
    assert {k: event[k] for k in ("fund_id", "sequences", "amount_paid_pence", "released_pence")} == {
        "fund_id": fund_id,
        "sequences": [2],
        "amount_paid_pence": 50_000,
        "released_pence": 30_000,
    }
    assert sorted(s["amount_pence"] for s in event["funder_shares"]) == [12_000, 18_000]
    assert await outbox_data(grants, "grants.application.paid.v1", paid_in_part) == [
        {"application_id": paid_in_part, "fund_id": fund_id, "amount_paid_pence": 50_000}
    ]

    # Nothing more can be paid or cancelled; the grant is monitored and closes as any other.
    assert_problem(
        await grants.client.post(f"{url}/tranches/2/approve", headers=finance(grants)), 409, "Illegal transition"
    )
    again = await grants.client.post(f"{url}/tranches/cancel", json={"reason": "again"}, headers=grants.officer)
    assert assert_problem(again, 409, "Illegal transition")["current_state"] == "paid"
    assert (await grants.client.post(f"{url}/monitoring", headers=grants.officer)).json()["status"] == "monitoring"
    final = await grants.client.post(
        f"{url}/monitoring-reports",
        json={
            "financial_year": current_financial_year(),
            "summary": "Done for less",
            "spend_to_date_pence": 50_000,
            "beneficiaries_reached": 120,
            "final": True,
        },
        headers=grants.group,
    )
    assert final.status_code == 201, final.text
    reviewed = await grants.client.post(
        f"{url}/monitoring-reports/{final.json()['id']}/review", json={"outcome": "accepted"}, headers=grants.officer
    )
    assert reviewed.status_code == 200
    assert (await grants.client.post(f"{url}/close", headers=grants.officer)).json()["status"] == "closed"
    assert totals(await fund_report(grants, fund_id)) == (1_000_000, 60_000, 50_000, 940_000)

    ledger = await grants.sql(
        "SELECT c.committed_pence, coalesce(sum(m.amount_pence - m.released_pence), 0) "
        "FROM contributions c LEFT JOIN commitments m ON m.contribution_id = c.id "
        "WHERE c.fund_id = :f GROUP BY c.id, c.committed_pence ORDER BY c.position",
        f=fund_id,
    )
    assert [committed == held for committed, held in ledger] == [True, True]
    # The grant that had nothing paid cannot be cancelled: withdrawal is its way out.
    nothing_paid = await grants.client.post(
        f"/v1/applications/{unpaid}/tranches/cancel", json={"reason": "r"}, headers=grants.officer
    )
    assert assert_problem(nothing_paid, 409, "Nothing paid yet")["amount_paid_pence"] == 0


async def test_cancelling_tranches_needs_a_reason_and_an_officer_or_finance(grants):
    fund_id, paid_in_part, _, _ = await a_fund_with_an_award_a_payment_and_a_withdrawal(grants)
    url = f"/v1/applications/{paid_in_part}/tranches/cancel"
    no_reason = await grants.client.post(url, json={}, headers=grants.officer)
    assert no_reason.status_code == 422
    assert no_reason.headers["content-type"] == "application/problem+json"
    assert "reason" in no_reason.text
    assert_problem(await grants.client.post(url, json={"reason": "r"}, headers=grants.group), 403, "Forbidden")
    assert (await grants.client.post(url, json={"reason": "r"}, headers=finance(grants))).status_code == 200
    assert totals(await fund_report(grants, fund_id))[1] == 60_000


async def test_revising_a_draft_publishes_which_fields_changed_without_personal_data(grants):
    fund = await open_fund(grants)
    draft = await apply(grants, fund["id"])
    revised = await grants.client.patch(
        f"/v1/applications/{draft['id']}",
        json={
            "amount_requested_pence": 60_000,
            "ward_codes": [KEPPEL],
            "organisation": {
                "name": "Eastwood Community Group",
                "type": "community_group",
                "contact": {"name": "B. Person", "email": "new@example.org"},
            },
        },
        headers=grants.group,
    )
    assert revised.status_code == 200, revised.text
    (event,) = await outbox_data(grants, "grants.application.revised.v1", draft["id"])
    assert event == {
        "application_id": draft["id"],
        "fund_id": fund["id"],
        "changed": ["amount_requested_pence", "organisation", "ward_codes"],
        "amount_requested_pence": 60_000,
        "ward_codes": [KEPPEL],
        "theme": THEME,
    }
    every_envelope = str(await grants.sql("SELECT envelope FROM outbox"))
    assert "new@example.org" not in every_envelope and "B. Person" not in every_envelope
