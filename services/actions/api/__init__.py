"""The actions HTTP API, a router per resource: plans (with summary and reviews), actions, milestones, indicators.

Everything is scoped to the caller's council: another council's record answers 404.
"""

from fastapi import APIRouter

from services.actions.api import actions, indicators, milestones, plans

routers: list[APIRouter] = [plans.router, actions.router, milestones.router, indicators.router]
