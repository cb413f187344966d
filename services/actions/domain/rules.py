"""What every record of the plan shares: its id, and the refusal of a malformed command."""

from __future__ import annotations

import uuid

from shared.rules import RuleBroken


def new_id() -> str:
    return str(uuid.uuid4())


class InvalidCommand(RuleBroken):
    """The command itself is malformed for this plan (wrong theme, dates out of order, % out of range)."""

    title = "Invalid command"
