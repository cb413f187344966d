"""Webhooks (Standard Webhooks): signing secrets and their rotation, and what an endpoint's answer means."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

from shared.rules import RuleBroken

SECRET_PREFIX = "whsec_"


class EndpointNotAllowed(RuleBroken):
    """A webhook URL that may not be called: a private, loopback, link-local or metadata address, or plain HTTP
    in production."""

    title = "Endpoint not allowed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="url")


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secrets_in_force(
    secret: str, previous_secret: str | None, previous_expires_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets a delivery is signed with: the current one, plus the previous one during its grace period."""
    keys = [secret]
    if previous_secret and previous_expires_at and now < previous_expires_at:
        keys.append(previous_secret)
    return keys


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


Verdict = Literal["succeeded", "retry", "gone", "rejected"]


def verdict_of(status_code: int | None) -> Verdict:
    """What one response means: 2xx delivered; 410 the endpoint is gone; 429, 5xx, redirects
    (never followed) and no response at all are worth retrying; any other 4xx will not change."""
    if status_code is None:
        return "retry"
    if 200 <= status_code < 300:
        return "succeeded"
    if status_code == 410:
        return "gone"
    if status_code in (408, 429) or status_code >= 500 or 300 <= status_code < 400:
        return "retry"
    return "rejected"
