"""The wards HTTP API (``/v1/wards``), one router per resource: wards, their members, their meetings."""

from services.wards.api import meetings, members, wards

routers = [wards.router, members.router, meetings.router]
