"""The email channel's rules in plain Python: digest periods in London time, SMTP replies, addresses."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from services.notifications.domain import (
    AttemptResult,
    Delivery,
    RetrySchedule,
    Subscription,
    email_address_problem,
    email_subscription_problem,
    event_message_id,
    latest_digest_period,
    smtp_verdict,
)

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def digest(mode: str, at: str, weekday: str | None = None) -> Subscription:
    return Subscription(
        id="sub-1",
        partner_id="p-1",
        council="E08000018",
        channel="email",
        url=None,
        event_types=["grants.#"],
        secret="whsec_x",
        created_at=CREATED,
        email="alerts@partner.example",
        mode=mode,  # type: ignore[arg-type]
        digest_time=at,
        digest_weekday=weekday,
    )


def test_a_daily_digest_goes_at_the_local_time_in_winter_and_in_summer():
    winter = latest_digest_period(digest("daily", "08:00"), datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    assert winter is not None and winter.send_at == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # GMT
    summer = latest_digest_period(digest("daily", "08:00"), datetime(2026, 7, 15, 7, 30, tzinfo=UTC))
    assert summer is not None and summer.send_at == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)  # BST
    assert summer.key == "daily-2026-07-15"


def test_before_todays_send_time_the_latest_period_is_yesterdays():
    period = latest_digest_period(digest("daily", "08:00"), datetime(2026, 1, 15, 7, 59, tzinfo=UTC))
    assert period is not None and period.key == "daily-2026-01-14"


def test_a_weekly_digest_goes_on_its_weekday():
    # 2026-01-15 is a Thursday; the Monday before is the 12th.
    period = latest_digest_period(digest("weekly", "17:30", "monday"), datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    assert period is not None and period.key == "weekly-2026-01-12"
    assert period.send_at == datetime(2026, 1, 12, 17, 30, tzinfo=UTC)


def test_an_immediate_subscription_has_no_digest_period():
    assert latest_digest_period(digest("immediate", "08:00"), datetime(2026, 1, 15, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("code", "message", "verdict"),
    [
        (250, "2.0.0 Queued", "succeeded"),
        (None, None, "retry"),
        (421, "Service not available", "retry"),
        (451, "4.3.0 Try again later", "retry"),
        (550, "5.1.1 <x@y.example>: Recipient address rejected: User unknown", "unknown_user"),
        (550, "5.7.1 Message rejected as spam", "rejected"),
        (554, "Transaction failed", "rejected"),
    ],
)
def test_an_smtp_reply_says_whether_to_retry_give_up_or_suppress(code, message, verdict):
    assert smtp_verdict(code, message) == verdict


@pytest.mark.parametrize(
    ("address", "wrong"),
    [
        ("ops@syp.example", None),
        ("first.last+cohesion@partner.org.uk", None),
        ("nobody", "local part"),
        ("two@@signs.example", "local part"),
        (".dot@x.example", "local part"),
        ("a@localhost", "domain"),
        ("a@-bad.example", "domain"),
        ("a@x.123", "top-level domain"),
    ],
)
def test_email_addresses_are_checked_and_the_problem_named(address, wrong):
    problem = email_address_problem(address)
    assert (problem is None) if wrong is None else (problem is not None and wrong in problem)


@pytest.mark.parametrize(
    ("mode", "at", "weekday", "wrong"),
    [
        ("immediate", None, None, None),
        ("daily", "08:00", None, None),
        ("weekly", "08:00", "friday", None),
        ("immediate", "08:00", None, "no digest_time"),
        ("daily", None, None, "needs digest_time"),
        ("daily", "25:00", None, None),
        ("weekly", "08:00", None, "digest_weekday"),
        ("daily", "08:00", "monday", "no digest_weekday"),
    ],
)
def test_an_email_subscription_needs_a_complete_schedule(mode, at, weekday, wrong):
    problem = email_subscription_problem(mode, at, weekday)
    if mode == "daily" and at == "25:00":
        assert problem is not None  # not a time of day
    elif wrong is None:
        assert problem is None
    else:
        assert problem is not None and wrong in problem


def test_a_failed_email_is_retried_on_schedule_then_exhausted():
    delivery = Delivery.of(digest("immediate", "08:00"), "event-1", "grants.x.v1", CREATED)
    schedule = RetrySchedule(delays=(60.0,), jitter=0.0)
    deferred = AttemptResult(CREATED, 10, status_code=451, response_excerpt="try later")
    _, first = delivery.record_email_attempt(deferred, now=CREATED, schedule=schedule, rand=random.Random(1))
    assert (delivery.status, first.next_attempt_at) == ("pending", datetime(2026, 1, 1, 0, 1, tzinfo=UTC))
    _, second = delivery.record_email_attempt(deferred, now=CREATED, schedule=schedule, rand=random.Random(1))
    assert (delivery.status, second.exhausted) == ("exhausted", True)


def test_a_refused_mailbox_fails_at_once_and_asks_for_suppression():
    delivery = Delivery.of(digest("immediate", "08:00"), "event-1", "grants.x.v1", CREATED)
    refused = AttemptResult(CREATED, 10, status_code=550, response_excerpt="5.1.1 User unknown")
    _, consequence = delivery.record_email_attempt(refused, now=CREATED, schedule=RetrySchedule(delays=(60.0,)))
    assert (delivery.status, consequence.suppress_address, consequence.next_attempt_at) == ("failed", True, None)


def test_the_message_id_of_an_event_email_is_the_same_on_every_attempt():
    assert event_message_id("e-1", "s-1") == event_message_id("e-1", "s-1") == "<e-1.s-1@cohesion.notifications>"
