"""Grants at national scale, on a small sample of the national data set (``tests/bench/scale``): the
monitoring clock reads what is due in bounded batches, the fund report is aggregated by the database,
and lists page by key through an index that serves their order.

Each test compares the SQL with the domain's own rule on the same rows, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from services.grants.app import definition as grants_definition
from services.grants.clocks import SCHEDULER
from services.grants.domain import Application, Fund, report_on
from services.grants.handlers import raise_monitoring_notices
from services.grants.open_data import awarded_grants, export_360giving, package, write_files
from services.grants.reports import fund_report
from services.grants.tables import applications, funds
from shared.db import asyncpg_dsn, create_engine, session_factory
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork
from tests.bench.scale.dataset import Loaded, Scale, load
from tests.support import COUNCIL, running_service, token

SAMPLE = Scale(factor=0.0004)  # 400 applications, 4,000 events of history
TODAY = date(2026, 12, 2)


@pytest.fixture
async def sample(settings_for_test) -> AsyncIterator[tuple[Settings, Loaded]]:
    settings = settings_for_test("grants")
    loaded = await load(asyncpg_dsn(settings.db_url), SAMPLE)
    yield settings, loaded


async def domain_notices(settings: Settings, today: date) -> list[tuple[str, str, str]]:
    """What ``Application.monitoring_notices`` owes, every application loaded through the ORM."""
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        async with UnitOfWork(engine, "grants", SCHEDULER) as uow:
            every = (await uow.session.scalars(select(Application).order_by(applications.c.id))).all()
            return [(n.kind, a.id, n.year.label) for a in every for n in a.monitoring_notices(today, 30)]
    finally:
        await engine.dispose()


async def notices(settings: Settings, today: date, **options: Any) -> list[tuple[str, str, str]]:
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        async with UnitOfWork(engine, "grants", SCHEDULER) as uow:
            return await raise_monitoring_notices(uow, today, 30, **options)
    finally:
        await engine.dispose()


async def fetch(settings: Settings, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(settings.db_url))
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def test_the_monitoring_clock_raises_exactly_what_the_domain_rule_owes_and_only_once(sample):
    settings, _ = sample
    for today in (TODAY, date(2028, 3, 15)):  # overdue only; then due and overdue, of other years
        expected = await domain_notices(settings, today)
        raised = await notices(settings, today)
        assert raised == expected
        assert await notices(settings, today) == []
    assert expected, "the sample has live grants behind with their reports"
    assert any(kind == "due" for kind, _, _ in expected)


async def test_the_monitoring_clock_commits_in_batches_no_larger_than_its_bound(sample):
    settings, _ = sample
    raised = await notices(settings, date(2027, 3, 15), batch=5)
    entries = await fetch(
        settings,
        "SELECT jsonb_array_length(detail->'raised') FROM audit_log WHERE action = 'grants.monitoring.notices'",
    )
    assert len(raised) > 5
    assert len(entries) >= len(raised) / 5
    assert all(1 <= n <= 5 for (n,) in entries)
    assert sum(n for (n,) in entries) == len(raised)


async def test_the_fund_report_from_the_database_equals_the_domain_report_of_every_application(sample):
    settings, loaded = sample
    # An underspend and a withdrawal give part of an award back: the lines count what stays committed.
    await fetch(
        settings,
        "UPDATE commitments SET released_pence = amount_pence / 3 WHERE id IN (SELECT id FROM commitments LIMIT 20)",
    )
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        async with UnitOfWork(engine, "grants", SCHEDULER) as uow:
            fund = (await uow.session.scalars(select(Fund).where(funds.c.id == loaded.big_fund))).one()
            every = (await uow.session.scalars(select(Application).where(applications.c.fund_id == fund.id))).all()
            expected = report_on(fund, every)
            assert await fund_report(uow.session, fund) == expected
    finally:
        await engine.dispose()
    assert expected.by_ward and expected.by_theme


async def test_each_list_order_is_served_by_an_index_without_sorting(sample):
    settings, loaded = sample
    lists = {
        "by fund": ("fund_id = $1 ORDER BY created_at, id", loaded.big_fund),
        "by council": ("council = $1 ORDER BY created_at, id", "E08000018"),
        "by council and status": ("council = $1 AND status = 'closed' ORDER BY created_at, id", "E08000018"),
        "an applicant's": ("applicant = $1 ORDER BY created_at, id", loaded.applicants[0]),
    }
    connection = await asyncpg.connect(asyncpg_dsn(settings.db_url))
    try:
        await connection.execute("SET enable_sort = off; SET enable_seqscan = off")
        for name, (where, arg) in lists.items():
            plan = "\n".join(
                r[0] for r in await connection.fetch(f"EXPLAIN SELECT * FROM applications WHERE {where} LIMIT 51", arg)
            )
            assert "Sort" not in plan, f"{name}: {plan}"
        plan = "\n".join(
            r[0]
            for r in await connection.fetch(
                "EXPLAIN SELECT * FROM funds WHERE council = $1 ORDER BY created_at DESC, id DESC LIMIT 51", "E08000018"
            )
        )
        assert "Sort" not in plan, plan
    finally:
        await connection.close()


async def test_pages_of_a_funds_applications_follow_on_by_key_even_when_rows_arrive_before_the_cursor(sample):
    settings, loaded = sample
    async with running_service(grants_definition, settings) as (_, client):
        officer = token(settings, "officer", subject="officer-1")
        params = {"fund_id": loaded.big_fund, "limit": 7}
        first = (await client.get("/v1/applications", params=params, headers=officer)).json()
        # A row that sorts before the cursor arrives between the two pages: an OFFSET would repeat an item.
        columns = [c.name for c in applications.columns]
        copied = ["md5(random()::text)::uuid::text" if c == "id" else c for c in columns]
        copied = [f"{c} - interval '1 year'" if c == "created_at" else c for c in copied]
        (early,) = await fetch(
            settings,
            f"INSERT INTO applications ({', '.join(columns)}) SELECT {', '.join(copied)} "
            "FROM applications WHERE fund_id = $1 ORDER BY created_at LIMIT 1 RETURNING id",
            loaded.big_fund,
        )
        second = (
            await client.get("/v1/applications", params=params | {"cursor": first["next_cursor"]}, headers=officer)
        ).json()
        invalid = await client.get("/v1/applications", params=params | {"cursor": "bm90IGEgY3Vyc29y"}, headers=officer)
    in_order = [
        r[0]
        for r in await fetch(
            settings,
            "SELECT id FROM applications WHERE fund_id = $1 AND id <> $2 ORDER BY created_at, id",
            loaded.big_fund,
            early[0],
        )
    ]
    assert [a["id"] for a in first["items"] + second["items"]] == in_order[:14]
    assert invalid.status_code == 400


async def test_the_sample_data_set_is_the_same_from_the_same_seed(settings_for_test):
    settings = settings_for_test("grants")
    first = await load(asyncpg_dsn(settings.db_url), Scale(factor=0.0001), history=False)
    ids = await fetch(settings, "SELECT id, status FROM applications ORDER BY id")
    await fetch(settings, "TRUNCATE applications, funds, known_wards, scheduled_occurrences CASCADE")
    second = await load(asyncpg_dsn(settings.db_url), Scale(factor=0.0001), history=False)
    assert first.counts == second.counts
    assert await fetch(settings, "SELECT id, status FROM applications ORDER BY id") == ids
    assert await fetch(settings, "SELECT count(*) FROM known_wards") == [(7000,)]


async def test_erasure_deletes_the_replays_linked_to_the_application_and_no_others(settings_for_test):
    settings = settings_for_test("grants")
    loaded = await load(asyncpg_dsn(settings.db_url), Scale(factor=0.0001), history=False)
    async with running_service(grants_definition, settings) as (_, client):
        group = token(settings, "applicant", subject="group-1")
        officer = token(settings, "officer", subject="officer-1")
        body = {
            "organisation": {
                "name": "Group",
                "type": "community_group",
                "contact": {"name": "A. Person", "email": "contact@example.org"},
            },
            "title": "Project",
            "summary": "Summary",
            "amount_requested_pence": 80_000,
            "ward_codes": ["E05000000"],
            "theme": "Bringing people together",
        }
        ids = []
        for key in ("one", "two"):
            created = await client.post(
                f"/v1/funds/{loaded.big_fund}/applications", json=body, headers=group | {"Idempotency-Key": key}
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
            submitted = await client.post(
                f"/v1/applications/{ids[-1]}/submit", headers=group | {"Idempotency-Key": f"{key}-submit"}
            )
            assert submitted.status_code == 200, submitted.text
        linked = await fetch(settings, "SELECT key FROM application_replays WHERE application_id = $1", ids[0])
        assert sorted(k for (k,) in linked) == ["one", "one-submit"]
        erased = await client.post(f"/v1/applications/{ids[0]}/erasure", headers=officer)
        assert erased.status_code == 200
    assert sorted(k for (k,) in await fetch(settings, "SELECT key FROM idempotency_keys")) == ["two", "two-submit"]
    assert await fetch(settings, "SELECT 1 FROM application_replays WHERE application_id = $1", ids[0]) == []


async def test_after_a_sweep_a_tick_reads_only_the_grants_paid_since(sample):
    settings, _ = sample
    march = date(2027, 3, 15)
    assert await notices(settings, march)
    # Two live grants now owe a report for 2026-27 again (reports are never taken back in the domain:
    # this only shows which grants a tick reads): one paid again since the sweep, one not.
    live = await fetch(
        settings,
        "SELECT r.application_id FROM monitoring_reports r JOIN applications a ON a.id = r.application_id "
        "WHERE a.status IN ('accepted', 'paid', 'monitoring') ORDER BY r.application_id LIMIT 2",
    )
    await fetch(settings, "DELETE FROM scheduled_occurrences WHERE key LIKE $1 || '%'", live[0][0])
    await fetch(settings, "DELETE FROM scheduled_occurrences WHERE key LIKE $1 || '%'", live[1][0])
    await fetch(settings, "UPDATE tranches SET paid_at = now() WHERE application_id = $1", live[0][0])
    raised = await notices(settings, march)
    assert {application for _, application, _ in raised} == {live[0][0]}


async def test_the_360giving_export_streams_in_chunks_and_writes_what_the_whole_package_would(sample, tmp_path):
    settings, _ = sample
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        chunks = [part async for part in awarded_grants(session_factory(engine), COUNCIL, "360G-test", chunk=7)]
    finally:
        await engine.dispose()
    grants = [grant for part in chunks for grant in part]
    assert len(chunks) > 2 and all(len(part) <= 7 for part in chunks)
    whole = write_files(package(grants, council=COUNCIL, issued=TODAY), tmp_path / "whole", COUNCIL)
    streamed = await export_360giving(settings, COUNCIL, tmp_path / "streamed", "360G-test", TODAY)
    assert streamed[2] == len(grants)
    assert streamed[0].read_bytes() == whole[0].read_bytes()
    assert streamed[1].read_bytes() == whole[1].read_bytes()
