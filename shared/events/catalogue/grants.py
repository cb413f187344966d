"""Events published by the grants service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from shared.events.base import EventData

GssCode = str
Pence = int


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
