"""Fan-out hands new webhook deliveries straight to this process's delivery worker.

When the worker has room for the endpoint, fan-out inserts the delivery already
leased, in its own transaction, and the worker starts sending it the moment
that transaction commits: no NOTIFY, no claim. Should the process die first,
the lease runs out and any worker claims the delivery as usual (same
``webhook-id``). A delivery the worker has no room for is inserted due, and
claimed. A delivery inserted due wakes the workers through ``DELIVERIES_CHANNEL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.notifications.workers import DeliveryWorker

# A delivery left due (not handed over) wakes the webhook workers on this channel (LISTEN/NOTIFY)
# once its transaction commits, rather than at their next poll.
DELIVERIES_CHANNEL = "cohesion_webhook_deliveries"


@dataclass(frozen=True)
class Dispatch:
    """One delivery to send (claimed, or handed over by fan-out): everything needed to send it."""

    delivery_id: str
    subscription_id: str
    event_id: str
    event_type: str
    url: str
    secrets: tuple[str, ...]
    body: bytes
    traceparent: str | None


class Handover:
    """Where fan-out finds this process's webhook worker, while one runs.

    Fan-out takes places with ``worker.reserve``, inserts those deliveries leased, and once
    its transaction has committed starts them with ``worker.start_reserved``, or, had it not
    committed, gives the places back with ``worker.release``; always on the worker it reserved
    with, which does nothing more once it has stopped.
    """

    def __init__(self) -> None:
        self.worker: DeliveryWorker | None = None
