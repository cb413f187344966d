"""The notifications API: who may see and change which partners, subscriptions and deliveries."""

from __future__ import annotations

from services.notifications.app import make_definition
from services.notifications.settings import WebhookSettings
from tests.support import OTHER_COUNCIL, running_service, token

URL = "https://hooks.partner.example/cohesion"


def definition():
    return make_definition(WebhookSettings(allowed_hosts=[], poll_seconds=0.2))


async def register(client, settings, organisation: str) -> str:
    response = await client.post(
        "/v1/partners",
        json={
            "name": organisation.upper(),
            "organisation": organisation,
            "contact_email": f"ops@{organisation}.example",
        },
        headers=token(settings, "officer"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_partner_token_sees_and_creates_only_its_own_organisations_subscriptions(settings_for_test):
    settings = settings_for_test("notifications")
    async with running_service(definition(), settings) as (_, client):
        police = await register(client, settings, "syp")
        fire = await register(client, settings, "syfr")
        police_token = token(settings, "partner", organisation="syp", subject="analyst@syp")

        own = await client.post(
            "/v1/subscriptions", json={"url": URL, "event_types": ["grants.#"]}, headers=police_token
        )
        assert own.status_code == 201, own.text
        assert own.json()["partner_id"] == police and own.json()["secret"].startswith("whsec_")

        for_fire = await client.post(
            "/v1/subscriptions", json={"partner_id": fire, "url": URL, "event_types": ["#"]}, headers=police_token
        )
        assert for_fire.status_code == 404
        fires = await client.post(
            "/v1/subscriptions",
            json={"partner_id": fire, "url": URL, "event_types": ["#"]},
            headers=token(settings, "officer"),
        )
        assert fires.status_code == 201

        listed = (await client.get("/v1/subscriptions", headers=police_token)).json()["items"]
        assert [s["id"] for s in listed] == [own.json()["id"]]
        assert "secret" not in listed[0]
        assert (await client.get(f"/v1/subscriptions/{fires.json()['id']}", headers=police_token)).status_code == 404
        rotate = await client.post(f"/v1/subscriptions/{fires.json()['id']}/secret:rotate", headers=police_token)
        assert rotate.status_code == 404
        officer_sees = (await client.get("/v1/subscriptions", headers=token(settings, "officer"))).json()["items"]
        assert len(officer_sees) == 2
        assert [p["id"] for p in (await client.get("/v1/partners", headers=police_token)).json()["items"]] == [police]


async def test_another_council_sees_nothing_and_only_officers_register_partners(settings_for_test):
    settings = settings_for_test("notifications")
    async with running_service(definition(), settings) as (_, client):
        police = await register(client, settings, "syp")
        created = await client.post(
            "/v1/subscriptions",
            json={"partner_id": police, "url": URL, "event_types": ["grants.#"]},
            headers=token(settings, "officer"),
        )
        leeds = token(settings, "officer", council=OTHER_COUNCIL)
        assert (await client.get(f"/v1/partners/{police}", headers=leeds)).status_code == 404
        assert (await client.get(f"/v1/subscriptions/{created.json()['id']}", headers=leeds)).status_code == 404
        assert (await client.get("/v1/subscriptions", headers=leeds)).json()["items"] == []

        by_partner = await client.post(
            "/v1/partners",
            json={"name": "Us", "organisation": "syp2", "contact_email": "a@b.example"},
            headers=token(settings, "partner", organisation="syp"),
        )
        assert by_partner.status_code == 403
        assert by_partner.headers["content-type"] == "application/problem+json"
        again = await client.post(
            "/v1/partners",
            json={"name": "Police again", "organisation": "syp", "contact_email": "a@b.example"},
            headers=token(settings, "officer"),
        )
        assert again.status_code == 409
        assert again.json()["title"] == "Partner exists" and f"already partner {police}" in again.json()["detail"]


async def test_bad_patterns_and_urls_are_refused_naming_the_problem(settings_for_test):
    settings = settings_for_test("notifications")
    async with running_service(definition(), settings) as (_, client):
        police = await register(client, settings, "syp")
        officer = token(settings, "officer")
        bad_pattern = await client.post(
            "/v1/subscriptions",
            json={"partner_id": police, "url": URL, "event_types": ["grants..fund"]},
            headers=officer,
        )
        assert bad_pattern.status_code == 422 and "grants..fund" in bad_pattern.json()["detail"]
        private = await client.post(
            "/v1/subscriptions",
            json={"partner_id": police, "url": "https://10.1.2.3/hook", "event_types": ["#"]},
            headers=officer,
        )
        assert private.status_code == 422 and "private" in private.json()["detail"]


async def test_enabling_an_active_subscription_is_refused_with_its_state(settings_for_test):
    settings = settings_for_test("notifications")
    async with running_service(definition(), settings) as (_, client):
        police = await register(client, settings, "syp")
        officer = token(settings, "officer")
        created = await client.post(
            "/v1/subscriptions", json={"partner_id": police, "url": URL, "event_types": ["#"]}, headers=officer
        )
        response = await client.post(f"/v1/subscriptions/{created.json()['id']}:enable", headers=officer)
        assert response.status_code == 409
        assert response.json()["current_state"] == "active"
