"""The wards HTTP API, one router per resource: wards, their members and meetings (``/v1/wards``),
boundary sets and budgets (``/v1/boundary-sets``, ``/v1/budgets``), spend requests (``/v1/spend-requests``)."""

from services.wards.api import budgets, meetings, members, spending, wards

routers = [wards.router, members.router, meetings.router, budgets.router, spending.router]
