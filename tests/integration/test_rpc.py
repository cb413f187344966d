"""Calls between services over the real broker: typed answers, typed failures, council scope, one trace.

The caller is the actions service, running; the responder is a small service declared here.
Grants' own procedure is proven in ``test_grants_rpc.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from opentelemetry.trace import SpanKind

from services.actions.app import definition as actions_definition
from services.wards import tables as wards_tables
from shared.messaging.rpc import (
    NoResponder,
    NotFound,
    Procedure,
    RemoteError,
    Responder,
    RpcRequest,
    RpcResponse,
    RpcTimeout,
    RpcUnavailable,
)
from shared.procedures import GRANTEE_CONTACT
from shared.service import Runtime, ServiceDefinition
from shared.telemetry import current_trace_id, tracer
from shared.unit_of_work import UnitOfWork
from tests.support import COUNCIL, OTHER_COUNCIL, eventually, queue_depth, running_service


@pytest.fixture
async def actions(settings_for_test) -> AsyncIterator[Runtime]:
    """The calling service, running."""
    async with running_service(actions_definition, settings_for_test("actions")) as (app, _):
        yield app.state.runtime


# --- A responder in another service ---------------------------------------------------------------


class EchoRequest(RpcRequest):
    text: str


class Echo(RpcResponse):
    text: str
    trace_id: str | None


ECHO = Procedure("wards.echo", EchoRequest, Echo)
NOBODY = Procedure("wards.nobody_serves_this", EchoRequest, Echo)


def echo_service(handle: Any) -> ServiceDefinition:
    return ServiceDefinition(
        name="wards",
        title="echo",
        description="a responder in another service",
        metadata=wards_tables.metadata,
        responders=[Responder(ECHO, handle)],
    )


# What the responder knows, by council: it answers only for the council asked about.
KNOWN = {COUNCIL: {"hello", "slow"}}


async def echo(request: EchoRequest, uow: UnitOfWork) -> Echo:
    if request.text not in KNOWN.get(request.council, set()):
        raise NotFound(f"no {request.text!r} in council {request.council}")
    if request.text == "slow":
        await asyncio.sleep(1.0)
    return Echo(text=request.text, trace_id=current_trace_id())


async def test_a_call_gets_its_typed_answer_from_a_responder_in_another_running_service(
    settings_for_test, actions: Runtime
):
    async with running_service(echo_service(echo), settings_for_test("wards")):
        answer = await actions.call(ECHO, EchoRequest(council=COUNCIL, text="hello"), timeout=5)
    assert isinstance(answer, Echo)
    assert answer.text == "hello"


async def test_an_unknown_id_gives_a_typed_not_found(settings_for_test, actions: Runtime):
    async with running_service(echo_service(echo), settings_for_test("wards")):
        with pytest.raises(NotFound) as raised:
            await actions.call(ECHO, EchoRequest(council=COUNCIL, text="unknown"), timeout=5)
    assert raised.value.procedure == "wards.echo"
    assert "unknown" in raised.value.detail


async def test_a_responder_answers_only_for_the_council_asked_about(settings_for_test, actions: Runtime):
    async with running_service(echo_service(echo), settings_for_test("wards")):
        with pytest.raises(NotFound):
            await actions.call(ECHO, EchoRequest(council=OTHER_COUNCIL, text="hello"), timeout=5)
        assert (await actions.call(ECHO, EchoRequest(council=COUNCIL, text="hello"), timeout=5)).text == "hello"


async def test_the_callers_trace_reaches_the_responder(settings_for_test, actions: Runtime):
    async with running_service(echo_service(echo), settings_for_test("wards")):
        with tracer().start_as_current_span("alert", kind=SpanKind.INTERNAL):
            caller_trace = current_trace_id()
            answer = await actions.call(ECHO, EchoRequest(council=COUNCIL, text="hello"), timeout=5)

    assert caller_trace is not None
    assert (answer.text, answer.trace_id) == ("hello", caller_trace)


async def test_calls_in_flight_do_not_wait_for_each_other(settings_for_test, actions: Runtime):
    async with running_service(echo_service(echo), settings_for_test("wards")):
        started = time.monotonic()
        answers = await asyncio.gather(
            *(actions.call(ECHO, EchoRequest(council=COUNCIL, text="slow"), timeout=5) for _ in range(5))
        )
        elapsed = time.monotonic() - started

    assert [a.text for a in answers] == ["slow"] * 5
    assert elapsed < 3.0, elapsed  # five one-second answers, served side by side rather than one after another


async def test_a_failing_responder_gives_a_typed_remote_error(settings_for_test, actions: Runtime):
    async def broken(request: EchoRequest, uow: UnitOfWork) -> Echo:
        raise RuntimeError("the database said no")

    async with running_service(echo_service(broken), settings_for_test("wards")):
        with pytest.raises(RemoteError) as raised:
            await actions.call(ECHO, EchoRequest(council=COUNCIL, text="hello"), timeout=5)
    assert "RuntimeError" in raised.value.detail
    assert "the database said no" not in raised.value.detail  # internals stay in the responder's log


async def test_a_procedure_whose_responders_are_all_down_times_out_with_a_typed_error(
    settings_for_test, amqp_url: str, actions: Runtime
):
    # A responder ran once (so the queue exists) and is now stopped.
    async with running_service(echo_service(echo), settings_for_test("wards")):
        pass

    started = time.monotonic()
    with pytest.raises(RpcTimeout) as raised:
        await actions.call(ECHO, EchoRequest(council=COUNCIL, text="hello"), timeout=0.5)
    elapsed = time.monotonic() - started

    assert isinstance(raised.value, RpcUnavailable)
    assert 0.5 <= elapsed < 1.5, elapsed
    # The request expires with the call: no stale question is answered once a responder comes back.
    await eventually(lambda: _empty(amqp_url, ECHO.queue), timeout=5)


async def test_a_procedure_nobody_ever_served_fails_at_once_with_a_typed_error(actions: Runtime):
    started = time.monotonic()
    with pytest.raises(NoResponder) as raised:
        await actions.call(NOBODY, EchoRequest(council=COUNCIL, text="anyone?"), timeout=5)
    assert isinstance(raised.value, RpcUnavailable)
    assert time.monotonic() - started < 5


async def _empty(amqp_url: str, queue: str) -> bool:
    return await queue_depth(amqp_url, queue) == 0


async def test_a_request_of_the_wrong_type_is_refused_before_it_is_sent(actions: Runtime):
    with pytest.raises(TypeError):
        await actions.call(GRANTEE_CONTACT, EchoRequest(council=COUNCIL, text="x"))  # type: ignore[misc]
