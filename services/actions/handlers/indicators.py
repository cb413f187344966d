"""Commands on priority indicators: add one to a plan, record a period's value."""

from __future__ import annotations

from datetime import date

from services.actions.domain import Indicator, IndicatorValue, InvalidCommand
from services.actions.handlers.records import action_of, indicator_of, plan_of, values_of
from shared.events.catalogue.actions import IndicatorCreated, IndicatorValueRecorded
from shared.unit_of_work import UnitOfWork


async def add_indicator(
    uow: UnitOfWork,
    *,
    plan_id: str,
    council: str,
    title: str,
    unit: str,
    higher_is_better: bool,
    baseline: float,
    baseline_period: str,
    target: float,
    target_period: str,
    action_id: str | None = None,
) -> Indicator:
    plan = await plan_of(uow.session, plan_id, council)
    if action_id is not None:
        action = await action_of(uow.session, action_id, council)
        if action.plan_id != plan.id:
            raise InvalidCommand(f"Action {action_id} belongs to another plan.")
    indicator = plan.add_indicator(
        title=title,
        unit=unit,
        higher_is_better=higher_is_better,
        baseline=baseline,
        baseline_period=baseline_period,
        target=target,
        target_period=target_period,
        action_id=action_id,
    )
    uow.session.add(indicator)
    uow.emit(
        IndicatorCreated(
            indicator_id=indicator.id,
            plan_id=plan.id,
            higher_is_better=higher_is_better,
            baseline=baseline,
            target=target,
        ),
        subject=indicator.id,
        council=council,
    )
    uow.audit("actions.indicator.create", indicator.id, plan_id=plan.id, title=title)
    await uow.commit()
    return indicator


async def record_indicator_value(
    uow: UnitOfWork, *, indicator_id: str, council: str, period: str, period_end: date, value: float
) -> tuple[Indicator, IndicatorValue, list[IndicatorValue]]:
    indicator = await indicator_of(uow.session, indicator_id, council, for_update=True)
    earlier = await values_of(uow.session, indicator.id)
    recorded = indicator.record(period=period, period_end=period_end, value=value, earlier=earlier)
    uow.session.add(recorded)
    values = sorted([*earlier, recorded], key=lambda v: v.period_end)
    uow.emit(
        IndicatorValueRecorded(
            indicator_id=indicator.id,
            plan_id=indicator.plan_id,
            period=period,
            period_end=period_end,
            value=value,
            direction=indicator.direction(values),
        ),
        subject=indicator.id,
        council=council,
    )
    uow.audit("actions.indicator.value", indicator.id, period=period, value=value)
    await uow.commit()
    return indicator, recorded, values
