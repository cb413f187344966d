"""HTTP conventions every service shares: traces, Idempotency-Key, health, problem+json, auth."""

from __future__ import annotations

from sqlalchemy import func, select

from services.wards.app import definition
from shared.db import audit_log, outbox
from tests.support import running_service, token

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"

NEW_WARD = [{"gss_code": "E05099999", "name": "Test Ward", "local_authority_name": "Rotherham", "boundary_set": "WD24"}]


async def test_a_command_continues_the_callers_trace_into_its_outbox_event(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):
        response = await client.post(
            "/v1/wards", json=NEW_WARD, headers={**token(settings, "officer"), "traceparent": TRACEPARENT}
        )
        assert response.status_code == 201
        assert response.headers["x-trace-id"] == TRACE_ID
        async with app.state.runtime.engine.connect() as conn:
            row = (await conn.execute(select(outbox).where(outbox.c.subject == "E05099999"))).mappings().one()
            audited = (await conn.execute(select(audit_log).where(audit_log.c.action == "wards.register"))).mappings()
            actors = {(a["actor"], a["trace_id"]) for a in audited}
        assert row["traceparent"].split("-")[1] == TRACE_ID
        assert row["envelope"]["traceparent"].split("-")[1] == TRACE_ID
        assert ("user-1", TRACE_ID) in actors  # the command is audited with its actor


async def test_a_retried_post_with_the_same_idempotency_key_is_replayed_not_repeated(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):
        headers = {**token(settings, "officer"), "Idempotency-Key": "register-test-ward"}
        first = await client.post("/v1/wards", json=NEW_WARD, headers=headers)
        second = await client.post("/v1/wards", json=NEW_WARD, headers=headers)
        assert first.status_code == second.status_code == 201
        assert second.json() == first.json() != []
        assert second.headers.get("idempotent-replayed") == "true"
        other = await client.post("/v1/wards", json=[{**NEW_WARD[0], "name": "Renamed"}], headers=headers)
        assert other.status_code == 422
        assert other.json()["title"] == "Idempotency-Key reused"
        async with app.state.runtime.engine.connect() as conn:
            events = (await conn.execute(select(func.count()).where(outbox.c.subject == "E05099999"))).scalar()
        assert events == 1


async def test_health_and_readiness(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (_, client):
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


async def test_missing_forged_and_underprivileged_tokens_are_problems(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (_, client):
        missing = await client.get("/v1/wards")
        assert missing.status_code == 401
        assert missing.headers["content-type"] == "application/problem+json"
        forged = token(settings_for_test("wards", jwt_secret="not-the-real-secret-0123456789-abcdef"), "admin")
        assert (await client.get("/v1/wards", headers=forged)).status_code == 401
        partner = await client.post("/v1/wards", json=NEW_WARD, headers=token(settings, "partner"))
        assert partner.status_code == 403
        assert "officer" in partner.json()["detail"]


async def test_every_service_serves_its_openapi_and_the_event_catalogue(settings_for_test):
    from shared.docs import load_definitions

    for name, service in load_definitions().items():
        settings = settings_for_test(name)
        async with running_service(service, settings) as (_, client):
            openapi = await client.get("/openapi.json")
            assert openapi.status_code == 200, name
            assert any(path.startswith("/v1/") for path in openapi.json()["paths"]), name
            asyncapi = await client.get("/asyncapi.json")
            assert asyncapi.json()["asyncapi"] == "3.0.0"
