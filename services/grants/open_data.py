"""Awarded grants as open data in the 360Giving Data Standard (v1.4): a JSON package and its CSV.

The mapping is plain Python over the domain (``grant_record``, ``package``, ``flatten``); only
``export_360giving`` touches the grants database. What is published: the award, its amounts in
pounds, the recipient organisation (never its contact), the funders whose contributions the award
was committed against, the fund as grant programme, and the wards that benefit (ONS GSS codes,
code type ``WD``). Only awards are published: approved and later, never drafts, refusals or
withdrawals.

Dates are written as RFC 3339 date-times at midnight Europe/London (the award date is the moment of
the decision): the standard allows either a date or a date-time, and its ``oneOf`` only tells a bare
date apart from a date-time when the validator checks formats, whereas a date-time is valid to every
validator.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.grants.domain import (
    AWARDED,
    Application,
    Fund,
)
from services.grants.tables import applications, directory_wards, funds
from shared.calendar import LONDON, today_in_london
from shared.db import create_engine, session_factory
from shared.settings import Settings

STANDARD_VERSION = "1.4"
CURRENCY = "GBP"
WARD_CODE_TYPE = "WD"  # 360Giving geoCodeType codelist: Electoral Wards/Divisions (E05, W05, S13)


def pounds(pence: int) -> Decimal:
    """Integer pence as exact decimal pounds: 80_001 -> Decimal('800.01')."""
    return Decimal(pence).scaleb(-2)


def json_amount(pence: int) -> int | float:
    """Whole pounds as an integer; otherwise the float whose shortest repr is exactly the 2-place decimal.

    Exact for every amount below 10**13 pence: 15 significant digits always round-trip through a float.
    """
    amount = pounds(pence)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def at_midnight(day: date) -> str:
    return datetime.combine(day, time(0), LONDON).isoformat()


def in_london(at: datetime) -> str:
    return at.astimezone(LONDON).isoformat(timespec="seconds")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def normalise_prefix(prefix: str) -> str:
    """``360G-rotherham`` or just ``rotherham``: the 360Giving registered prefix, with its ``360G-``."""
    prefix = prefix.strip().rstrip("-")
    return prefix if prefix.upper().startswith("360G-") else f"360G-{prefix}"


def default_prefix(council: str) -> str:
    return f"360G-cohesion-{council}"


def organisation_id(prefix: str, kind: str, name: str, charity_number: str | None, company_number: str | None) -> str:
    """An org-id.guide identifier: the charity register, then Companies House, else one of our own."""
    if charity_number:
        number = charity_number.strip().upper().replace(" ", "")
        return f"GB-SC-{number}" if number.startswith("SC") else f"GB-CHC-{number}"
    if company_number:
        return f"GB-COH-{company_number.strip().upper().replace(' ', '')}"
    return f"{prefix}-{kind}-{slug(name)}"


@dataclass(frozen=True)
class FunderShareOfAward:
    name: str
    identifier: str
    amount_pence: int


def funders_of(application: Application, fund: Fund, prefix: str) -> list[FunderShareOfAward]:
    """The funders whose contributions the award is committed against, in the fund's order."""
    by_contribution: dict[str, int] = {}
    for commitment in application.commitments:
        kept = commitment.amount_pence - commitment.released_pence
        if kept > 0:
            by_contribution[commitment.contribution_id] = by_contribution.get(commitment.contribution_id, 0) + kept
    shares = []
    for contribution in fund.contributions:
        if contribution.id in by_contribution:
            identifier = contribution.funder_organisation_id or organisation_id(
                prefix, "FUNDER", contribution.funder_name, contribution.charity_number, None
            )
            shares.append(FunderShareOfAward(contribution.funder_name, identifier, by_contribution[contribution.id]))
    return shares


