"""The service's long-running workers (``WORKERS``), and the webhook delivery worker itself.

A worker loops for as long as the service runs, unlike a clock (``clocks.py``), which checks
once and returns. There is one per channel: webhooks (here), email (``emails.EmailSender``)
and partners' own queues (``partner_queues.QueuePublisher``).

The webhook delivery worker claims due deliveries, signs and POSTs them, records every attempt.

A claim is a short transaction (``FOR UPDATE SKIP LOCKED``) that leases the
delivery by pushing its ``next_attempt_at`` past the request's timeout, so
several workers never send one delivery at once and a worker that dies
mid-request leaves the delivery to be tried again (with the same
``webhook-id``) once the lease runs out. The HTTP request itself runs outside
any database transaction.

Endpoints are isolated from each other: at most ``per_endpoint_concurrency``
deliveries to one subscription are in flight in this process, and the claim
never takes more than that for one subscription, so a slow endpoint with a
backlog never holds up the others.

Most new deliveries never need a claim: fan-out inserts them already leased
and hands them to this process's worker once its transaction commits
(``services.notifications.handover``).

Attempts are recorded in batches: each finished request hands its result to
one recorder, which stores everything that finished meanwhile in one
transaction (``handlers.record_attempts``), so the cost of a transaction is
shared by as many attempts as arrive while the previous one commits. A
delivery keeps its place among those in flight until its attempt is stored.
Should a batch fail, its attempts are recorded one by one, so one bad row
cannot hold up the rest; an attempt that still cannot be stored is sent again,
with the same ``webhook-id``, once its lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from datetime import datetime, timedelta

import asyncpg
from sqlalchemy import text

from services.notifications.domain import AttemptResult, secrets_in_force
from services.notifications.egress import WebhookClient, new_client, post_signed
from services.notifications.emails import send_emails
from services.notifications.handlers import record_attempt, record_attempts
from services.notifications.handover import DELIVERIES_CHANNEL, Dispatch, Handover
from services.notifications.messages import Links
from services.notifications.partner_queues import publish_to_partner_queues
from services.notifications.settings import WebhookSettings, channels_of
from shared import calendar
from shared.db import asyncpg_dsn
from shared.service import Runtime, Schedule
from shared.unit_of_work import Actor

log = logging.getLogger(__name__)

# At most this many attempts are stored in one transaction.
RECORD_BATCH = 200
WORKER_ACTOR = Actor("system:webhook-delivery")

# The next few due deliveries of each active endpoint (an index range each), never the whole backlog:
# an endpoint that has stopped answering piles up deliveries, and no claim reads them.
_CLAIM = text(
    """
    SELECT d.id, d.subscription_id, d.event_id, d.event_type, s.url,
           s.secret, s.previous_secret, s.previous_secret_expires_at, e.body, e.traceparent
    FROM subscriptions s
    CROSS JOIN LATERAL (
        SELECT due.id
        FROM deliveries due
        WHERE due.subscription_id = s.id AND due.status = 'pending' AND due.next_attempt_at <= :now
          AND due.channel = 'webhook'
        ORDER BY due.next_attempt_at
        LIMIT :per_endpoint
    ) next_due
    JOIN deliveries d ON d.id = next_due.id
    JOIN received_events e ON e.event_id = d.event_id
    WHERE s.channel = 'webhook' AND s.status = 'active' AND NOT (s.id = ANY(:full))
    ORDER BY d.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
    """
)

# Only what is still due is leased. The claim's ranking can see a row as it was before another worker
# leased it and committed; this UPDATE runs on the rows this transaction has locked, so it sees them as
# they are now, and a row leased meanwhile is left to the worker that has it (never sent twice).
_LEASE = text(
    """
    UPDATE deliveries SET next_attempt_at = :until
    WHERE id = ANY(:ids) AND status = 'pending' AND next_attempt_at <= :now
    RETURNING id
    """
)


class DeliveryWorker:
    def __init__(
        self,
        runtime: Runtime,
        config: WebhookSettings,
        client: WebhookClient | None = None,
        handover: Handover | None = None,
    ) -> None:
        self.runtime = runtime
        self.config = config
        self.client = client or new_client(config, production=runtime.settings.environment == "production")
        self.handover = handover
        # Deliveries in flight per endpoint (subscription), places reserved by fan-out included.
        self.in_flight: Counter[str] = Counter()
        self._reserved = 0
        self._stopped = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._rand = random.Random()
        # Attempts waiting to be stored, each with the future its delivery task waits on.
        self._outcomes: list[tuple[Dispatch, AttemptResult, asyncio.Future[None]]] = []
        self._outcome_ready = asyncio.Event()
        urls = runtime.settings.service_urls
        self.links = Links(notifications=urls.get("notifications", Links.notifications), services=urls)

    async def run(self) -> None:
        recorder = asyncio.create_task(self._record_outcomes(), name="webhook-recorder")
        listener = asyncio.create_task(self._listen(), name="webhook-listen")
        if self.handover is not None:
            self.handover.worker = self
        try:
            while True:
                claimed = 0
                capacity = self.config.max_in_flight - len(self._tasks) - self._reserved
                if capacity > 0:
                    try:
                        dispatches = await self.claim(capacity)
                    except Exception:
                        log.exception("claiming due deliveries failed")
                        dispatches = []
                    for dispatch in dispatches:
                        self._start(dispatch)
                    claimed = len(dispatches)
                if claimed and claimed == capacity:
                    continue  # probably more due: claim again straight away
                await self._sleep(self.config.poll_seconds)
        finally:
            self._stopped = True
            if self.handover is not None and self.handover.worker is self:
                self.handover.worker = None
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            recorder.cancel()
            listener.cancel()
            await asyncio.gather(recorder, listener, return_exceptions=True)
            await self.client.aclose()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _listen(self) -> None:
        """Hold a LISTEN connection (reconnecting as needed): new deliveries wake the worker at once."""
        while True:
            try:
                connection = await asyncpg.connect(
                    asyncpg_dsn(self.runtime.settings.db_url),
                    server_settings={"application_name": "cohesion-notifications webhook worker"},
                )
                try:
                    await connection.add_listener(DELIVERIES_CHANNEL, lambda *_: self._wake.set())
                    self._wake.set()  # anything fanned out while we were not listening
                    while not connection.is_closed():
                        await asyncio.sleep(5)
                        await connection.execute("SELECT 1")
                finally:
                    await connection.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("webhook delivery listener lost its connection: %s", exc)
                await asyncio.sleep(1)

    # --- hand-over from fan-out (see Handover) ---------------------------------------------

    def reserve(self, subscription_id: str) -> bool:
        """Take a place for one delivery to this endpoint, if the worker and the endpoint have room."""
        if self._stopped:
            return False
        if len(self._tasks) + self._reserved >= self.config.max_in_flight:
            return False
        if self.in_flight[subscription_id] >= self.config.per_endpoint_concurrency:
            return False
        self.in_flight[subscription_id] += 1
        self._reserved += 1
        return True

    def release(self, subscription_ids: list[str]) -> None:
        """Give back places whose deliveries were never committed."""
        for subscription_id in subscription_ids:
            self._reserved -= 1
            self._leave(subscription_id)
        if subscription_ids:
            self._wake.set()  # a delivery refused for want of this place may be waiting for it

    def start_reserved(self, dispatches: list[Dispatch]) -> None:
        """Send deliveries fan-out committed, leased, in places it reserved."""
        for dispatch in dispatches:
            self._reserved -= 1
            if self._stopped:
                self._leave(dispatch.subscription_id)  # its lease runs out and a running worker claims it
            else:
                self._start(dispatch, reserved=True)

    @property
    def reserved(self) -> int:
        """Places fan-out holds for deliveries it has not yet handed over."""
        return self._reserved

    def lease_until(self, now: datetime) -> datetime:
        """How long a delivery being sent is kept from other workers: its request's timeout and then some."""
        return now + timedelta(seconds=self.config.lease_seconds + self.config.timeout_seconds)

    # --- sending --------------------------------------------------------------------------

    def _leave(self, subscription_id: str) -> None:
        self.in_flight[subscription_id] -= 1
        if self.in_flight[subscription_id] <= 0:
            del self.in_flight[subscription_id]

    def _start(self, dispatch: Dispatch, *, reserved: bool = False) -> None:
        if not reserved:
            self.in_flight[dispatch.subscription_id] += 1
        task = asyncio.create_task(self.deliver(dispatch), name=f"webhook-{dispatch.delivery_id}")
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            # Claim again only if this makes room a claim could use: the worker or this endpoint was
            # full. Otherwise nothing newly claimable appeared (new deliveries wake it by NOTIFY), and
            # a claim per finished delivery re-scanned a silent endpoint's whole backlog each time.
            was_full = (
                len(self._tasks) + self._reserved >= self.config.max_in_flight
                or self.in_flight[dispatch.subscription_id] >= self.config.per_endpoint_concurrency
            )
            self._tasks.discard(finished)
            self._leave(dispatch.subscription_id)
            if was_full:
                self._wake.set()  # room for another delivery (perhaps to the same endpoint)

        task.add_done_callback(done)

    async def claim(self, limit: int) -> list[Dispatch]:
        now = calendar.now()
        per_endpoint = self.config.per_endpoint_concurrency
        full = [s for s, n in self.in_flight.items() if n >= per_endpoint]
        async with self.runtime.engine.begin() as conn:
            rows = (
                (
                    await conn.execute(
                        _CLAIM,
                        {"now": now, "full": full, "per_endpoint": per_endpoint, "limit": limit},
                    )
                )
                .mappings()
                .all()
            )
            chosen: list[Dispatch] = []
            taken: Counter[str] = Counter()
            for row in rows:
                sub = row["subscription_id"]
                if self.in_flight[sub] + taken[sub] >= per_endpoint:
                    continue  # left unclaimed: the row lock ends with this transaction
                taken[sub] += 1
                chosen.append(
                    Dispatch(
                        delivery_id=row["id"],
                        subscription_id=sub,
                        event_id=row["event_id"],
                        event_type=row["event_type"],
                        url=row["url"],
                        secrets=tuple(
                            secrets_in_force(
                                row["secret"], row["previous_secret"], row["previous_secret_expires_at"], now
                            )
                        ),
                        body=bytes(row["body"]),
                        traceparent=row["traceparent"],
                    )
                )
            if chosen:
                until = self.lease_until(now)
                leased = set(
                    (await conn.execute(_LEASE, {"until": until, "now": now, "ids": [d.delivery_id for d in chosen]}))
                    .scalars()
                    .all()
                )
                chosen = [d for d in chosen if d.delivery_id in leased]
        return chosen

    async def deliver(self, dispatch: Dispatch) -> None:
        """Send, then wait until the attempt is stored (by the recorder, with others that finished meanwhile)."""
        result = await self.send(dispatch)
        stored = asyncio.get_running_loop().create_future()
        self._outcomes.append((dispatch, result, stored))
        self._outcome_ready.set()
        await stored

    async def _record_outcomes(self) -> None:
        """The recorder: stores every finished attempt, in batches, for as long as the worker runs."""
        while True:
            await self._outcome_ready.wait()
            self._outcome_ready.clear()
            while self._outcomes:
                batch, self._outcomes = self._outcomes[:RECORD_BATCH], self._outcomes[RECORD_BATCH:]
                try:
                    await self.record(batch)
                finally:
                    for _, _, stored in batch:
                        if not stored.done():
                            stored.set_result(None)

    async def record(self, batch: list[tuple[Dispatch, AttemptResult, asyncio.Future[None]]]) -> None:
        try:
            async with self.runtime.uow(WORKER_ACTOR) as uow:
                await record_attempts(
                    uow,
                    [(dispatch.delivery_id, result) for dispatch, result, _ in batch],
                    schedule=self.config.retry_schedule,
                    disable_after=self.config.disable_after,
                    rand=self._rand,
                    links=self.links,
                )
            return
        except Exception:
            if len(batch) == 1:
                log.exception("recording the attempt on delivery %s failed", batch[0][0].delivery_id)
                return
            log.exception("recording %d attempts at once failed; recording them one by one", len(batch))
        for dispatch, result, _ in batch:
            try:
                async with self.runtime.uow(WORKER_ACTOR) as uow:
                    await record_attempt(
                        uow,
                        dispatch.delivery_id,
                        result,
                        schedule=self.config.retry_schedule,
                        disable_after=self.config.disable_after,
                        rand=self._rand,
                        links=self.links,
                    )
            except Exception:
                # The lease runs out and the delivery is sent again, with the same webhook-id.
                log.exception("recording the attempt on delivery %s failed", dispatch.delivery_id)

    async def send(self, dispatch: Dispatch) -> AttemptResult:
        """POST the CloudEvent, signed, inside a span continuing the event's trace."""
        return await post_signed(self.client, dispatch)


async def deliver_webhooks(runtime: Runtime) -> None:
    """The webhook delivery loop, handed new deliveries by this process's fan-out; returns only if it fails."""
    channels = channels_of(runtime)
    await DeliveryWorker(runtime, channels.webhooks, handover=channels.handover).run()


# The runtime has no kind of task for a worker yet: each runs as a Schedule, which starts it, and
# starts it again a second after it stops (it returns only if it fails).
WORKERS: tuple[Schedule, ...] = (
    Schedule("webhook-delivery", deliver_webhooks, every_seconds=1.0),
    Schedule("email-delivery", send_emails, every_seconds=1.0),
    Schedule("queue-delivery", publish_to_partner_queues, every_seconds=1.0),
)
