"""Notifications domain: which events reach which subscription, retries, endpoint disabling, secret rotation."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.notifications.domain import (
    AttemptResult,
    Delivery,
    EventFacts,
    IllegalState,
    NotAQueueSubscription,
    RetrySchedule,
    Subscription,
    SubscriptionDisabled,
    delivery_id_for,
    new_secret,
    parse_retry_after,
    topic_matches,
    valid_topic_pattern,
    verdict_of,
)

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
COUNCIL = "E08000018"


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("grants.#", "grants.application.submitted.v1", True),
        ("grants.#", "grants", True),
        ("grants.#", "actions.milestone.completed.v1", False),
        ("#", "anything.at.all", True),
        ("#", "", True),
        ("actions.milestone.*", "actions.milestone.completed", True),
        ("actions.milestone.*", "actions.milestone.completed.v1", False),
        ("actions.milestone.*", "actions.milestone", False),
        ("*.milestone.*.v1", "actions.milestone.overdue.v1", True),
        ("*.fund.*.v1", "grants.application.submitted.v1", False),
        ("#.v1", "grants.fund.opened.v1", True),
        ("#.v1", "grants.fund.opened.v2", False),
        ("grants.#.v1", "grants.v1", True),
        ("grants.#.v1", "grants.fund.opened.v1", True),
        ("grants.#.opened.#", "grants.fund.opened.v1", True),
        ("grants.#.closed.#", "grants.fund.opened.v1", False),
        ("#.#", "a.b", True),
        ("grants.fund.opened.v1", "grants.fund.opened.v1", True),
        ("grants.fund.opened.v1", "grants.fund.opened.v10", False),
        ("*", "grants", True),
        ("*", "grants.fund", False),
    ],
)
def test_topic_patterns_match_like_rabbitmq(pattern, key, expected):
    assert topic_matches(pattern, key) is expected


def test_a_pattern_with_empty_or_odd_words_is_not_a_topic_pattern():
    assert valid_topic_pattern("grants.#")
    assert valid_topic_pattern("actions.milestone.*")
    assert not valid_topic_pattern("grants..fund")
    assert not valid_topic_pattern("grants.fu*d")
    assert not valid_topic_pattern("")


def subscription(**overrides) -> Subscription:
    values: dict[str, Any] = {
        "id": "sub-1",
        "partner_id": "partner-1",
        "council": COUNCIL,
        "channel": "webhook",
        "url": "https://partner.example/hook",
        "event_types": ["grants.#"],
        "secret": new_secret(),
        "created_at": NOW,
    }
    values.update(overrides)
    return Subscription(**values)


def event(type_: str = "grants.application.submitted.v1", council: str = COUNCIL, **data) -> EventFacts:
    return EventFacts(type=type_, council=council, data=data)


def test_a_subscription_receives_events_of_its_types_in_its_council_only():
    sub = subscription(event_types=["grants.#", "actions.milestone.*.v1"])
    assert sub.matches(event("grants.fund.opened.v1"))
    assert sub.matches(event("actions.milestone.completed.v1"))
    assert not sub.matches(event("wards.ward.registered.v1"))
    assert not sub.matches(event("grants.fund.opened.v1", council="E08000035"))


def test_a_ward_filter_needs_a_named_ward_in_ward_codes_or_gss_code():
    sub = subscription(event_types=["#"], wards=["E05012996"])
    assert sub.matches(event(ward_codes=["E05012990", "E05012996"]))
    assert sub.matches(event("wards.ward.registered.v1", gss_code="E05012996"))
    assert not sub.matches(event(ward_codes=["E05012990"]))
    assert not sub.matches(event("grants.fund.opened.v1"))  # names no ward at all


def test_a_theme_filter_needs_the_events_theme():
    sub = subscription(themes=["Bringing people together"])
    assert sub.matches(event(theme="Bringing people together"))
    assert sub.matches(event("grants.fund.created.v1", themes=["Pride of place", "Bringing people together"]))
    assert not sub.matches(event(theme="Pride of place"))
    assert not sub.matches(event())


def test_a_disabled_subscription_matches_nothing():
    sub = subscription()
    sub.disable("gone", NOW)
    assert not sub.matches(event())


def test_a_new_secret_is_whsec_and_24_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert secret != new_secret()


def test_after_rotation_both_secrets_sign_until_the_grace_period_ends():
    sub = subscription()
    old = sub.secret
    new = sub.rotate_secret(NOW, timedelta(hours=24))
    assert new != old and sub.secret == new
    assert sub.signing_secrets(NOW + timedelta(hours=23)) == [new, old]
    assert sub.signing_secrets(NOW + timedelta(hours=24)) == [new]


def test_the_delivery_id_is_the_same_for_the_same_subscription_and_event():
    assert delivery_id_for("sub-1", "event-1") == delivery_id_for("sub-1", "event-1")
    assert delivery_id_for("sub-1", "event-1") != delivery_id_for("sub-2", "event-1")
    assert delivery_id_for("sub-1", "event-1") != delivery_id_for("sub-1", "event-2")


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, "succeeded"),
        (204, "succeeded"),
        (410, "gone"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (408, "retry"),
        (301, "retry"),
        (None, "retry"),
        (400, "rejected"),
        (401, "rejected"),
        (404, "rejected"),
        (422, "rejected"),
    ],
)
def test_what_each_response_means(status, verdict):
    assert verdict_of(status) == verdict


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after("Wed, 01 Apr 2026 09:02:00 GMT", NOW) == 120
    assert parse_retry_after("Wed, 01 Apr 2026 08:00:00 GMT", NOW) == 0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_backoff_grows_with_jitter_and_stops_after_the_schedule():
    schedule = RetrySchedule(delays=(5, 30, 120), jitter=0.2)
    rand = random.Random(7)
    delays = [schedule.delay_after(n, rand=rand) or 0.0 for n in (1, 2, 3)]
    assert 4 <= delays[0] <= 6 and 24 <= delays[1] <= 36 and 96 <= delays[2] <= 144
    assert schedule.delay_after(4) is None
    assert schedule.max_attempts == 4


def test_a_longer_retry_after_wins_over_the_backoff_up_to_the_cap():
    schedule = RetrySchedule(delays=(5, 30), jitter=0, max_delay=600)
    assert schedule.delay_after(1, retry_after=90) == 90
    assert schedule.delay_after(1, retry_after=1) == 5
    assert schedule.delay_after(1, retry_after=10_000) == 600


def result(status: int | None = None, error: str | None = None, retry_after: str | None = None) -> AttemptResult:
    return AttemptResult(started_at=NOW, latency_ms=12, status_code=status, error=error, retry_after=retry_after)


def delivery(sub: Subscription) -> Delivery:
    return Delivery.of(sub, "event-1", "grants.fund.opened.v1", NOW)


SCHEDULE = RetrySchedule(delays=(5, 30), jitter=0)
A_DAY = timedelta(hours=24)


def test_a_2xx_delivers_and_clears_the_endpoints_failure_streak():
    sub = subscription(failing_since=NOW - timedelta(hours=1))
    d = delivery(sub)
    attempt, consequence = d.record_attempt(result(204), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert (d.status, d.attempts, consequence.verdict) == ("succeeded", 1, "succeeded")
    assert attempt.number == 1 and attempt.status_code == 204
    assert sub.failing_since is None


def test_a_5xx_is_retried_on_schedule_and_exhausted_after_the_last_attempt():
    sub = subscription()
    d = delivery(sub)
    _, first = d.record_attempt(result(503), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert d.status == "pending" and first.next_attempt_at == NOW + timedelta(seconds=5)
    _, second = d.record_attempt(
        result(error="timeout: ReadTimeout"), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY
    )
    assert second.next_attempt_at == NOW + timedelta(seconds=30)
    attempt, third = d.record_attempt(result(500), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert d.status == "exhausted" and third.exhausted and third.next_attempt_at is None
    assert attempt.number == 3


def test_a_429_waits_at_least_as_long_as_retry_after_asks():
    sub = subscription()
    d = delivery(sub)
    _, consequence = d.record_attempt(
        result(429, retry_after="60"), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY
    )
    assert consequence.next_attempt_at == NOW + timedelta(seconds=60)


def test_410_fails_the_delivery_and_disables_the_endpoint():
    sub = subscription()
    d = delivery(sub)
    _, consequence = d.record_attempt(result(410), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert d.status == "failed" and consequence.endpoint_disabled == "gone"
    assert sub.status == "disabled" and sub.disabled_reason == "gone"


def test_another_4xx_fails_without_retry_and_leaves_the_endpoint_on():
    sub = subscription()
    d = delivery(sub)
    _, consequence = d.record_attempt(result(400), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert d.status == "failed" and consequence.next_attempt_at is None and not consequence.exhausted
    assert sub.status == "active"


def test_an_endpoint_failing_for_longer_than_allowed_is_disabled():
    sub = subscription()
    d = delivery(sub)
    d.record_attempt(result(500), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert sub.status == "active" and sub.failing_since == NOW
    _, consequence = d.record_attempt(
        result(500), sub, now=NOW + timedelta(hours=25), schedule=SCHEDULE, disable_after=A_DAY
    )
    assert consequence.endpoint_disabled == "sustained_failure"
    assert sub.status == "disabled"


def test_a_success_in_between_restarts_the_failure_clock():
    sub = subscription()
    delivery(sub).record_attempt(result(500), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    delivery(sub).record_attempt(
        result(200), sub, now=NOW + timedelta(hours=20), schedule=SCHEDULE, disable_after=A_DAY
    )
    later = NOW + timedelta(hours=25)
    _, consequence = delivery(sub).record_attempt(result(500), sub, now=later, schedule=SCHEDULE, disable_after=A_DAY)
    assert consequence.endpoint_disabled is None and sub.failing_since == later


def test_a_resent_delivery_gets_a_full_retry_schedule_and_keeps_its_attempt_count():
    sub = subscription()
    d = delivery(sub)
    for _ in range(3):
        d.record_attempt(result(500), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert d.status == "exhausted"
    d.resend(NOW)
    assert (d.status, d.next_attempt_at) == ("pending", NOW)
    attempt, consequence = d.record_attempt(result(500), sub, now=NOW, schedule=SCHEDULE, disable_after=A_DAY)
    assert attempt.number == 4 and consequence.next_attempt_at == NOW + timedelta(seconds=5)


def test_enabling_an_active_subscription_is_refused_naming_its_state():
    sub = subscription()
    with pytest.raises(IllegalState) as refused:
        sub.enable()
    assert refused.value.current == "active"
    # A broken rule of the one family: the API answers 409 naming the state, as it always has.
    assert (refused.value.status, refused.value.facts["current_state"]) == (409, "active")
    sub.disable("gone", NOW)
    sub.enable()
    assert sub.status == "active" and sub.disabled_reason is None


def test_queue_credentials_change_only_on_an_active_queue_subscription():
    with pytest.raises(NotAQueueSubscription) as not_a_queue:
        subscription().check_queue_access_may_change()
    assert not_a_queue.value.status == 409 and "is a webhook" in not_a_queue.value.detail
    queue = subscription(channel="amqp", url=None)
    queue.check_queue_access_may_change()
    queue.disable("revoked", NOW)
    with pytest.raises(SubscriptionDisabled) as disabled:
        queue.check_queue_access_may_change()
    assert disabled.value.status == 409 and disabled.value.facts == {"current_state": "disabled"}
    assert "(revoked)" in disabled.value.detail
