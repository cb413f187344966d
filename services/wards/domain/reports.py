"""The annual report on neighbourhood working for a financial year (to IPSC and Council; Thriving
Neighbourhoods, 2018): meetings held against the four-a-year cadence, budgets and their utilisation,
resident engagement, ward plans published and refreshed, and quarterly updates missed — per ward, per
locality and council-wide, the same figures whichever way it is read (JSON or CSV)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from services.wards.domain.meetings import MEETINGS_A_YEAR

BUDGET_KINDS = ("clf", "revenue", "capital")


@dataclass
class Figures:
    """One row of the report: a ward, a locality or the council."""

    scope: str
    code: str
    name: str
    locality: str | None = None
    boundary_set: str | None = None
    wards: int = 1
    meetings_held: int = 0
    meetings_expected: int = MEETINGS_A_YEAR
    wards_behind_cadence: int = 0
    budget_pence: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUDGET_KINDS, 0))
    used_pence: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUDGET_KINDS, 0))
    engagements: int = 0
    people_reached: int = 0
    plans_published: int = 0
    plans_refreshed: int = 0
    updates_submitted: int = 0
    updates_missed: int = 0

    def utilisation_percent(self, kind: str) -> float | None:
        total = self.budget_pence[kind]
        return None if total == 0 else round(100 * self.used_pence[kind] / total, 1)

    def flat(self) -> dict[str, object]:
        """The row as one level of named figures: what the CSV has as columns, and the JSON as members."""
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("budget_pence", "used_pence")}
        for kind in BUDGET_KINDS:
            row[f"{kind}_budget_pence"] = self.budget_pence[kind]
            row[f"{kind}_committed_and_spent_pence"] = self.used_pence[kind]
            row[f"{kind}_utilisation_percent"] = self.utilisation_percent(kind)
        return row


def roll_up(scope: str, code: str, name: str, rows: Iterable[Figures]) -> Figures:
    """A locality's or the council's figures: the sum of its wards' (utilisation from the summed pence)."""
    total = Figures(scope=scope, code=code, name=name, wards=0, meetings_expected=0)
    sets: set[str] = set()
    for row in rows:
        total.wards += 1
        total.meetings_held += row.meetings_held
        total.meetings_expected += row.meetings_expected
        total.wards_behind_cadence += row.wards_behind_cadence
        for kind in BUDGET_KINDS:
            total.budget_pence[kind] += row.budget_pence[kind]
            total.used_pence[kind] += row.used_pence[kind]
        for name_ in ("engagements", "people_reached", "plans_published", "plans_refreshed"):
            setattr(total, name_, getattr(total, name_) + getattr(row, name_))
        total.updates_submitted += row.updates_submitted
        total.updates_missed += row.updates_missed
        if row.boundary_set:
            sets.add(row.boundary_set)
    total.boundary_set = ",".join(sorted(sets)) or None
    return total


def report_rows(wards: list[Figures]) -> list[Figures]:
    """Wards (by code), then each locality, then the council."""
    localities = sorted({w.locality for w in wards if w.locality})
    return [
        *sorted(wards, key=lambda w: w.code),
        *(roll_up("locality", loc, loc.title(), (w for w in wards if w.locality == loc)) for loc in localities),
        roll_up("council", "", "Council", wards),
    ]
