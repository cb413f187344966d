"""A broken domain rule, raised anywhere in a request, answers as problem+json with its own status."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shared.problems import PROBLEM_JSON, install_problem_handlers
from shared.rules import RuleBroken


class FundNotOpen(RuleBroken):
    title = "Fund not open"
    status = 409


async def test_a_broken_rule_answers_with_its_status_title_detail_and_facts():
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/funds/{fund_id}/applications")
    async def apply(fund_id: str) -> None:
        # "status" and "type" among the facts must not overwrite the document's own members.
        raise FundNotOpen(f"Fund {fund_id} is draft.", fund_status="draft", status=200, type="x")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.post("/funds/f1/applications")
    assert (answer.status_code, answer.headers["content-type"]) == (409, PROBLEM_JSON)
    body = answer.json()
    assert (body["title"], body["detail"], body["status"], body["fund_status"]) == (
        "Fund not open",
        "Fund f1 is draft.",
        409,
        "draft",
    )
    assert body["instance"] == "/funds/f1/applications" and body["type"].endswith("/fund-not-open")
