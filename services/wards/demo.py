"""The wards' part of ``make up``'s demo data: Rotherham's wards, published again for newer subscribers.

The service loads its reference wards (WD24) itself at start-up; publishing them again lets a
subscriber declared since the first load (grants' ward copy) catch up, and the inbox makes a
repeat harmless.
"""

from __future__ import annotations

from shared.demo import OFFICER, Demo


async def load_demo_data(demo: Demo) -> list[str]:
    officer = demo.as_("officer", **OFFICER)
    wards = await demo.ok("GET", "wards", "/v1/wards?limit=500", headers=officer)
    admin = demo.as_("admin", subject="system:demo-data")
    republished = await demo.ok("POST", "wards", "/v1/wards:republish", headers=admin)
    return [f"wards: {len(wards['items'])} Rotherham wards (WD24) loaded; {republished['published']} published"]
