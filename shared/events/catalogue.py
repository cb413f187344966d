"""The event catalogue: one pydantic model per event type, grouped by owning service.

Payloads are thin — ids, codes, amounts in integer pence, dates — and carry no
personal data; a partner fetches details through the API it may call. Within a
major version only additive changes are allowed; a breaking change is a new
``.v<N+1>`` class published alongside the old one for a deprecation window.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from shared.events.base import EventData

GssCode = str
Pence = int

# --- wards -----------------------------------------------------------------


class WardRegistered(EventData, event_type="wards.ward.registered.v1"):
    """A ward exists in a boundary set (published when wards are loaded or change)."""

    gss_code: GssCode
    name: str
    local_authority_gss: GssCode
    boundary_set: str
    locality: Literal["north", "central", "south"] | None = None
    latitude: float | None = None
    longitude: float | None = None


# --- grants ----------------------------------------------------------------


class FundCreated(EventData, event_type="grants.fund.created.v1"):
    fund_id: str
    name: str
    themes: list[str]
    maximum_award_pence: Pence
    total_contributions_pence: Pence
    opens_on: date | None = None
    closes_on: date | None = None


class FundOpened(EventData, event_type="grants.fund.opened.v1"):
    fund_id: str
    name: str
    opened_at: datetime
    closes_on: date | None = None


class FundClosed(EventData, event_type="grants.fund.closed.v1"):
    fund_id: str
    closed_at: datetime


class ApplicationSubmitted(EventData, event_type="grants.application.submitted.v1"):
    application_id: str
    fund_id: str
    amount_requested_pence: Pence = Field(ge=0)
    ward_codes: list[GssCode]
    theme: str | None = None


# --- actions ---------------------------------------------------------------


class MilestoneCompleted(EventData, event_type="actions.milestone.completed.v1"):
    milestone_id: str
    action_id: str
    plan_id: str
    completed_at: datetime
    completed_by_event: str | None = None


# --- notifications ----------------------------------------------------------


class DeliverySucceeded(EventData, event_type="notifications.delivery.succeeded.v1"):
    delivery_id: str
    subscription_id: str
    event_id: str
    channel: Literal["webhook", "email", "amqp"]
    attempts: int
