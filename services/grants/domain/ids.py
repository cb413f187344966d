"""Identifiers: every record of the fund gets a UUID when it is made, before it is ever stored."""

from __future__ import annotations

import uuid


def new_id() -> str:
    return str(uuid.uuid4())
