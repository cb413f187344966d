"""The wards HTTP API, one router per resource: wards, their members and meetings (``/v1/wards``),
boundary sets and budgets (``/v1/boundary-sets``, ``/v1/budgets``), spend requests (``/v1/spend-requests``);
neighbourhood working: localities and clusters, ward plans, quarterly updates, engagement, place profiles,
the public pages (``/v1/public``) and the annual report (``/v1/reports``)."""

from services.wards.api import (
    budgets,
    engagement,
    localities,
    meetings,
    members,
    plans,
    profiles,
    public,
    reports,
    spending,
    updates,
    wards,
)

routers = [wards.router, members.router, meetings.router, budgets.router, spending.router]
routers += [localities.router, plans.router, updates.router, engagement.router, profiles.router]
routers += [public.router, reports.router]
