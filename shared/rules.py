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
