"""Property-based API testing: schemathesis generates requests from each service's own OpenAPI and sends
them, with a valid token of a role drawn for each, to the service behind a real HTTP server; no answer
may be a server error, and every answer must match what the OpenAPI documents for it.

A fixed seed and a budget per operation keep it repeatable and to about a minute and a half.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from shared.auth import ROLES
from shared.docs import load_definitions
from shared.service import create_app
from tests.integration.test_hostile_requests import served
from tests.support import eventually, token

SEED = 20261202
EXAMPLES_PER_OPERATION = 8
WARD = "E05012996"  # a ward for the ward members' tokens (Boston Castle)


def explore(document: dict[str, Any], url: str, tokens: dict[str, dict[str, str]]) -> list[str]:
    """Run every operation's generated cases (blocking: from a thread); what failed, one line each."""
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"an operation schemathesis cannot read: {result.err()}")
            continue
        operation = result.ok()
        cases = st.one_of(
            operation.as_strategy(),  # what the OpenAPI allows: never a server error, always as documented
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),  # what it does not: refused as documented
        )

        @hypothesis.seed(SEED)
        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=cases, role=st.sampled_from(ROLES))
        def check(case: schemathesis.Case, role: str) -> None:
            headers = tokens[role]
            response = case.call(base_url=url, headers=headers, timeout=30)
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
                headers=headers,
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label}: {str(exc).strip().splitlines()[0]}\n{exc}")
    return failures


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


# Schemathesis' own strategies use ``random`` where Hypothesis would rather they did not: not ours to fix.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(settings_for_test):
    report: list[str] = []
    for name, definition in load_definitions().items():
        settings = settings_for_test(name)
        tokens = {role: token(settings, role, wards=[WARD] if role == "ward_member" else ()) for role in ROLES}
        async with served(create_app(definition, settings)) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                await eventually(lambda: _ready(client), timeout=30)  # connected to the database and the broker
                document = (await client.get("/openapi.json")).json()
            started = time.monotonic()
            failures = await asyncio.to_thread(explore, document, url, tokens)
            print(f"{name}: {len(document['paths'])} paths explored in {time.monotonic() - started:.1f}s")
            report += [f"{name} {failure}" for failure in failures]
    assert not report, "\n\n".join(report)
