"""Wards: the reference wards and their boundary set are loaded once, published through the outbox, and scoped
to a council."""

from __future__ import annotations

from sqlalchemy import text

from services.wards.app import definition
from tests.support import OTHER_COUNCIL, eventually, running_service, token


async def test_reference_wards_are_loaded_and_each_published_once(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        headers = token(settings, "officer")

        async def all_published():
            async with runtime.engine.connect() as conn:
                row = (
                    await conn.execute(
                        text(
                            "SELECT count(*), count(published_at) FROM outbox WHERE event_type = 'wards.ward.registered.v1'"
                        )
                    )
                ).one()
            return row if row[0] == row[1] == 25 else None

        await eventually(all_published)
        response = await client.get("/v1/wards?limit=500", headers=headers)
        assert response.status_code == 200
        wards = response.json()["items"]
        assert len(wards) == 25
        assert {"gss_code": "E05012996", "name": "Boston Castle"}.items() <= next(
            w for w in wards if w["gss_code"] == "E05012996"
        ).items()

        # With them their boundary set, in force from the May 2021 elections, once.
        async with runtime.engine.connect() as conn:
            recorded = (
                (
                    await conn.execute(
                        text("SELECT envelope->'data' FROM outbox WHERE event_type = 'wards.boundary_set.recorded.v1'")
                    )
                )
                .scalars()
                .all()
            )
        assert recorded == [{"code": "WD24", "in_force_from": "2021-05-06"}]

        # Loading again changes nothing and publishes nothing.
        from services.wards.clocks import load_reference_wards

        await load_reference_wards(runtime)
        async with runtime.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 26


async def test_another_councils_officer_sees_none_of_rotherhams_wards(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (_, client):
        leeds = token(settings, "officer", council=OTHER_COUNCIL)
        assert (await client.get("/v1/wards", headers=leeds)).json()["items"] == []
        missing = await client.get("/v1/wards/E05012996", headers=leeds)
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_a_ward_with_a_malformed_gss_code_is_refused_with_a_problem(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (_, client):
        response = await client.post(
            "/v1/wards",
            json=[{"gss_code": "X123", "name": "Nowhere", "local_authority_name": "Rotherham", "boundary_set": "WD24"}],
            headers=token(settings, "officer"),
        )
        assert response.status_code == 422
        problem = response.json()
        assert problem["title"] == "Invalid request"
        assert "gss_code" in problem["detail"]


async def test_a_council_cannot_register_or_rename_another_councils_ward(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):
        leeds = token(settings, "officer", council=OTHER_COUNCIL)
        boston_castle = {
            "gss_code": "E05012996",
            "name": "Renamed",
            "local_authority_name": "Leeds",
            "boundary_set": "WD24",
        }
        new_ward = {
            "gss_code": "E05099999",
            "name": "A Leeds ward",
            "local_authority_name": "Leeds",
            "boundary_set": "WD24",
        }
        response = await client.post("/v1/wards", json=[new_ward, boston_castle], headers=leeds)

        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["title"] == "Ward of another council"
        assert problem["gss_codes"] == ["E05012996"]
        # Nothing of the call was kept: Rotherham's ward keeps its name, the new ward is not there, nothing published.
        rotherham = await client.get("/v1/wards/E05012996", headers=token(settings, "officer"))
        assert rotherham.json()["name"] == "Boston Castle"
        assert (await client.get("/v1/wards/E05099999", headers=leeds)).status_code == 404
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM outbox WHERE subject = 'E05099999'"))).scalar() == 0

        # Its own wards, the same code twice in one call, are registered as one ward, as given last.
        renamed = {**new_ward, "name": "A Leeds ward, renamed"}
        response = await client.post("/v1/wards", json=[new_ward, renamed], headers=leeds)
        assert response.status_code == 201
        assert [w["name"] for w in response.json()] == ["A Leeds ward, renamed"]
        assert (await client.get("/v1/wards/E05099999", headers=leeds)).json()["name"] == "A Leeds ward, renamed"

        # The same again changes nothing and publishes nothing; a real change is published.
        assert (await client.post("/v1/wards", json=[renamed], headers=leeds)).json() == []
        moved = {**renamed, "latitude": 53.8}
        assert [w["latitude"] for w in (await client.post("/v1/wards", json=[moved], headers=leeds)).json()] == [53.8]
        async with app.state.runtime.engine.connect() as conn:
            published = await conn.execute(
                text("SELECT envelope->'data'->>'latitude' FROM outbox WHERE subject = 'E05099999' ORDER BY seq")
            )
            assert [row[0] for row in published] == [None, "53.8"]
