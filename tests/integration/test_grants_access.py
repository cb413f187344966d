"""Who may do what in grants, each rule through the HTTP API; and erasure of an applicant's personal
data on request, which leaves the grant record (amounts, wards, decision, ledger) as it was."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_grants_api import (
    BOSTON_CASTLE,
    COUNCIL,
    KEPPEL,
    MARKS,
    Grants,
    an_application,
    apply,
    assert_problem,
    bsc_fund,
    open_fund,
    score,
    submitted_and_assessed,
)
from tests.integration.test_grants_api import grants as grants  # a fixture, used by name
from tests.integration.test_grants_open_data import awarded
from tests.support import OTHER_COUNCIL

CONTACT = ("A. Person", "contact@example.org", "01709 000000")
ERASED = "grants.application.personal_data_erased.v1"


def partner(g: Grants) -> dict[str, str]:
    return g.as_("partner", subject="ops@southyorks.police.uk", organisation="south-yorkshire-police")


def finance(g: Grants) -> dict[str, str]:
    return g.as_("finance", subject="finance-1")


# --- Erasure on request ---------------------------------------------------------------------------


async def contact_row(g: Grants, application_id: str) -> tuple[Any, ...]:
    ((row),) = await g.sql(
        "SELECT contact_name, contact_email, contact_phone, organisation_name, amount_requested_pence, "
        "amount_awarded_pence, ward_codes, theme, status, decision_reasons, personal_data_erased_at IS NOT NULL "
        "FROM applications WHERE id = :id",
        id=application_id,
    )
    return tuple(row)


async def ledger(g: Grants, fund_id: str) -> list[tuple[Any, ...]]:
    rows = await g.sql(
        "SELECT c.committed_pence, c.paid_pence, m.amount_pence, m.paid_pence, m.released_pence "
        "FROM contributions c JOIN commitments m ON m.contribution_id = c.id WHERE c.fund_id = :f ORDER BY c.position",
        f=fund_id,
    )
    return [tuple(r) for r in rows]


async def test_erasure_forgets_the_contact_in_the_api_and_the_database_and_keeps_the_grant(grants):
    fund = await open_fund(grants, quorum=1)
    grant = await awarded(grants, fund["id"], amount_pence=80_000, pay=True, ward_codes=[BOSTON_CASTLE, KEPPEL])
    url = f"/v1/applications/{grant['id']}"
    before = await contact_row(grants, grant["id"])
    assert before[:3] == CONTACT
    ledger_before = await ledger(grants, fund["id"])
    report_before = (await grants.client.get(f"/v1/funds/{fund['id']}/report", headers=grants.officer)).json()

    erased = await grants.client.post(f"{url}/erasure", headers=grants.officer)
    assert erased.status_code == 200, erased.text
    body = erased.json()
    organisation = body["organisation"]
    assert (organisation["contact_name"], organisation["contact_email"], organisation["contact_phone"]) == (
        None,
        None,
        None,
    )
    assert organisation["name"] == "Eastwood Community Group"
    assert body["personal_data_erased_at"] is not None
    assert (body["status"], body["amount_awarded_pence"], body["amount_paid_pence"], body["ward_codes"]) == (
        "paid",
        80_000,
        80_000,
        [BOSTON_CASTLE, KEPPEL],
    )

    after = await contact_row(grants, grant["id"])
    assert after[:3] == (None, None, None)
    assert after[3:10] == before[3:10]  # organisation, amounts, wards, theme, status, decision
    assert (before[10], after[10]) == (False, True)
    assert await ledger(grants, fund["id"]) == ledger_before
    report_after = (await grants.client.get(f"/v1/funds/{fund['id']}/report", headers=grants.officer)).json()
    assert report_after == report_before
    # The applicant still sees its own grant, anonymised too.
    own = (await grants.client.get(url, headers=grants.group)).json()
    assert (own["organisation"]["contact_email"], own["amount_paid_pence"]) == (None, 80_000)

    ((envelope,),) = await grants.sql("SELECT envelope FROM outbox WHERE event_type = :t", t=ERASED)
    assert set(envelope["data"]) == {"application_id", "fund_id", "erased_at"}
    assert envelope["data"]["application_id"] == grant["id"]
    every_envelope = str(await grants.sql("SELECT envelope FROM outbox"))
    audit = str(await grants.sql("SELECT detail FROM audit_log"))
    for value in CONTACT:
        assert value not in every_envelope
        assert value not in audit

    again = await grants.client.post(f"{url}/erasure", headers=grants.officer)
    problem = assert_problem(again, 409, "Personal data already erased")
    assert problem["erased_at"] is not None
    assert len(await grants.sql("SELECT 1 FROM outbox WHERE event_type = :t", t=ERASED)) == 1


async def test_erasure_also_forgets_the_stored_replay_of_the_application_post(grants):
    fund = await open_fund(grants)
    created = await grants.client.post(
        f"/v1/funds/{fund['id']}/applications",
        json=an_application(),
        headers={**grants.group, "Idempotency-Key": "apply-once"},
    )
    assert created.status_code == 201
    assert (
        await grants.client.post(f"/v1/applications/{created.json()['id']}/erasure", headers=grants.officer)
    ).status_code == 200
    stored = str(await grants.sql("SELECT body FROM idempotency_keys"))
    assert "contact@example.org" not in stored


async def test_neither_the_applicant_nor_a_partner_can_erase_personal_data(grants):
    fund = await open_fund(grants, quorum=1)
    grant = await awarded(grants, fund["id"], amount_pence=80_000)
    url = f"/v1/applications/{grant['id']}/erasure"
    assert_problem(await grants.client.post(url, headers=grants.group), 403, "Forbidden")
    assert_problem(await grants.client.post(url, headers=partner(grants)), 403, "Forbidden")
    assert_problem(await grants.client.post(url, headers=finance(grants)), 403, "Forbidden")
    assert (await contact_row(grants, grant["id"]))[:3] == CONTACT
    assert await grants.sql("SELECT 1 FROM outbox WHERE event_type = :t", t=ERASED) == []


# --- Officers run funds -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["applicant", "partner", "finance", "forum_member", "ward_member", "approver"])
async def test_only_an_officer_creates_opens_or_closes_a_fund(grants, role):
    headers = grants.as_(role, subject=f"{role}-1")
    assert_problem(await grants.client.post("/v1/funds", json=bsc_fund(), headers=headers), 403, "Forbidden")
    draft = (await grants.client.post("/v1/funds", json=bsc_fund(), headers=grants.officer)).json()
    assert_problem(await grants.client.post(f"/v1/funds/{draft['id']}/open", headers=headers), 403, "Forbidden")
    opened = await open_fund(grants)
    assert_problem(await grants.client.post(f"/v1/funds/{opened['id']}/close", headers=headers), 403, "Forbidden")
    statuses = await grants.sql("SELECT status FROM funds ORDER BY status")
    assert statuses == [("draft",), ("open",)]
    assert await grants.sql("SELECT count(*) FROM outbox WHERE event_type = 'grants.fund.created.v1'") == [(2,)]


# --- Forum members score ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["applicant", "officer", "finance", "partner", "admin"])
async def test_only_a_forum_member_scores_or_declares_a_conflict(grants, role):
    fund = await open_fund(grants)
    app_id = await submitted_and_assessed(grants, fund["id"])
    headers = grants.as_(role, subject=f"{role}-1")
    url = f"/v1/applications/{app_id}"
    refused = await grants.client.put(f"{url}/scores/mine", json={"marks": MARKS}, headers=headers)
    assert_problem(refused, 403, "Forbidden")
    conflict = await grants.client.post(f"{url}/conflicts", json={"reason": "r"}, headers=headers)
    assert_problem(conflict, 403, "Forbidden")
    assert await grants.sql("SELECT count(*) FROM scores") == [(0,)]
    assert (await score(grants, app_id, "member-1")).status_code == 200
    assert await grants.sql("SELECT member FROM scores") == [("member-1",)]


async def test_a_score_naming_unknown_criteria_or_marks_out_of_range_is_refused_naming_them(grants):
    fund = await open_fund(grants)
    app_id = await submitted_and_assessed(grants, fund["id"])
    member = grants.as_("forum_member", subject="member-1")
    url = f"/v1/applications/{app_id}/scores/mine"
    partial = await grants.client.put(url, json={"marks": {"need": 3, "charm": 5}}, headers=member)
    problem = assert_problem(partial, 422, "Invalid score")
    assert problem["unknown_criteria"] == ["charm"]
    assert "community benefit" in problem["missing_criteria"]
    too_high = await grants.client.put(url, json={"marks": {**MARKS, "need": 6}}, headers=member)
    assert too_high.status_code == 422
    assert too_high.headers["content-type"] == "application/problem+json"
    assert "need" in too_high.text
    assert await grants.sql("SELECT count(*) FROM scores") == [(0,)]


# --- Finance approves and pays tranches ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "applicant", "forum_member", "partner", "approver"])
async def test_only_finance_approves_or_pays_a_tranche(grants, role):
    fund = await open_fund(grants, quorum=1)
    grant = await awarded(grants, fund["id"], amount_pence=80_000)
    url = f"/v1/applications/{grant['id']}/tranches/1"
    headers = grants.as_(role, subject=f"{role}-1")
    assert_problem(await grants.client.post(f"{url}/approve", headers=headers), 403, "Forbidden")
    assert (await grants.client.post(f"{url}/approve", headers=finance(grants))).status_code == 200
    assert_problem(await grants.client.post(f"{url}/pay", headers=headers), 403, "Forbidden")
    assert await grants.sql("SELECT status FROM tranches") == [("approved",)]
    paid = await grants.client.post(f"{url}/pay", headers=finance(grants))
    assert paid.json()["amount_paid_pence"] == 80_000


# --- Partners read published information only -------------------------------------------------------


async def test_a_partner_never_sees_a_draft_fund(grants):
    draft = (
        await grants.client.post("/v1/funds", json=bsc_fund(name="Not yet announced"), headers=grants.officer)
    ).json()
    opened = await open_fund(grants)
    assert_problem(await grants.client.get(f"/v1/funds/{draft['id']}", headers=partner(grants)), 404, "Fund not found")
    listed = (await grants.client.get("/v1/funds", headers=partner(grants))).json()["items"]
    assert [f["id"] for f in listed] == [opened["id"]]
    assert (await grants.client.get("/v1/funds?status=draft", headers=partner(grants))).json()["items"] == []
    seen = await grants.client.get(f"/v1/funds/{opened['id']}", headers=partner(grants))
    assert (seen.status_code, seen.json()["status"]) == (200, "open")


async def test_a_partner_sees_an_awarded_grant_without_personal_data_and_nothing_unawarded(grants):
    fund = await open_fund(grants, quorum=1)
    grant = await awarded(grants, fund["id"], amount_pence=80_000, title="Awarded")
    pending = await submitted_and_assessed(grants, fund["id"], title="Still in assessment")
    draft = await apply(grants, fund["id"], title="Still a draft")
    rejected = await submitted_and_assessed(grants, fund["id"], title="Refused")
    assert (await score(grants, rejected, "member-1")).status_code == 200
    await grants.client.post(
        f"/v1/applications/{rejected}/recommendation",
        json={"recommended": False, "reasons": "x"},
        headers=grants.officer,
    )
    refused = await grants.client.post(
        f"/v1/applications/{rejected}/decision", json={"outcome": "rejected", "reasons": "x"}, headers=grants.officer
    )
    assert refused.json()["status"] == "rejected"

    seen = await grants.client.get(f"/v1/applications/{grant['id']}", headers=partner(grants))
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert (body["title"], body["amount_awarded_pence"], body["ward_codes"]) == ("Awarded", 80_000, [BOSTON_CASTLE])
    assert body["organisation"]["name"] == "Eastwood Community Group"
    assert [body["organisation"][k] for k in ("contact_name", "contact_email", "contact_phone")] == [None] * 3
    assert (body["applicant"], body["scores"], body["decision_reasons"], body["tranches"]) == (None, [], None, [])
    for value in CONTACT:
        assert value not in seen.text

    for hidden in (pending, draft["id"], rejected):
        assert_problem(
            await grants.client.get(f"/v1/applications/{hidden}", headers=partner(grants)), 404, "Application not found"
        )
    listed = await grants.client.get("/v1/applications", headers=partner(grants))
    assert [a["id"] for a in listed.json()["items"]] == [grant["id"]]
    assert "contact@example.org" not in listed.text
    assert_problem(await grants.client.get(f"/v1/funds/{fund['id']}/report", headers=partner(grants)), 403, "Forbidden")


async def test_a_partner_cannot_change_anything(grants):
    fund = await open_fund(grants, quorum=1)
    grant = await awarded(grants, fund["id"], amount_pence=80_000)
    app_url = f"/v1/applications/{grant['id']}"
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/v1/funds", bsc_fund()),
        ("POST", f"/v1/funds/{fund['id']}/open", None),
        ("POST", f"/v1/funds/{fund['id']}/close", None),
        ("POST", f"/v1/funds/{fund['id']}/applications", an_application()),
        ("PATCH", app_url, {"title": "Hijacked"}),
        ("POST", f"{app_url}/submit", None),
        ("POST", f"{app_url}/withdraw", None),
        ("POST", f"{app_url}/assessment", None),
        ("PUT", f"{app_url}/scores/mine", {"marks": MARKS}),
        ("POST", f"{app_url}/conflicts", {"reason": "r"}),
        ("POST", f"{app_url}/recommendation", {"recommended": True, "reasons": "r"}),
        ("POST", f"{app_url}/decision", {"outcome": "approved", "reasons": "r"}),
        ("POST", f"{app_url}/offer", {}),
        ("POST", f"{app_url}/accept", None),
        ("POST", f"{app_url}/tranches/1/approve", None),
        ("POST", f"{app_url}/tranches/1/pay", None),
        ("POST", f"{app_url}/tranches/cancel", {"reason": "r"}),
        ("POST", f"{app_url}/monitoring", None),
        ("POST", f"{app_url}/close", None),
        (
            "POST",
            f"{app_url}/monitoring-reports",
            {"financial_year": "2026-27", "summary": "s", "spend_to_date_pence": 0, "beneficiaries_reached": 0},
        ),
        ("POST", f"{app_url}/monitoring-reports/x/review", {"outcome": "accepted"}),
        ("POST", f"{app_url}/erasure", None),
    ]
    outbox_before = await grants.sql("SELECT count(*) FROM outbox")
    for method, path, body in writes:
        response = await grants.client.request(method, path, json=body, headers=partner(grants))
        assert_problem(response, 403, "Forbidden")
    assert await grants.sql("SELECT count(*) FROM outbox") == outbox_before
    assert (await grants.client.get(app_url, headers=grants.officer)).json()["status"] == "accepted"


# --- Applicants only their own; nobody another council's ----------------------------------------------


async def test_an_applicant_cannot_act_on_another_groups_application(grants):
    fund = await open_fund(grants)
    theirs = await apply(grants, fund["id"], headers=grants.as_("applicant", subject="group-2"))
    url = f"/v1/applications/{theirs['id']}"
    for method, path, body in [
        ("PATCH", url, {"title": "Hijacked"}),
        ("POST", f"{url}/submit", None),
        ("POST", f"{url}/withdraw", None),
    ]:
        response = await grants.client.request(method, path, json=body, headers=grants.group)
        assert_problem(response, 404, "Application not found")
    assert await grants.sql("SELECT title, status FROM applications") == [("Let's get Rotherham talking", "draft")]


async def test_another_councils_staff_and_partners_see_none_of_rotherhams_funds_or_applications(grants):
    fund = await open_fund(grants, quorum=1)
    grant = await awarded(grants, fund["id"], amount_pence=80_000)
    draft = (await grants.client.post("/v1/funds", json=bsc_fund(), headers=grants.officer)).json()
    for role in ("officer", "partner", "finance", "admin"):
        leeds = grants.as_(role, subject=f"leeds-{role}", council=OTHER_COUNCIL, organisation="Leeds City Council")
        assert (await grants.client.get("/v1/funds", headers=leeds)).json()["items"] == []
        assert (await grants.client.get("/v1/funds?status=draft", headers=leeds)).json()["items"] == []
        assert (await grants.client.get("/v1/applications", headers=leeds)).json()["items"] == []
        assert (await grants.client.get(f"/v1/applications?fund_id={fund['id']}", headers=leeds)).json()["items"] == []
        for fund_id in (fund["id"], draft["id"]):
            assert_problem(await grants.client.get(f"/v1/funds/{fund_id}", headers=leeds), 404, "Fund not found")
        assert_problem(
            await grants.client.get(f"/v1/applications/{grant['id']}", headers=leeds), 404, "Application not found"
        )
    leeds_finance = grants.as_("finance", council=OTHER_COUNCIL)
    assert_problem(
        await grants.client.post(f"/v1/applications/{grant['id']}/tranches/1/approve", headers=leeds_finance),
        404,
        "Application not found",
    )
    assert_problem(
        await grants.client.get(f"/v1/funds/{fund['id']}/report", headers=grants.as_("officer", council=OTHER_COUNCIL)),
        404,
        "Fund not found",
    )


# --- Records that are not there -------------------------------------------------------------------


async def test_a_missing_fund_application_tranche_or_report_is_a_404_naming_only_what_is_missing(grants):
    """The handlers refuse with the domain's not-found errors; each answer names the record and nothing more."""
    fund = await open_fund(grants, quorum=1)
    grant = await awarded(grants, fund["id"], amount_pence=50_000, pay=True)
    url = f"/v1/applications/{grant['id']}"
    # The grant is paid, so approving any tranche is also an illegal move: the missing tranche is said first.
    missing = {
        "Fund not found": await grants.client.get("/v1/funds/no-such-fund", headers=grants.officer),
        "Application not found": await grants.client.get("/v1/applications/no-such-app", headers=grants.officer),
        "Tranche not found": await grants.client.post(f"{url}/tranches/9/approve", headers=finance(grants)),
        "Monitoring report not found": await grants.client.post(
            f"{url}/monitoring-reports/no-such-report/review", json={"outcome": "accepted"}, headers=grants.officer
        ),
    }
    details = {
        "Fund not found": f"No fund no-such-fund in council {COUNCIL}.",
        "Application not found": f"No application no-such-app for you in {COUNCIL}.",
        "Tranche not found": f"Application {grant['id']} has no tranche 9.",
        "Monitoring report not found": f"Application {grant['id']} has no monitoring report no-such-report.",
    }
    for title, response in missing.items():
        problem = assert_problem(response, 404, title)
        assert problem == {
            "type": f"https://cohesion.example/problems/{title.lower().replace(' ', '-')}",
            "title": title,
            "status": 404,
            "detail": details[title],
            "instance": response.request.url.path,
        }