def grant_record(application: Application, fund: Fund, ward_names: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """One award as a 360Giving grant (JSON shape); never the applicant's contact."""
    if application.status not in AWARDED or application.amount_awarded_pence is None:
        raise ValueError(f"application {application.id} is {application.status}, not an award")
    assert application.decided_at is not None
    org = application.organisation
    recipient: dict[str, Any] = {
        "id": organisation_id(prefix, "ORG", org.name, org.charity_number, org.company_number),
        "name": org.name,
    }
    if org.charity_number:
        recipient["charityNumber"] = org.charity_number
    if org.company_number:
        recipient["companyNumber"] = org.company_number
    grant: dict[str, Any] = {
        "id": f"{prefix}-{application.id}",
        "title": application.title,
        "description": application.summary.strip() or application.title,
        "currency": CURRENCY,
        "amountAppliedFor": json_amount(application.amount_requested_pence),
        "amountAwarded": json_amount(application.amount_awarded_pence),
        "amountDisbursed": json_amount(application.amount_paid_pence),
        "awardDate": in_london(application.decided_at),
        "recipientOrganization": [recipient],
        "fundingOrganization": [{"id": f.identifier, "name": f.name} for f in funders_of(application, fund, prefix)],
        "grantProgramme": [{"code": fund.id, "title": fund.name}],
        "beneficiaryLocation": [
            {"name": ward_names.get(code, code), "countryCode": "GB", "geoCode": code, "geoCodeType": WARD_CODE_TYPE}
            for code in application.ward_codes
        ],
        "fromOpenCall": "Yes",
    }
    if application.starts_on:
        planned = {"startDate": at_midnight(application.starts_on)}
        if application.ends_on:
            planned["endDate"] = at_midnight(application.ends_on)
        grant["plannedDates"] = [planned]
    if application.updated_at:
        grant["dateModified"] = in_london(application.updated_at)
    return grant


def package(grants: Sequence[dict[str, Any]], *, council: str, issued: date) -> dict[str, Any]:
    return {
        "grants": list(grants),
        "version": STANDARD_VERSION,
        "title": f"Small grants awarded by council {council}",
        "description": "Awards of the council's small-grants funds, with the wards that benefit (GSS codes).",
        "issued": at_midnight(issued),
    }


# --- The flattened CSV (360Giving column titles) ----------------------------------------------------

LEAD = [
    ("Identifier", ("id",)),
    ("Title", ("title",)),
    ("Description", ("description",)),
    ("Currency", ("currency",)),
    ("Amount Applied For", ("amountAppliedFor",)),
    ("Amount Awarded", ("amountAwarded",)),
    ("Amount Disbursed", ("amountDisbursed",)),
    ("Award Date", ("awardDate",)),
    ("Planned Dates:0:Start Date", ("plannedDates", 0, "startDate")),
    ("Planned Dates:0:End Date", ("plannedDates", 0, "endDate")),
    ("Recipient Org:Identifier", ("recipientOrganization", 0, "id")),
    ("Recipient Org:Name", ("recipientOrganization", 0, "name")),
    ("Recipient Org:Charity Number", ("recipientOrganization", 0, "charityNumber")),
    ("Recipient Org:Company Number", ("recipientOrganization", 0, "companyNumber")),
]
TRAIL = [
    ("Grant Programme:Code", ("grantProgramme", 0, "code")),
    ("Grant Programme:Title", ("grantProgramme", 0, "title")),
    ("From An Open Call?", ("fromOpenCall",)),
    ("Last Modified", ("dateModified",)),
]
LOCATION_FIELDS = [
    ("Name", "name"),
    ("Country Code", "countryCode"),
    ("Geographic Code", "geoCode"),
    ("Geographic Code Type", "geoCodeType"),
]


def _columns(grants: Sequence[dict[str, Any]]) -> list[tuple[str, tuple[str | int, ...]]]:
    """The first funder rolls up into ``Funding Org:Identifier`` (as 360Giving's template has it);
    further funders and every beneficiary location are numbered."""
    funders = max((len(g["fundingOrganization"]) for g in grants), default=1)
    locations = max((len(g["beneficiaryLocation"]) for g in grants), default=1)
    columns = list(LEAD)
    for n in range(funders):
        head = "Funding Org" if n == 0 else f"Funding Org:{n}"
        columns += [(f"{head}:Identifier", ("fundingOrganization", n, "id"))]
        columns += [(f"{head}:Name", ("fundingOrganization", n, "name"))]
    columns += TRAIL[:2]
    for n in range(locations):
        columns += [
            (f"Beneficiary Location:{n}:{title}", ("beneficiaryLocation", n, key)) for title, key in LOCATION_FIELDS
        ]
    return columns + TRAIL[2:]


def _at(grant: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    value: Any = grant
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return ""
        elif not isinstance(value, dict) or step not in value:
            return ""
        value = value[step]
    return value


def flatten(grants: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The grants as 360Giving's flattened table: column titles, then one row per grant."""
    columns = _columns(grants)
    rows = []
    for grant in grants:
        row = []
        for _, path in columns:
            value = _at(grant, path)
            row.append(format(Decimal(str(value)), "f") if isinstance(value, int | float) else str(value))
        rows.append(row)
    return [title for title, _ in columns], rows


def write_files(document: dict[str, Any], out: Path, council: str) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = out / f"360giving-{council}.json", out / f"360giving-{council}.csv"
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    header, rows = flatten(document["grants"])
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return json_path, csv_path


# --- Reading the grants database ------------------------------------------------------------------


async def awarded_grants(sessions: async_sessionmaker[AsyncSession], council: str, prefix: str) -> list[dict[str, Any]]:
    """Every award of the council's funds, oldest decision first, as 360Giving grants."""
    async with sessions() as session:
        awards: Iterable[Application] = (
            await session.scalars(
                select(Application)
                .where(applications.c.council == council, applications.c.status.in_(list(AWARDED)))
                .order_by(applications.c.decided_at, applications.c.id)
            )
        ).all()
        fund_by_id = {f.id: f for f in (await session.scalars(select(Fund).where(funds.c.council == council))).all()}
        ward_names: dict[str, str] = {
            code: name
            for code, name in await session.execute(select(directory_wards.c.gss_code, directory_wards.c.name))
        }
        return [grant_record(a, fund_by_id[a.fund_id], ward_names, prefix) for a in awards]


async def export_360giving(
    settings: Settings, council: str, out: Path, prefix: str | None = None, issued: date | None = None
) -> tuple[Path, Path, int]:
    """Write ``360giving-<council>.json`` and ``.csv`` into ``out``; returns both paths and the grant count.

    Raises ``LookupError`` when the council has no awards: a 360Giving package holds at least one grant.
    """
    engine = create_engine(settings.db_url)
    try:
        grants = await awarded_grants(
            session_factory(engine), council, normalise_prefix(prefix or default_prefix(council))
        )
    finally:
        await engine.dispose()
    if not grants:
        raise LookupError(f"council {council} has no awarded grants to publish")
    document = package(grants, council=council, issued=issued or today_in_london())
    json_path, csv_path = write_files(document, out, council)
    return json_path, csv_path, len(grants)


async def write_360giving(settings: Settings, council: str, out: Path, prefix: str | None = None) -> str:
    """``cohesion export 360giving``: the export, and what it wrote, as a sentence."""
    json_path, csv_path, count = await export_360giving(settings, council, out, prefix)
    return f"{count} grant(s) written to {json_path} and {csv_path}"
