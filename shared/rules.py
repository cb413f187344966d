"""A broken domain rule, the same in every service, and how the HTTP APIs answer it.

A service's domain raises a subclass that names the rule (``title``), says why
(``detail``) and what was wrong (``facts``), and what kind of refusal it is
(``status``): 422 the command itself is wrong, 409 the record's state forbids it,
404 there is no such record for the caller. Plain Python, no framework:
``shared.problems`` turns any of them into problem+json.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RuleBroken(Exception):
    title: ClassVar[str] = "Rule broken"
    status: ClassVar[int] = 422

    def __init__(self, detail: str, **facts: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts: dict[str, Any] = facts


class IllegalState(RuleBroken):
    """The record's current state does not allow the command (e.g. opening a closed fund)."""

    title = "Illegal state"
    status = 409

    def __init__(self, detail: str, *, current: str, **facts: Any) -> None:
        super().__init__(detail, current=current, **facts)
        self.current = current


class NotFound(RuleBroken):
    """No such record for the caller: another council's record looks the same as none."""

    title = "Not found"
    status = 404

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"No {kind} {record_id} in your council.", kind=kind, id=record_id)
        self.kind = kind
        self.record_id = record_id
