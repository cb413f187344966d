"""Hostile requests every service refuses with a problem, before they cost anything: a body over the
size limit (413, never read whole, the idempotency middleware included), a NUL character in a path
segment or a query parameter (422 naming it), and text PostgreSQL cannot store (422, never a 500)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from services.wards.app import definition as wards
from shared.db import idempotency_keys, outbox
from shared.problems import PROBLEM_JSON
from shared.service import create_app
from tests.support import running_service, token
from tests.system import free_port

LIMIT = 64 * 1024
CHUNK = 16 * 1024
WARD = {"gss_code": "E05099997", "name": "Hostile Ward", "local_authority_name": "Rotherham", "boundary_set": "WD24"}


class Upload:
    """A streamed (chunked) request body of ``total`` bytes that counts how much of it was read."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'[{"name": "'
        while self.sent < self.total:
            self.sent += CHUNK
            yield b"x" * CHUNK
        yield b'"}]'


async def stored(app) -> tuple[int, int]:
    """Idempotency keys claimed, and events of the test's ward (the wards of the boundary set load at start)."""
    async with app.state.runtime.engine.connect() as conn:
        keys = (await conn.execute(select(func.count()).select_from(idempotency_keys))).scalar_one()
        events = (await conn.execute(select(func.count()).where(outbox.c.subject == WARD["gss_code"]))).scalar_one()
    return keys, events


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Content too large"
    assert response.json()["limit"] == LIMIT


@pytest.mark.parametrize("idempotency_key", [None, "big-upload"])
async def test_a_body_over_the_limit_is_refused_as_it_streams_in_and_nothing_is_kept(
    settings_for_test, idempotency_key
):
    settings = settings_for_test("wards", max_body_bytes=LIMIT)
    async with running_service(wards, settings) as (app, client):
        headers = token(settings, "officer")
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        upload = Upload(50 * 1024 * 1024)
        response = await client.post(
            "/v1/wards", content=upload, headers={**headers, "content-type": "application/json"}
        )
        assert_too_large(response)
        # Read no further than one chunk past the limit: 50 MB were offered.
        assert upload.sent <= LIMIT + CHUNK
        assert await stored(app) == (0, 0)


async def test_a_body_declared_over_the_limit_is_refused_before_any_of_it_is_read(settings_for_test):
    settings = settings_for_test("wards", max_body_bytes=LIMIT)
    async with running_service(wards, settings) as (app, client):
        body = b"[" + b" " * (LIMIT + 1) + b"]"
        headers = {**token(settings, "officer"), "Idempotency-Key": "declared-big"}
        assert_too_large(await client.post("/v1/wards", content=body, headers=headers))
        assert await stored(app) == (0, 0)
        # A body within the limit is still welcome.
        assert (await client.post("/v1/wards", json=[WARD], headers=headers)).status_code == 201


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """The app behind a real uvicorn server on a free loopback port of this machine, with its lifespan."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_a_50_mb_upload_to_the_real_server_is_refused_with_413_and_never_read_whole(settings_for_test):
    settings = settings_for_test("wards", max_body_bytes=LIMIT)
    app = create_app(wards, settings)
    pulled = 0

    async def counting(scope, receive, send):  # what the service read of the body, counted outside it
        async def counted():
            nonlocal pulled
            message = await receive()
            pulled += len(message.get("body", b""))
            return message

        await app(scope, counted, send)

    async with served(counting) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        headers = {**token(settings, "officer"), "content-type": "application/json"}
        response = await client.post("/v1/wards", content=Upload(50 * 1024 * 1024), headers=headers)
        assert_too_large(response)
        assert pulled <= LIMIT + 64 * 1024  # the server's read size, at most, past the limit


async def test_a_nul_in_a_path_segment_or_query_parameter_is_a_422_naming_it(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(wards, settings) as (_, client):
        officer = token(settings, "officer")
        in_path = await client.get("/v1/wards/E05%00", headers=officer)
        assert in_path.status_code == 422, in_path.text
        assert in_path.headers["content-type"] == PROBLEM_JSON
        assert in_path.json()["errors"][0]["location"] == ["path", "gss_code"]
        in_query = await client.get("/v1/wards?boundary_set=WD%0024", headers=officer)
        assert in_query.status_code == 422, in_query.text
        assert in_query.json()["errors"][0]["location"] == ["query", "boundary_set"]


@pytest.mark.parametrize("escaped", ["\\u0000", "\\ud800"])
async def test_text_postgresql_cannot_store_is_a_422_and_nothing_is_stored(settings_for_test, escaped):
    settings = settings_for_test("wards")
    async with running_service(wards, settings) as (app, client):
        body = json.dumps([WARD]).replace("Hostile Ward", f"Hostile{escaped}Ward")
        headers = {**token(settings, "officer"), "content-type": "application/json"}
        response = await client.post("/v1/wards", content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
        assert await stored(app) == (0, 0)
