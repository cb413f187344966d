"""The actions HTTP API, a router per resource: plans (with sign-off and summary), priorities and objectives,
reviews, actions, milestones, indicators, boards and forums, task and finish groups, reports as at a date, plans as CSV files.

Everything is scoped to the caller's council: another council's record answers 404.
"""

from fastapi import APIRouter

from services.actions.api import (
    actions,
    bodies,
    groups,
    indicators,
    milestones,
    plan_files,
    plans,
    priorities,
    reports,
    reviews,
)

routers: list[APIRouter] = [
    plan_files.router,
    plans.router,
    priorities.router,
    reviews.router,
    actions.router,
    milestones.router,
    indicators.router,
    bodies.router,
    groups.router,
    reports.router,
]
