"""Every endpoint and every dependency of the four APIs runs on the event loop.

FastAPI runs a plain ``def`` endpoint or dependency in its thread pool: on every
request, a thread hop for each, and the GIL passed back and forth with the loop.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared import registry
from shared.service import build_service


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # An included router (FastAPI wraps it) holds its routes on the router it was given.
        for holder in (route, getattr(route, "original_router", None)):
            inner = getattr(holder, "routes", None)
            if holder is not None and inner:
                yield from api_routes(inner)


def run_in_threads(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        if sub.call is not None and not inspect.iscoroutinefunction(sub.call):
            yield getattr(sub.call, "__qualname__", repr(sub.call))
        yield from run_in_threads(sub)


@pytest.mark.parametrize("service", registry.names())
def test_no_endpoint_or_dependency_runs_in_the_thread_pool(service: str) -> None:
    app = build_service(service)
    routes = {id(r): r for r in api_routes(app.routes)}.values()
    assert len(routes) > 5  # the walk finds the service's routes, not just /healthz
    offenders = {
        f"{sorted(r.methods or ())} {r.path}": sorted(
            set(run_in_threads(r.dependant))
            | ({r.endpoint.__qualname__} if not inspect.iscoroutinefunction(r.endpoint) else set())
        )
        for r in routes
    }
    assert {route: names for route, names in offenders.items() if names} == {}
