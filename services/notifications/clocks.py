"""Time-driven checks of the notifications service: each a function taking the Runtime, run on a schedule.

- ``email-digests``: every digest subscription whose period has ended gets its email, once per period;
- ``alert-recipients``: alerts still waiting for their recipients are asked about again.

The long-running loops that send deliveries are workers (``workers.py``), not clocks.
"""

from __future__ import annotations

from services.notifications.alerts import address_alerts
from services.notifications.emails import send_due_digests
from services.notifications.settings import EmailSettings, channels_of, links_for
from shared.service import Runtime, Schedule


async def email_digests(runtime: Runtime) -> None:
    await send_due_digests(runtime, links_for(runtime.settings, channels_of(runtime).email))


async def alert_recipients(runtime: Runtime) -> None:
    await address_alerts(runtime, links_for(runtime.settings, channels_of(runtime).email))


def clocks(email: EmailSettings) -> list[Schedule]:
    """How often each runs, from the email channel's settings."""
    return [
        Schedule("email-digests", email_digests, every_seconds=email.digest_poll_seconds),
        Schedule("alert-recipients", alert_recipients, every_seconds=email.poll_seconds),
    ]
