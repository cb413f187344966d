"""Email digests: a daily or weekly email at a Europe/London wall-clock time, gathering a period's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from shared.calendar import LONDON

if TYPE_CHECKING:
    from services.notifications.domain.subscriptions import Subscription

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_digest_time(value: str) -> time:
    """``HH:MM`` on the 24-hour clock."""
    hours, sep, minutes = value.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours.isdigit() and minutes.isdigit()):
        raise ValueError(f"{value!r} is not a time like 08:00")
    return time(int(hours), int(minutes))


def email_subscription_problem(mode: str | None, digest_time: str | None, digest_weekday: str | None) -> str | None:
    """What is wrong with an email subscription's mode and schedule; None when it is complete."""
    if mode not in ("immediate", "daily", "weekly"):
        return "mode must be immediate, daily or weekly"
    if mode == "immediate":
        if digest_time or digest_weekday:
            return "an immediate subscription has no digest_time or digest_weekday"
        return None
    if not digest_time:
        return f"a {mode} digest needs digest_time (Europe/London, e.g. 08:00)"
    try:
        parse_digest_time(digest_time)
    except ValueError as exc:
        return str(exc)
    if mode == "weekly" and digest_weekday not in WEEKDAYS:
        return f"a weekly digest needs digest_weekday, one of {', '.join(WEEKDAYS)}"
    if mode == "daily" and digest_weekday:
        return "a daily digest has no digest_weekday"
    return None


@dataclass(frozen=True)
class DigestPeriod:
    """One period of a digest: it ends (and its email goes) at ``send_at``; ``key`` names it once for ever."""

    key: str
    local_date: date
    send_at: datetime


def latest_digest_period(subscription: Subscription, now: datetime) -> DigestPeriod | None:
    """The most recent scheduled send at or before ``now``, in Europe/London wall-clock time.

    The send time is a local time, so it is 08:00 GMT in winter and 08:00 BST (07:00 UTC)
    in summer. A local time skipped when the clocks go forward is read with the offset
    before the change, and one that happens twice when they go back is the first.
    """
    if not subscription.is_digest or not subscription.digest_time:
        return None
    at = parse_digest_time(subscription.digest_time)
    today = now.astimezone(LONDON).date()
    for back in range(8):
        day = today - timedelta(days=back)
        if subscription.mode == "weekly" and WEEKDAYS[day.weekday()] != subscription.digest_weekday:
            continue
        send_at = datetime.combine(day, at, tzinfo=LONDON)
        if send_at <= now:
            return DigestPeriod(f"{subscription.mode}-{day.isoformat()}", day, send_at.astimezone(UTC))
    return None
