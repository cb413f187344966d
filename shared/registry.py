"""The services of this installation, listed once: the ``cohesion.services`` entry points of pyproject.toml.

The kernel names no service. Whatever needs the list of services (migrations, ``cohesion up``,
the demo data, the exports, the documents, the tests) asks here, and gets each service's
``ServiceDefinition``. The entry points are installed with the project (``make install`` runs
``uv sync``, whose editable install writes them), so a new service is one line in pyproject.toml.

The registry's order is the order of the services' ports (wards 8001, grants 8002, actions 8003,
notifications 8004): it is the order they are migrated, started and given their demo data in, so
a service's demo data may refer to what a service before it has loaded.
"""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.service import ServiceDefinition

GROUP = "cohesion.services"


def definitions() -> dict[str, ServiceDefinition]:
    """Every registered service's definition by name, in the registry's order (by port)."""
    return dict(_in_order())


def names() -> tuple[str, ...]:
    """The services' names, in the registry's order."""
    return tuple(name for name, _ in _in_order())


@functools.cache
def definition(name: str) -> ServiceDefinition:
    """One service's definition, importing that service only."""
    found: ServiceDefinition = _entry_point(name).load()
    if found.name != name:
        raise LookupError(f"the entry point {name!r} loads the service {found.name!r}: give them one name")
    return found


def package_of(name: str) -> str:
    """The Python package the service lives in, e.g. ``services.wards`` (``python -m`` runs it)."""
    return _entry_point(name).module.rpartition(".")[0]


def folder_of(name: str) -> Path:
    """The service's folder (its ``migrations/`` are there)."""
    return Path(importlib.import_module(package_of(name)).__file__ or ".").parent


def default_urls() -> dict[str, str]:
    """Where each service listens when COHESION_SERVICE_URLS does not say: this machine, at its port."""
    return {name: f"http://127.0.0.1:{d.port}" for name, d in _in_order()}


@functools.cache
def _entry_points() -> dict[str, EntryPoint]:
    found = {point.name: point for point in entry_points(group=GROUP)}
    if not found:
        raise LookupError(f"no service is registered as a {GROUP!r} entry point: install the project (make install)")
    return found


def _entry_point(name: str) -> EntryPoint:
    points = _entry_points()
    if name not in points:
        raise KeyError(f"no service {name!r}; the registered services are: {', '.join(sorted(points))}")
    return points[name]


@functools.cache
def _in_order() -> tuple[tuple[str, ServiceDefinition], ...]:
    return tuple(sorted(((name, definition(name)) for name in _entry_points()), key=lambda item: item[1].port))
