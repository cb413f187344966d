"""The annual report on neighbourhood working (``/v1/reports/neighbourhood-working/{financial_year}``), per
ward, locality and council, as JSON or CSV with the same figures (``?format=csv``)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from services.wards.api.access import StaffWardMemberOrPartner
from services.wards.api.neighbourhood_schemas import AnnualReportOut, ReportRow
from services.wards.api.schemas import FINANCIAL_YEAR_PATTERN
from services.wards.domain import InvalidBudget
from services.wards.handlers import annual_report
from shared.calendar import FinancialYear, today_in_london
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/neighbourhood-working/{financial_year}",
    summary="The annual report on neighbourhood working (to IPSC and Council)",
    response_model=AnnualReportOut,
    responses={200: {"content": {"text/csv": {}}}},
)
async def get_annual_report(
    financial_year: Annotated[str, Path(pattern=FINANCIAL_YEAR_PATTERN, examples=["2017-18"])],
    runtime: RuntimeDep,
    principal: StaffWardMemberOrPartner,
    format: Annotated[
        Literal["json", "csv"], Query(description="CSV has one row per JSON row, same columns.")
    ] = "json",
    as_of: Annotated[date | None, Query(description="Count up to this day (today, unless said).")] = None,
) -> Response:
    """Meetings held against the four-a-year cadence, budgets and their utilisation (committed and spent),
    resident engagement, ward plans published and refreshed, and quarterly updates submitted and missed. Every
    row names the boundary set of its ward; ``boundary_set`` is the set in force on the year's 1 April."""
    try:
        year = FinancialYear.parse(financial_year)
    except ValueError as exc:
        raise InvalidBudget(str(exc), financial_year=financial_year) from None
    day = as_of or today_in_london()
    async with runtime.sessions() as session:
        in_force, rows = await annual_report(session, principal.council, year, day)
    report = AnnualReportOut(
        financial_year=year.label,
        as_of=day,
        boundary_set=in_force,
        rows=[ReportRow.model_validate(r.flat()) for r in rows],
    )
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(ReportRow.model_fields))
        writer.writeheader()
        for row in report.rows:
            writer.writerow({k: "" if v is None else v for k, v in row.model_dump().items()})
        filename = f"neighbourhood-working-{year.label}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "X-Boundary-Set": in_force or "",
            },
        )
    return Response(report.model_dump_json(), media_type="application/json")
