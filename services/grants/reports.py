"""The fund's report, aggregated by the database: the same figures as ``domain.report_on``, without
building an Application for every award (a fund may hold 200,000 applications).

The funder lines come from the fund's contributions (a handful of rows); the award lines are two
aggregates over the fund's awarded applications, read through ``ix_applications_fund_created``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.domain import AWARDED, Fund
from services.grants.domain.report import AwardLine, FundReport, report_of

# What each award keeps committed (awarded less what an underspend or withdrawal gave back), by theme,
# and split evenly between its wards in code order, the leftover pennies to the first wards: what
# ``domain.fund.apportion`` does with equal weights.
_AWARD_LINES = text(
    f"""
    WITH awarded AS (
        SELECT a.theme, a.ward_codes,
               (a.amount_awarded_pence - COALESCE(
                   (SELECT sum(c.released_pence) FROM commitments c WHERE c.application_id = a.id), 0
               ))::bigint AS amount
        FROM applications a
        WHERE a.fund_id = :fund_id AND a.amount_awarded_pence > 0
          AND a.status IN ({", ".join(f"'{s}'" for s in sorted(AWARDED))})
    )
    SELECT 'theme' AS line, theme AS key, count(*) AS awards, sum(amount) AS amount FROM awarded GROUP BY theme
    UNION ALL
    SELECT 'ward', w.code, count(*), sum(amount / w.n + CASE WHEN w.i <= amount % w.n THEN 1 ELSE 0 END)
    FROM awarded, LATERAL (
        SELECT code, row_number() OVER (ORDER BY code COLLATE "C") AS i, count(*) OVER () AS n
        FROM jsonb_array_elements_text(awarded.ward_codes) AS code
    ) AS w
    GROUP BY w.code
    """
)


async def fund_report(session: AsyncSession, fund: Fund) -> FundReport:
    """What each funder gave, committed, paid and has left; awards by ward and by theme."""
    wards: list[AwardLine] = []
    themes: list[AwardLine] = []
    for line, key, awards, amount in await session.execute(_AWARD_LINES, {"fund_id": fund.id}):
        (themes if line == "theme" else wards).append(AwardLine(key, int(awards), int(amount)))
    return report_of(fund, sorted(wards, key=lambda a: a.key), sorted(themes, key=lambda a: a.key))
