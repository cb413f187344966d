"""Versioned events, upcast on read: a consumer sees one shape whatever version was published.

Within a major version a change is additive (a new optional field): a reader
written before it ignores the field, one written after it reads the default when
an older producer leaves it out. A breaking change is a new type, ``x.v2``,
published alongside ``x.v1`` for a deprecation window. Its upcaster, registered
here beside the two classes, turns a ``v1``'s data into a ``v2``'s:

    @upcaster(MeetingNoted, MeetingNotedV2)
    def venue_becomes_a_place(data: dict[str, Any]) -> dict[str, Any]: ...

A consumer written for ``v2`` is then bound to ``v1`` too, and every ``v1`` it
receives reaches its handler upcast to a ``v2`` (``readings``). A consumer that
names ``v1`` itself receives it as it was published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from shared.events.base import EventData

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

# An older type -> the next version's type, and how its data becomes that version's.
_UPCASTERS: dict[str, tuple[str, Upcaster]] = {}


def upcaster(older: type[EventData], newer: type[EventData]) -> Callable[[Upcaster], Upcaster]:
    """Register the decorated function as turning ``older``'s data into ``newer``'s, the next major version."""
    if older.family != newer.family or newer.version != older.version + 1:
        raise ValueError(f"{older.event_type} does not upcast to {newer.event_type}: not its next version")

    def register(function: Upcaster) -> Upcaster:
        if older.event_type in _UPCASTERS:
            raise ValueError(f"{older.event_type} has an upcaster already")
        _UPCASTERS[older.event_type] = (newer.event_type, function)
        return function

    return register


@dataclass(frozen=True)
class Reading:
    """How one incoming type is read: upcast through ``steps`` (none for a type read as itself), then validated."""

    model: type[EventData]
    steps: tuple[Upcaster, ...] = ()

    def read(self, data: dict[str, Any]) -> EventData:
        for step in self.steps:
            data = step(data)
        return self.model.model_validate(data)


def readings(models: Iterable[type[EventData]]) -> dict[str, Reading]:
    """Every type a reader of ``models`` receives, and how: each model's own type as itself, and each older
    version with an unbroken chain of upcasters to it, unless the reader names that version as well."""
    named = {model.event_type: model for model in models}
    found: dict[str, Reading] = {event_type: Reading(model) for event_type, model in named.items()}
    for model in named.values():
        steps: tuple[Upcaster, ...] = ()
        newer = model.event_type
        for version in range(model.version - 1, 0, -1):
            older = f"{model.family}.v{version}"
            link = _UPCASTERS.get(older)
            if older in named or link is None or link[0] != newer:
                break
            steps = (link[1], *steps)
            found[older] = Reading(model, steps)
            newer = older
    return found
