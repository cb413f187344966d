"""A correctly signed token whose claims are not a council, known roles and wards reads and creates nothing."""

from __future__ import annotations

import time
from typing import Any

import jwt

from services.grants.app import definition as grants
from shared.problems import PROBLEM_JSON
from tests.support import COUNCIL, running_service, token

FUND = {
    "name": "Hostile fund",
    "description": "Created only by a token naming a council",
    "themes": ["Bringing people together"],
    "opens_on": "2017-06-01",
    "closes_on": "2018-03-31",
    "maximum_award_pence": 100_000,
    "eligibility": "Voluntary and community groups",
    "panel_name": "Stronger Communities Forum",
    "contributions": [{"funder_name": "Rotherham Metropolitan Borough Council", "amount_pence": 500_000}],
}


def signed_with(settings, **claims: Any) -> dict[str, str]:
    now = int(time.time())
    body = {
        "sub": "officer-1",
        "org": "Rotherham MBC",
        "council": COUNCIL,
        "roles": ["officer"],
        "wards": [],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
        **claims,
    }
    return {"Authorization": "Bearer " + jwt.encode(body, settings.jwt_secret, algorithm="HS256")}


UNSOUND = [("council", ""), ("council", "not-a-gss"), ("roles", ["officer", "mayor"]), ("wards", ["Boston Castle"])]


async def test_a_signed_token_with_a_claim_that_is_not_sound_reads_and_creates_nothing(settings_for_test):
    settings = settings_for_test("grants")
    async with running_service(grants, settings) as (_, client):
        for claim, value in UNSOUND:
            bad = signed_with(settings, **{claim: value})
            listed = await client.get("/v1/funds", headers=bad)
            created = await client.post("/v1/funds", json=FUND, headers=bad)
            for answer in (listed, created):
                assert answer.status_code == 401, (claim, value, answer.text)
                assert answer.headers["content-type"] == PROBLEM_JSON
                assert answer.json()["claim"] == claim
        funds = await client.get("/v1/funds", headers=token(settings, "officer"))
        assert funds.status_code == 200
        assert funds.json()["items"] == []
        # The same request with a sound token is accepted: the claims were the only fault.
        assert (await client.post("/v1/funds", json=FUND, headers=signed_with(settings))).status_code == 201
