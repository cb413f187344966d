"""The words of every email the service sends: subject lines and plain-text bodies, in plain Python.

An email says only what the thin event says (ids, codes, amounts, dates) and
links to the API where an authorised reader finds the rest; it never carries
personal data beyond that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.notifications.domain import LONDON, DigestPeriod, Partner, Subscription
from shared.events import Envelope

SIGN_OFF = (
    "\n--\nCohesion notifications. This is an automatic message; replies are not read.\n"
    "To stop these emails, change or delete the subscription through the notifications API.\n"
)


@dataclass(frozen=True)
class Links:
    """Where an email's links point: this service's API, and the API of each service that publishes."""

    notifications: str = "http://127.0.0.1:8004"
    services: Mapping[str, str] = field(default_factory=dict)

    def source(self, event_type: str) -> str:
        service = event_type.split(".", 1)[0]
        return self.services.get(service, self.notifications).rstrip("/") + "/v1"

    def delivery(self, delivery_id: str) -> str:
        return f"{self.notifications.rstrip('/')}/v1/deliveries/{delivery_id}"

    def subscription(self, subscription_id: str) -> str:
        return f"{self.notifications.rstrip('/')}/v1/subscriptions/{subscription_id}"


@dataclass(frozen=True)
class EventSummary:
    """What an email tells about one event."""

    id: str
    type: str
    subject: str
    time: datetime
    council: str
    data: Mapping[str, Any]

    @classmethod
    def of(cls, envelope: Envelope) -> EventSummary:
        return cls(envelope.id, envelope.type, envelope.subject, envelope.time, envelope.council, envelope.data)


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


def london(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%d %B %Y %H:%M %Z")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "; ".join(f"{k}={_value(v)}" for k, v in value.items())
    return str(value)


def key_fields(data: Mapping[str, Any], *, limit: int = 12) -> list[str]:
    """The event's data as ``name: value`` lines (the catalogue keeps it thin: ids, codes, pence, dates)."""
    lines = [f"  {name}: {_value(value)}" for name, value in data.items() if value is not None]
    return lines[:limit] + ([f"  … and {len(lines) - limit} more"] if len(lines) > limit else [])


def event_email(event: EventSummary, *, api_url: str) -> Wording:
    """One event, for an immediate email subscription."""
    body = "\n".join(
        [
            f"Event: {event.type}",
            f"About: {event.subject}",
            f"When: {london(event.time)}",
            f"Council: {event.council}",
            "",
            "Details:",
            *key_fields(event.data),
            "",
            f"Event id: {event.id}",
            f"Read more (with an authorised token): {api_url}",
        ]
    )
    return Wording(f"[Cohesion] {event.type} — {event.subject}", body + SIGN_OFF)


def digest_email(
    subscription: Subscription, period: DigestPeriod, events: Sequence[EventSummary], *, api_url: str
) -> Wording:
    """Every event of one period, oldest first."""
    label = "Daily" if subscription.mode == "daily" else "Weekly"
    day = period.local_date.strftime("%A %d %B %Y")
    lines = [
        f"{label} digest for {day}: {len(events)} event{'s' if len(events) != 1 else ''} "
        f"matching {', '.join(subscription.event_types)}.",
        "",
    ]
    for event in events:
        lines.append(f"* {london(event.time)}  {event.type}  {event.subject}")
        lines.extend(f"  {line}" for line in key_fields(event.data, limit=6))
        lines.append(f"    event id: {event.id}")
    lines += ["", f"Deliveries of this subscription: {api_url}"]
    return Wording(f"[Cohesion] {label} digest, {day} ({len(events)})", "\n".join(lines) + SIGN_OFF)


def endpoint_disabled_email(
    partner: Partner,
    subscription: Subscription,
    *,
    reason: str,
    disabled_at: datetime,
    failing_since: datetime | None,
    api_url: str,
) -> Wording:
    """Told out of band, because the webhook that would have told them is the thing that failed."""
    why = (
        "it answered 410 Gone"
        if reason == "gone"
        else f"every delivery to it has failed since {london(failing_since or disabled_at)}"
    )
    body = "\n".join(
        [
            f"Cohesion has stopped sending webhooks to a {partner.name} endpoint: {why}.",
            "",
            f"Subscription: {subscription.id}",
            f"Endpoint: {subscription.url}",
            f"Disabled at: {london(disabled_at)}",
            "",
            "Events that arrive while it is disabled are not delivered. Once the endpoint works again,",
            f"switch it back on (POST {api_url}:enable) and replay what it missed (POST {api_url}:replay).",
        ]
    )
    return Wording(f"[Cohesion] Webhook endpoint disabled ({subscription.id})", body + SIGN_OFF)


def milestone_overdue_email(event: EventSummary, *, lead: str, api_url: str) -> Wording:
    due = event.data.get("due_on")
    body = "\n".join(
        [
            f"A milestone of an action {lead} leads is overdue" + (f": it was due on {_date(due)}." if due else "."),
            "",
            f"Milestone: {event.data.get('milestone_id')}",
            f"Action: {event.data.get('action_id')}",
            f"Plan: {event.data.get('plan_id')}",
            "",
            f"Record progress or complete it: {api_url}",
        ]
    )
    return Wording(f"[Cohesion] Milestone overdue — action {event.data.get('action_id')}", body + SIGN_OFF)


def report_due_email(event: EventSummary, *, api_url: str) -> Wording:
    due = event.data.get("due_on")
    body = "\n".join(
        [
            "A monitoring report on your grant is due" + (f" by {_date(due)}." if due else "."),
            "",
            *key_fields(event.data),
            "",
            f"Your application: {api_url}",
        ]
    )
    return Wording(
        f"[Cohesion] Monitoring report due — application {event.data.get('application_id')}", body + SIGN_OFF
    )


def cadence_behind_email(event: EventSummary, *, api_url: str) -> Wording:
    ward = str(event.data.get("gss_code") or event.subject)
    body = "\n".join(
        [
            f"{ward} ward is behind its meeting cadence.",
            "",
            *key_fields(event.data),
            "",
            f"The ward: {api_url}",
        ]
    )
    return Wording(f"[Cohesion] Ward meetings behind schedule — {ward}", body + SIGN_OFF)


def spend_awaiting_approval_email(event: EventSummary, *, api_url: str) -> Wording:
    ward = str(event.data.get("gss_code") or "")
    body = "\n".join(
        [
            f"A spend request of {ward} ward awaits your approval.",
            "",
            *key_fields(event.data),
            "",
            f"Approve or refuse it: {api_url}",
        ]
    )
    return Wording(f"[Cohesion] Ward spend request awaiting approval — {ward}", body + SIGN_OFF)


def spend_decided_email(event: EventSummary, *, api_url: str) -> Wording:
    ward = str(event.data.get("gss_code") or "")
    decision = "approved" if event.type.startswith("wards.spend_request.approved.") else "refused"
    body = "\n".join(
        [
            f"A spend request of {ward} ward was {decision}.",
            "",
            *key_fields(event.data),
            "",
            f"The request: {api_url}",
        ]
    )
    return Wording(f"[Cohesion] Ward spend request {decision} — {ward}", body + SIGN_OFF)


def _date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d %B %Y")
    except ValueError:
        return str(value)
