"""Localities, clusters, boundary successions and place profiles against the real database and broker:
champions and their wards; a cluster's membership history and its wards pooling budgets; a new boundary set
succeeding an old one code by code; a place profile with Open Referral UK assets, public without a token,
and the grants awarded in the ward kept current from grants' real events on the broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.calendar import FinancialYear, today_in_london
from shared.events import Envelope, new_envelope
from shared.events.catalogue import grants as grants_events
from tests.integration.test_actions_milestone_bindings import publish
from tests.integration.test_wards_plans import Wards, running_wards
from tests.support import COUNCIL, OTHER_COUNCIL, eventually

BOSTON_CASTLE, GREASBROUGH, RAWMARSH_WEST = "E05012996", "E05013001", "E05013008"


@pytest.fixture
async def wards(settings_for_test) -> AsyncIterator[Wards]:
    async with running_wards(settings_for_test("wards"), themes=False) as w:
        yield w


# --- Localities -----------------------------------------------------------------------------------


async def test_a_locality_has_a_partner_champion_whose_name_stays_in_the_service(wards: Wards):
    body = {
        "champion_name": "Chief Inspector A. Example",
        "champion_organisation": "South Yorkshire Police",
        "champion_sector": "police",
        "gss_codes": [BOSTON_CASTLE, GREASBROUGH],
    }
    named = await wards.ok("PUT", "/v1/localities/central", wards.officer, body)
    assert named["gss_codes"] == [BOSTON_CASTLE, GREASBROUGH]
    listed = await wards.ok("GET", "/v1/localities", wards.as_("partner"))
    assert [(x["locality"], x["champion_organisation"], x["gss_codes"]) for x in listed] == [
        ("central", "South Yorkshire Police", [BOSTON_CASTLE, GREASBROUGH])
    ]
    ward = await wards.ok("GET", f"/v1/wards/{GREASBROUGH}", wards.officer)
    assert ward["locality"] == "central"
    ((event,),) = [await wards.events("wards.locality.champion_named.v1")]
    assert event["data"]["champion_sector"] == "police" and "Example" not in str(event)
    republished = [
        e["data"]["gss_code"] for e in await wards.events("wards.ward.registered.v1") if e["data"]["locality"]
    ]
    assert republished == [BOSTON_CASTLE, GREASBROUGH]
    # Only officers name champions; another council's wards are not found.
    assert (await wards.client.put("/v1/localities/north", json=body, headers=wards.member)).status_code == 403
    leeds = wards.as_("officer", council=OTHER_COUNCIL)
    assert (await wards.client.put("/v1/localities/north", json=body, headers=leeds)).status_code == 404
    assert await wards.ok("GET", "/v1/localities", leeds) == []
    bad = await wards.client.put("/v1/localities/east", json=body, headers=wards.officer)
    assert bad.status_code == 422


# --- Clusters -------------------------------------------------------------------------------------


async def test_a_cluster_keeps_its_membership_history(wards: Wards):
    formed_on = today_in_london() - timedelta(days=60)
    body = {
        "name": "Town centre",
        "purpose": "Shared work on the night-time economy",
        "gss_codes": [BOSTON_CASTLE, GREASBROUGH],
        "formed_on": formed_on.isoformat(),
    }
    cluster = await wards.ok("POST", "/v1/clusters", wards.officer, body, expect=201)
    path = f"/v1/clusters/{cluster['id']}"
    joined_on = formed_on + timedelta(days=10)
    await wards.ok("POST", f"{path}/join", wards.officer, {"gss_code": RAWMARSH_WEST, "on": joined_on.isoformat()})
    left = await wards.ok("POST", f"{path}/leave", wards.officer, {"gss_code": GREASBROUGH})
    assert left["gss_codes"] == [BOSTON_CASTLE, RAWMARSH_WEST]
    assert [(m["gss_code"], m["left_on"]) for m in left["memberships"]] == [
        (BOSTON_CASTLE, None),
        (GREASBROUGH, today_in_london().isoformat()),
        (RAWMARSH_WEST, None),
    ]
    # The cluster keeps two wards at least; only officers change it; another council finds none.
    assert (
        await wards.client.post(f"{path}/leave", json={"gss_code": BOSTON_CASTLE}, headers=wards.officer)
    ).status_code == 422
    assert (
        await wards.client.post(f"{path}/join", json={"gss_code": GREASBROUGH}, headers=wards.member)
    ).status_code == 403
    leeds = wards.as_("officer", council=OTHER_COUNCIL)
    assert (await wards.client.get(path, headers=leeds)).status_code == 404
    assert (
        await wards.client.post("/v1/clusters", json=body | {"gss_codes": [BOSTON_CASTLE]}, headers=wards.officer)
    ).status_code == 422
    changes = [e["data"]["change"] for e in await wards.events("wards.cluster.membership_changed.v1")]
    assert changes == ["joined", "left"]
    assert len(await wards.events("wards.cluster.formed.v1")) == 1


async def test_a_clusters_wards_pool_budgets_for_shared_work_and_the_ledgers_balance(wards: Wards):
    year = FinancialYear.of(today_in_london()).label
    await wards.ok(
        "POST",
        f"/v1/budgets/{year}",
        wards.officer,
        {"revenue_total_pence": 2_500_000, "capital_total_pence": 0},
        expect=201,
    )

    async def revenue(gss_code: str) -> dict[str, Any]:
        page = await wards.ok(
            "GET", f"/v1/budgets?financial_year={year}&gss_code={gss_code}&kind=revenue", wards.officer
        )
        budget: dict[str, Any] = page["items"][0]
        return budget

    source, host, outsider = await revenue(BOSTON_CASTLE), await revenue(GREASBROUGH), await revenue(RAWMARSH_WEST)
    cluster = await wards.ok(
        "POST",
        "/v1/clusters",
        wards.officer,
        {"name": "Town centre", "purpose": "A shared CCTV camera", "gss_codes": [BOSTON_CASTLE, GREASBROUGH]},
        expect=201,
    )
    pool = f"/v1/clusters/{cluster['id']}/pool"
    body = {"from_budget_id": source["id"], "to_budget_id": host["id"], "amount_pence": 30_000}
    pooled = await wards.ok("POST", pool, wards.member, body)
    assert (pooled["from_gss_code"], pooled["to_gss_code"], pooled["amount_pence"]) == (
        BOSTON_CASTLE,
        GREASBROUGH,
        30_000,
    )
    assert (await revenue(BOSTON_CASTLE))["total_pence"] == source["total_pence"] - 30_000
    assert (await revenue(GREASBROUGH))["total_pence"] == host["total_pence"] + 30_000

    # A ward outside the cluster, more than the budget has, another ward's member: refused, nothing moves.
    for refused, payload, headers in (
        (409, body | {"to_budget_id": outsider["id"]}, wards.officer),
        (409, body | {"amount_pence": source["total_pence"]}, wards.officer),
        (403, body, wards.as_("ward_member", subject="cllr-9", wards=[GREASBROUGH])),
        (404, body, wards.as_("officer", council=OTHER_COUNCIL)),
    ):
        response = await wards.client.post(pool, json=payload, headers=headers)
        assert response.status_code == refused, response.text
    assert (await revenue(BOSTON_CASTLE))["total_pence"] == source["total_pence"] - 30_000
    assert await wards.sql("SELECT count(*) FROM cluster_poolings") == [(1,)]
    ((event,),) = [await wards.events("wards.cluster.budget_pooled.v1")]
    assert event["data"]["cluster_id"] == cluster["id"] and event["data"]["amount_pence"] == 30_000


# --- Boundary sets succeeding one another ---------------------------------------------------------


async def test_a_new_boundary_set_succeeds_an_old_one_with_every_old_code_mapped(wards: Wards):
    # A little old set of two wards (like the paper's 21) split into today's (like the 25).
    old = [
        {"gss_code": "E05001000", "name": "Old Central", "local_authority_name": "Rotherham", "boundary_set": "WD04"},
        {"gss_code": "E05001001", "name": "Old East", "local_authority_name": "Rotherham", "boundary_set": "WD04"},
    ]
    await wards.ok("POST", "/v1/wards", wards.officer, old, expect=201)
    current = [
        w["gss_code"]
        for w in (await wards.ok("GET", "/v1/wards?limit=100", wards.officer))["items"]
        if w["boundary_set"] == "WD24"
    ]
    successors = {"E05001000": current[:12], "E05001001": current[12:]}
    incomplete = await wards.client.put(
        "/v1/boundary-sets/WD24/succession",
        json={"succeeds": "WD04", "successors": {"E05001000": current}},
        headers=wards.officer,
    )
    assert incomplete.status_code == 422
    assert incomplete.json()["unmapped_old_codes"] == ["E05001001"]
    recorded = await wards.ok(
        "PUT", "/v1/boundary-sets/WD24/succession", wards.officer, {"succeeds": "WD04", "successors": successors}
    )
    assert recorded["successors"]["E05001001"] == sorted(current[12:])
    read = await wards.ok("GET", "/v1/boundary-sets/WD24/succession", wards.as_("partner"))
    assert read["succeeds"] == "WD04"
    again = await wards.client.put(
        "/v1/boundary-sets/WD24/succession", json={"succeeds": "WD04", "successors": successors}, headers=wards.officer
    )
    assert again.status_code == 409
    ((event,),) = [await wards.events("wards.boundary_set.succeeded.v1")]
    assert event["data"]["code"] == "WD24" and len(event["data"]["successors"]) == 2
    assert (
        await wards.client.get("/v1/boundary-sets/WD24/succession", headers=wards.as_("officer", council=OTHER_COUNCIL))
    ).status_code == 404


# --- Place profiles: demographics, assets, grants awarded from grants' events ---------------------


def approved(application_id: str, ward_codes: list[str], council: str = COUNCIL) -> Envelope:
    data = grants_events.ApplicationApproved(
        application_id=application_id,
        fund_id="fund-1",
        amount_awarded_pence=80_000,
        ward_codes=ward_codes,
        theme="Bringing people together",
        decided_at=datetime(2018, 7, 2, 10, tzinfo=UTC),
        title="Summer gala for the whole estate",
        recipient_organisation_name="Friends of Boston Park",
    )
    return new_envelope("grants", data, subject=application_id, council=council)


PROFILE = {
    "population": 11_900,
    "age_bands": {"0-15": 2_400, "16-64": 7_300, "65+": 2_200},
    "imd_rank": 1_234,
    "imd_decile": 1,
    "imd_edition": "IMD 2019",
    "summary": "A town-centre ward among the 10% most deprived areas of England.",
}
ASSET = {
    "organization": {"name": "Rotherham Food Network", "url": "https://example.org/food"},
    "service": {"name": "Community pantry", "description": "Low-cost food, Tuesdays and Fridays"},
    "location": {"name": "St Ann's church hall", "postal_code": "S65 1AA", "latitude": 53.43, "longitude": -1.35},
}


async def test_a_place_profile_shows_assets_and_the_grants_awarded_from_grants_events_publicly(wards: Wards):
    path = f"/v1/wards/{BOSTON_CASTLE}/profile"
    assert (await wards.client.put(path, json=PROFILE, headers=wards.member)).status_code == 403
    assert (await wards.client.put(path, json=PROFILE | {"imd_decile": 11}, headers=wards.officer)).status_code == 422
    too_many = PROFILE | {"age_bands": {"all": 20_000}}
    assert (await wards.client.put(path, json=too_many, headers=wards.officer)).status_code == 422
    assert (await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/profile")).status_code == 404
    profile = await wards.ok("PUT", path, wards.officer, PROFILE)
    assert (profile["imd_decile"], profile["boundary_set"], profile["ward_name"]) == (1, "WD24", "Boston Castle")
    asset = await wards.ok("POST", f"{path}/assets", wards.member, ASSET, expect=201)
    assert asset["organization"]["name"] == "Rotherham Food Network"
    other = wards.as_("ward_member", subject="cllr-9", wards=[GREASBROUGH])
    assert (await wards.client.post(f"{path}/assets", json=ASSET, headers=other)).status_code == 403

    # Grants' real events, on the broker: awarded for two wards, then paid; another council's is not ours.
    await publish(
        wards.settings,
        approved("app-1", [BOSTON_CASTLE, GREASBROUGH]),
        approved("app-2", [BOSTON_CASTLE], council=OTHER_COUNCIL),
        new_envelope(
            "grants",
            grants_events.ApplicationPaid(application_id="app-1", fund_id="fund-1", amount_paid_pence=80_000),
            subject="app-1",
            council=COUNCIL,
        ),
    )

    async def paid() -> Any:
        rows = await wards.sql("SELECT gss_code, status, amount_paid_pence FROM ward_grants ORDER BY gss_code")
        return rows if len(rows) == 2 and all(r[1] == "paid" for r in rows) else None

    assert await eventually(paid) == [(BOSTON_CASTLE, "paid", 80_000), (GREASBROUGH, "paid", 80_000)]
    public = await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/profile")
    assert public.status_code == 200, public.text
    shown = public.json()
    assert [a["service"]["name"] for a in shown["community_assets"]] == ["Community pantry"]
    assert [
        (g["title"], g["recipient_name"], g["amount_awarded_pence"], g["awarded_on"]) for g in shown["grants_awarded"]
    ] == [("Summer gala for the whole estate", "Friends of Boston Park", 80_000, "2018-07-02")]
    assert public.headers["cache-control"] == "public, max-age=300"
    cached = await wards.client.get(
        f"/v1/public/wards/{BOSTON_CASTLE}/profile", headers={"If-None-Match": public.headers["etag"]}
    )
    assert cached.status_code == 304

    # Withdrawn, the grant leaves the profile (and the public's cached copy is stale).
    await publish(
        wards.settings,
        new_envelope(
            "grants",
            grants_events.ApplicationWithdrawn(application_id="app-1", fund_id="fund-1", previous_status="paid"),
            subject="app-1",
            council=COUNCIL,
        ),
    )

    async def withdrawn() -> bool:
        return await wards.sql("SELECT DISTINCT status FROM ward_grants") == [("withdrawn",)]

    await eventually(withdrawn)
    after = await wards.client.get(
        f"/v1/public/wards/{BOSTON_CASTLE}/profile", headers={"If-None-Match": public.headers["etag"]}
    )
    assert after.status_code == 200 and after.json()["grants_awarded"] == []
    assert (await wards.client.get(path, headers=wards.as_("officer", council=OTHER_COUNCIL))).status_code == 404
    assert [e["data"]["gss_code"] for e in await wards.events("wards.place_profile.updated.v1")] == [BOSTON_CASTLE]
    assert len(await wards.events("wards.community_asset.recorded.v1")) == 1
    assert date.fromisoformat(shown["updated_at"][:10]) <= today_in_london()
