"""Request and response bodies of priority indicators."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from services.actions.domain import Direction, Indicator, IndicatorValue
from shared.http import PlausibleDate, RequestModel

# An indicator's figure (a count, a rate, a percentage): a finite number of sane size, so that no
# "1e400" (infinity) or NaN is stored and compared with a target.
Figure = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]


class IndicatorIn(RequestModel):
    title: str = Field(min_length=1, max_length=500)
    unit: str = Field(min_length=1, max_length=50, examples=["%"])
    higher_is_better: bool
    baseline: Figure
    baseline_period: str = Field(min_length=1, max_length=50, examples=["2016/17"])
    target: Figure
    target_period: str = Field(min_length=1, max_length=50, examples=["2019/20"])
    action_id: str | None = None


class IndicatorValueIn(RequestModel):
    period: str = Field(min_length=1, max_length=50, examples=["2017/18 Q1"])
    period_end: PlausibleDate
    value: Figure


class IndicatorValueOut(BaseModel):
    period: str
    period_end: date
    value: float


class IndicatorOut(BaseModel):
    id: str
    plan_id: str
    action_id: str | None
    title: str
    unit: str
    higher_is_better: bool
    baseline: float
    baseline_period: str
    target: float
    target_period: str
    values: list[IndicatorValueOut]
    direction: Direction | None = Field(description="The latest value against the one before (or the baseline).")
    target_met: bool | None

    @classmethod
    def of(cls, indicator: Indicator, values: list[IndicatorValue]) -> IndicatorOut:
        return cls(
            id=indicator.id,
            plan_id=indicator.plan_id,
            action_id=indicator.action_id,
            title=indicator.title,
            unit=indicator.unit,
            higher_is_better=indicator.higher_is_better,
            baseline=indicator.baseline,
            baseline_period=indicator.baseline_period,
            target=indicator.target,
            target_period=indicator.target_period,
            values=[IndicatorValueOut(period=v.period, period_end=v.period_end, value=v.value) for v in values],
            direction=indicator.direction(values),
            target_met=indicator.target_met(values),
        )
