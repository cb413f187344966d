"""The 360Giving export against the real grants database, validated against the official schemas.

The official package schema refers to the grant schema by URL; both are read from
``../shared/standards/360giving`` and the grant schema is registered under that URL, so validation
runs offline. The export is also run through the real ``cohesion export 360giving`` command.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from services.grants.open_data import export_360giving
from tests.integration.test_grants_api import (
    BOSTON_CASTLE,
    KEPPEL,
    Grants,
    apply,
    open_fund,
    score,
)
from tests.integration.test_grants_api import grants as grants  # a fixture, used by name
from tests.support import COUNCIL

STANDARD = Path(__file__).resolve().parents[3] / "shared" / "standards" / "360giving"
REPO = Path(__file__).resolve().parents[2]
PREFIX = "360G-rotherham"


def validator(*, check_formats: bool) -> jsonschema.Draft202012Validator:
    package_schema = json.loads((STANDARD / "360-giving-package-schema.json").read_text())
    grant_schema = json.loads((STANDARD / "360-giving-schema.json").read_text())
    # The schemas declare "$schema": "http://json-schema.org/draft/2020-12/schema" (http, not the
    # dialect's https id), which `referencing` cannot detect: name the dialect outright.
    grant = DRAFT202012.create_resource(grant_schema)
    # The package names the grant schema by a (1.4.2) URL; the grant schema's own $id is 1.4.3.
    registry: Registry[Any] = Registry().with_resources(
        [(package_schema["properties"]["grants"]["items"]["$ref"], grant), (grant_schema["$id"], grant)]
    )
    if not check_formats:
        return jsonschema.Draft202012Validator(package_schema, registry=registry)
    # jsonschema checks "date-time" only with an optional package installed; check it strictly here,
    # as the 360Giving validator does, so a date never passes for a date-time.
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        return not isinstance(value, str) or ("T" in value and datetime.fromisoformat(value).tzinfo is not None)

    return jsonschema.Draft202012Validator(package_schema, registry=registry, format_checker=checker)


async def awarded(g: Grants, fund_id: str, *, amount_pence: int, pay: bool = False, **overrides: Any) -> dict[str, Any]:
    """An application taken through assessment (quorum 1) to an award, accepted and optionally paid."""
    application = await apply(g, fund_id, amount_requested_pence=amount_pence, **overrides)
    url = f"/v1/applications/{application['id']}"
    assert (await g.client.post(f"{url}/submit", headers=g.group)).status_code == 200
    assert (await g.client.post(f"{url}/assessment", headers=g.officer)).status_code == 200
    assert (await score(g, application["id"], "member-1")).status_code == 200
    recommended = await g.client.post(
        f"{url}/recommendation", json={"recommended": True, "reasons": "ok"}, headers=g.officer
    )
    assert recommended.status_code == 200
    decided = await g.client.post(f"{url}/decision", json={"outcome": "approved", "reasons": "ok"}, headers=g.officer)
    assert decided.json()["status"] == "approved", decided.text
    assert (await g.client.post(f"{url}/offer", json={}, headers=g.officer)).status_code == 200
    assert (await g.client.post(f"{url}/accept", headers=g.group)).status_code == 200
    if pay:
        finance = g.as_("finance", subject="finance-1")
        assert (await g.client.post(f"{url}/tranches/1/approve", headers=finance)).status_code == 200
        assert (await g.client.post(f"{url}/tranches/1/pay", headers=finance)).status_code == 200
    return dict((await g.client.get(url, headers=g.officer)).json())


async def an_export_scenario(g: Grants) -> dict[str, Any]:
    fund = await open_fund(
        g,
        quorum=1,
        contributions=[
            {
                "funder_name": "Rotherham Metropolitan Borough Council",
                "funder_organisation_id": "GB-LAE-ROT",
                "amount_pence": 500_000,
            },
            {"funder_name": "Rotherham Together Partnership", "charity_number": "1190000", "amount_pence": 500_000},
        ],
    )
    charity = {
        "name": "Eastwood Community Group",
        "type": "charity",
        "charity_number": "1234567",
        "contact": {"name": "A. Person", "email": "contact@example.org", "phone": "01709 000000"},
    }
    talking = await awarded(
        g,
        fund["id"],
        amount_pence=80_001,
        pay=True,
        organisation=charity,
        ward_codes=[BOSTON_CASTLE, KEPPEL],
        starts_on="2017-09-01",
        ends_on="2018-03-31",
    )
    company = {
        "name": "Clifton Cafe CIC",
        "type": "cic",
        "company_number": "09876543",
        "contact": {"name": "B. Person", "email": "cafe@example.org"},
    }
    cafe = await awarded(g, fund["id"], amount_pence=50_000, organisation=company, title="Community cafe")
    # Not awards, so never published: a draft, a rejection and an award later withdrawn.
    await apply(g, fund["id"], title="Still a draft")
    withdrawn = await awarded(g, fund["id"], amount_pence=10_000, title="Withdrawn after award")
    assert (await g.client.post(f"/v1/applications/{withdrawn['id']}/withdraw", headers=g.group)).status_code == 200
    return {"fund": fund, "talking": talking, "cafe": cafe, "withdrawn": withdrawn}


async def test_the_360giving_export_is_valid_against_the_official_package_schema(grants, tmp_path):
    scenario = await an_export_scenario(grants)
    json_path, csv_path, count = await export_360giving(grants.settings, COUNCIL, tmp_path, PREFIX)
    assert count == 2

    document = json.loads(json_path.read_text(), parse_float=Decimal)
    plain = json.loads(json_path.read_text())
    validator(check_formats=False).validate(plain)
    validator(check_formats=True).validate(plain)

    talking_id = f"{PREFIX}-{scenario['talking']['id']}"
    by_id = {g["id"]: g for g in document["grants"]}
    assert set(by_id) == {talking_id, f"{PREFIX}-{scenario['cafe']['id']}"}
    grant = by_id[talking_id]
    assert grant["amountAwarded"] == Decimal("800.01")  # 80,001 pence, exactly
    assert grant["amountDisbursed"] == Decimal("800.01")
    assert (grant["currency"], grant["title"]) == ("GBP", "Let's get Rotherham talking")
    assert grant["recipientOrganization"] == [
        {"id": "GB-CHC-1234567", "name": "Eastwood Community Group", "charityNumber": "1234567"}
    ]
    assert grant["fundingOrganization"] == [
        {"id": "GB-LAE-ROT", "name": "Rotherham Metropolitan Borough Council"},
        {"id": "GB-CHC-1190000", "name": "Rotherham Together Partnership"},
    ]
    assert grant["grantProgramme"] == [
        {"code": scenario["fund"]["id"], "title": "Building Stronger Communities small grants"}
    ]
    assert [(b["geoCode"], b["geoCodeType"], b["name"]) for b in grant["beneficiaryLocation"]] == [
        (BOSTON_CASTLE, "WD", "Boston Castle"),
        (KEPPEL, "WD", "Keppel"),
    ]
    decided = datetime.fromisoformat(scenario["talking"]["decided_at"])
    assert datetime.fromisoformat(grant["awardDate"]) == decided.replace(microsecond=0)
    assert grant["plannedDates"] == [{"startDate": "2017-09-01T00:00:00+01:00", "endDate": "2018-03-31T00:00:00+01:00"}]
    cafe = by_id[f"{PREFIX}-{scenario['cafe']['id']}"]
    assert cafe["recipientOrganization"][0]["id"] == "GB-COH-09876543"
    assert cafe["amountAwarded"] == 500

    header, *rows = list(csv.reader(csv_path.open(newline="", encoding="utf-8")))
    for column in (
        "Identifier",
        "Title",
        "Description",
        "Currency",
        "Amount Awarded",
        "Award Date",
        "Recipient Org:Identifier",
        "Recipient Org:Name",
        "Funding Org:Identifier",
        "Funding Org:Name",
        "Funding Org:1:Identifier",
        "Grant Programme:Title",
        "Beneficiary Location:0:Geographic Code",
        "Beneficiary Location:0:Geographic Code Type",
        "Beneficiary Location:1:Geographic Code",
        "Planned Dates:0:Start Date",
        "Planned Dates:0:End Date",
    ):
        assert column in header, column
    assert all(titles_in_schema(column) for column in header), [c for c in header if not titles_in_schema(c)]
    row = dict(zip(header, next(r for r in rows if r[0] == talking_id), strict=True))
    assert (row["Amount Awarded"], row["Currency"], row["Recipient Org:Identifier"]) == (
        "800.01",
        "GBP",
        "GB-CHC-1234567",
    )
    assert (row["Funding Org:Identifier"], row["Funding Org:1:Identifier"]) == ("GB-LAE-ROT", "GB-CHC-1190000")
    assert (row["Beneficiary Location:0:Geographic Code"], row["Beneficiary Location:0:Geographic Code Type"]) == (
        BOSTON_CASTLE,
        "WD",
    )
    assert row["Beneficiary Location:1:Geographic Code"] == KEPPEL
    assert row["Grant Programme:Title"] == "Building Stronger Communities small grants"
    assert row["Planned Dates:0:Start Date"] == "2017-09-01T00:00:00+01:00"

    # Personal data stays in the service: no contact reaches the open data.
    for path in (json_path, csv_path):
        published = path.read_text()
        assert "contact@example.org" not in published and "A. Person" not in published
        assert "cafe@example.org" not in published


def titles_in_schema(column: str) -> bool:
    """Does a flattened column title name a field of the official grant schema (e.g. ``Funding Org:1:Name``)?"""
    schema = json.loads((STANDARD / "360-giving-schema.json").read_text())

    def resolved(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        return {**schema["$defs"][ref.rsplit("/", 1)[1]], **node} if ref else node

    node: dict[str, Any] = schema
    for part in column.split(":"):
        if part.isdigit():
            continue
        properties = [resolved(p) for p in node.get("properties", {}).values()]
        match = next((p for p in properties if p.get("title") == part), None)
        if match is None:
            return False
        node = resolved(match.get("items", match))
    return True


async def test_the_cohesion_cli_writes_the_360giving_package_and_csv(grants, tmp_path):
    scenario = await an_export_scenario(grants)
    env = {**os.environ, "COHESION_DB_PREFIX": grants.settings.db_prefix}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from shared.cli import main; main()",
        *("export", "360giving", "--council", COUNCIL, "--out", str(tmp_path), "--prefix", PREFIX),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "2 grant(s) written" in out.decode()
    document = json.loads((tmp_path / f"360giving-{COUNCIL}.json").read_text())
    validator(check_formats=True).validate(document)
    assert f"{PREFIX}-{scenario['talking']['id']}" in {g["id"] for g in document["grants"]}
    assert (tmp_path / f"360giving-{COUNCIL}.csv").read_text().startswith("Identifier,Title,Description,Currency")


async def test_exporting_a_council_with_no_awards_writes_nothing_and_says_why(grants, tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from shared.cli import main; main()",
        *("export", "360giving", "--council", "E08000035", "--out", str(tmp_path)),
        cwd=REPO,
        env={**os.environ, "COHESION_DB_PREFIX": grants.settings.db_prefix},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 1
    assert "no awarded grants" in err.decode()
    assert list(tmp_path.iterdir()) == []
