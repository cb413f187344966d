"""Which events a subscription wants: RabbitMQ topic patterns on the event type, and its wards and themes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def topic_matches(pattern: str, routing_key: str) -> bool:
    """RabbitMQ topic matching: words split on '.', ``*`` is exactly one word, ``#`` zero or more."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: Sequence[str], words: Sequence[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        # '#' swallows zero words, or one word and stays in place.
        return _match(rest, words) or (bool(words) and _match(pattern, words[1:]))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


def valid_topic_pattern(pattern: str) -> bool:
    words = pattern.split(".")
    return all(w in ("*", "#") or (w and all(c.isalnum() or c in "_-" for c in w)) for w in words)


# --- Event filters -------------------------------------------------------------------


def wards_of(data: Mapping[str, Any]) -> set[str]:
    """The wards an event is about: its ``ward_codes`` list and/or its ``gss_code``."""
    wards: set[str] = set()
    codes = data.get("ward_codes")
    if isinstance(codes, list):
        wards.update(str(c) for c in codes)
    code = data.get("gss_code")
    if isinstance(code, str):
        wards.add(code)
    return wards


def themes_of(data: Mapping[str, Any]) -> set[str]:
    """The themes an event is about: its ``theme`` and/or its ``themes`` list."""
    themes: set[str] = set()
    theme = data.get("theme")
    if isinstance(theme, str):
        themes.add(theme)
    listed = data.get("themes")
    if isinstance(listed, list):
        themes.update(str(t) for t in listed)
    return themes


@dataclass(frozen=True)
class EventFacts:
    """What a subscription filter looks at in an event."""

    type: str
    council: str
    data: Mapping[str, Any]
