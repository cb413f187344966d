"""Import a plan from a CSV file (see ``plan_file``): every bad row reported, and nothing stored unless none is bad."""

from __future__ import annotations

from services.actions.domain import InvalidCommand, Plan
from services.actions.handlers.actions import added_action
from services.actions.handlers.milestones import added_milestone, check_binding
from services.actions.handlers.plans import added_plan, stage_objective, stage_priority
from services.actions.plan_file import read_plan
from shared.unit_of_work import UnitOfWork


async def import_plan(uow: UnitOfWork, *, council: str, text: str) -> Plan:
    found = read_plan(text, council, check_binding=check_binding)
    if found.bad_rows or found.plan is None:
        raise InvalidCommand(
            f"{len(found.bad_rows)} row(s) of the file are wrong; nothing was imported.",
            field="file",
            errors=[{"line": bad.line, "reason": bad.reason} for bad in found.bad_rows],
        )
    added_plan(uow, found.plan)
    await uow.session.flush()
    for priority in found.priorities:
        stage_priority(uow, priority)
    await uow.session.flush()
    for objective in found.objectives:
        stage_objective(uow, objective)
    await uow.session.flush()
    for action in found.actions:
        added_action(uow, action)
    await uow.session.flush()
    for milestone in found.milestones:
        added_milestone(uow, milestone)
    uow.audit(
        "actions.plan.import",
        found.plan.id,
        priorities=len(found.priorities),
        objectives=len(found.objectives),
        actions=len(found.actions),
        milestones=len(found.milestones),
    )
    await uow.commit()
    return found.plan
