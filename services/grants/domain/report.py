"""The fund's report: what each funder gave, committed, paid and has left; awards by ward and by theme."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.grants.domain.application import Application
from services.grants.domain.fund import Fund, apportion
from services.grants.domain.lifecycle import AWARDED


@dataclass(frozen=True)
class FunderLine:
    contribution_id: str
    funder_name: str
    contributed_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int


@dataclass(frozen=True)
class AwardLine:
    key: str
    awards: int
    amount_pence: int


@dataclass(frozen=True)
class FundReport:
    fund_id: str
    contributed_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int
    funders: list[FunderLine]
    by_ward: list[AwardLine]
    by_theme: list[AwardLine]


def report_on(fund: Fund, applications: Iterable[Application]) -> FundReport:
    """What each funder gave, committed, paid and has left; awards by ward and by theme.

    An award benefiting several wards is split evenly between them (pennies
    apportioned deterministically), so the ward lines add up to the total awarded.
    """
    wards: dict[str, list[int]] = {}
    themes: dict[str, list[int]] = {}
    for application in applications:
        if application.status not in AWARDED or not application.amount_awarded_pence:
            continue
        # An underspend gave part of the award back: the lines count what stays committed to the grant.
        amount = application.amount_awarded_pence - application.amount_released_pence
        line = themes.setdefault(application.theme, [0, 0])
        line[0], line[1] = line[0] + 1, line[1] + amount
        codes = sorted(application.ward_codes)
        for code, share in zip(codes, apportion(amount, [1] * len(codes)), strict=True):
            line = wards.setdefault(code, [0, 0])
            line[0], line[1] = line[0] + 1, line[1] + share
    return FundReport(
        fund_id=fund.id,
        contributed_pence=fund.total_contributions_pence,
        committed_pence=fund.committed_pence,
        paid_pence=fund.paid_pence,
        available_pence=fund.available_pence,
        funders=[
            FunderLine(c.id, c.funder_name, c.amount_pence, c.committed_pence, c.paid_pence, c.available_pence)
            for c in fund.contributions
        ],
        by_ward=[AwardLine(k, n, a) for k, (n, a) in sorted(wards.items())],
        by_theme=[AwardLine(k, n, a) for k, (n, a) in sorted(themes.items())],
    )
