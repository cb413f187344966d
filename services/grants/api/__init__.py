"""The grants HTTP API: ``/v1/funds`` and ``/v1/applications``, one router per resource.

Broken rules of the fund (the domain's errors, each a ``shared.rules.RuleBroken``) become
problem documents through the kernel's handler: an illegal move or a fund that cannot afford
an award is a 409 naming the current state, invalid input a 422 naming what was wrong, a record
the caller may not see a 404.
"""

from fastapi import APIRouter

from services.grants.api import applications, assessment, funds, monitoring, payments

routers: list[APIRouter] = [
    funds.router,
    applications.router,
    assessment.router,
    payments.router,
    monitoring.router,
]
