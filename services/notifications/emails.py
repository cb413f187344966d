"""Email delivery: the worker that sends queued emails over SMTP, and the job that sends digests.

The same shape as the webhook worker. A claim is a short transaction (``FOR
UPDATE SKIP LOCKED``) that leases the delivery; the SMTP conversation runs
outside any transaction; every attempt is recorded with the server's reply.
The message and its ``Message-ID`` were written when the delivery was created,
so every attempt (and a resend) sends the same email, and a mail client shows
a retried one once. An address on the council's suppression list is never
sent to: its delivery is marked suppressed, not retried.

Digests: every digest subscription has one period per day (or week) ending at
the local time the partner chose (Europe/London). Once a period has ended, the
job claims it once for ever (``scheduled_occurrences``) and gathers the events
queued for the subscription into one email, which the worker then sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import select, text

from services.notifications.domain import AttemptResult, Subscription, latest_digest_period
from services.notifications.handlers import compile_digest, record_email_attempt, suppress_delivery
from services.notifications.messages import Links
from services.notifications.settings import EmailSettings, channels_of
from services.notifications.tables import subscriptions
from shared import calendar
from shared.service import Runtime
from shared.telemetry import current_traceparent, span_from
from shared.unit_of_work import Actor

log = logging.getLogger(__name__)

SENDER_ACTOR = Actor("system:email-delivery")
DIGEST_ACTOR = Actor("system:email-digests")
DIGEST_OCCURRENCE = "notifications.digest"

# Emails of a subscription go only while it is active; the service's own notices (an endpoint was
# disabled, an alert) go regardless: the endpoint-disabled notice is about a disabled subscription.
_CLAIM = text(
    """
    SELECT d.id AS delivery_id, d.event_id, d.event_type, d.kind, m.recipient, m.subject, m.body, m.message_id, e.traceparent,
           EXISTS (
               SELECT 1 FROM suppressions x WHERE x.council = d.council AND x.address = lower(trim(m.recipient))
           ) AS suppressed
    FROM deliveries d
    JOIN email_messages m ON m.delivery_id = d.id
    LEFT JOIN received_events e ON e.event_id = d.event_id
    LEFT JOIN subscriptions s ON s.id = d.subscription_id
    WHERE d.channel = 'email' AND d.status = 'pending' AND d.next_attempt_at <= :now
      AND (d.kind NOT IN ('event', 'digest') OR s.status = 'active')
    ORDER BY d.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
    """
)

_LEASE = text("UPDATE deliveries SET next_attempt_at = :until WHERE id = ANY(:ids)")


@dataclass(frozen=True)
class Outgoing:
    """One claimed email delivery: everything needed to send it."""

    delivery_id: str
    event_id: str | None
    event_type: str
    kind: str
    recipient: str
    subject: str
    body: str
    message_id: str
    traceparent: str | None
    suppressed: bool


def message_of(outgoing: Outgoing, from_address: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = outgoing.recipient
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = outgoing.message_id
    # RFC 3834: no auto-replies (out-of-office) to a machine.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Cohesion-Delivery"] = outgoing.delivery_id
    if outgoing.event_id:
        message["X-Cohesion-Event"] = outgoing.event_id
        message["X-Cohesion-Event-Type"] = outgoing.event_type
    message.set_content(outgoing.body)
    return message


class EmailSender:
    """Claims due email deliveries and sends them, a few at a time, over SMTP."""

    def __init__(self, runtime: Runtime, config: EmailSettings) -> None:
        self.runtime = runtime
        self.config = config
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._rand = random.Random()

    async def run(self) -> None:
        try:
            while True:
                capacity = self.config.max_in_flight - len(self._tasks)
                claimed = 0
                if capacity > 0:
                    try:
                        batch = await self.claim(capacity)
                    except Exception:
                        log.exception("claiming due emails failed")
                        batch = []
                    for outgoing in batch:
                        self._start(outgoing)
                    claimed = len(batch)
                if claimed and claimed == capacity:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.config.poll_seconds)
                self._wake.clear()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start(self, outgoing: Outgoing) -> None:
        task = asyncio.create_task(self.deliver(outgoing), name=f"email-{outgoing.delivery_id}")
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            self._wake.set()

        task.add_done_callback(done)

    async def claim(self, limit: int) -> list[Outgoing]:
        now = calendar.now()
        async with self.runtime.engine.begin() as conn:
            rows = (await conn.execute(_CLAIM, {"now": now, "limit": limit})).mappings().all()
            batch = [Outgoing(**{k: row[k] for k in Outgoing.__dataclass_fields__}) for row in rows]
            if batch:
                until = now + timedelta(seconds=self.config.lease_seconds + self.config.timeout_seconds)
                await conn.execute(_LEASE, {"until": until, "ids": [o.delivery_id for o in batch]})
        return batch

    async def deliver(self, outgoing: Outgoing) -> None:
        try:
            if outgoing.suppressed:
                async with self.runtime.uow(SENDER_ACTOR) as uow:
                    await suppress_delivery(uow, outgoing.delivery_id)
                return
            result = await self.send(outgoing)
            async with self.runtime.uow(SENDER_ACTOR) as uow:
                await record_email_attempt(
                    uow, outgoing.delivery_id, result, schedule=self.config.retry_schedule, rand=self._rand
                )
        except Exception:
            # The lease runs out and the email is sent again, with the same Message-ID.
            log.exception("recording the email attempt on delivery %s failed", outgoing.delivery_id)

    async def send(self, outgoing: Outgoing) -> AttemptResult:
        """One SMTP conversation, inside a span continuing the event's trace."""
        started_at = calendar.now()
        clock = time.perf_counter()
        config = self.config
        with span_from(
            outgoing.traceparent,
            "email deliver",
            SpanKind.CLIENT,
            **{"cohesion.delivery_id": outgoing.delivery_id, "cohesion.email_kind": outgoing.kind},
        ) as span:
            traceparent = current_traceparent()  # the outcome events continue this attempt's trace
            try:
                _, reply = await aiosmtplib.send(
                    message_of(outgoing, config.from_address, started_at),
                    hostname=config.smtp_host,
                    port=config.smtp_port,
                    username=config.username,
                    password=config.password.get_secret_value() if config.password else None,
                    use_tls=config.use_tls,
                    start_tls=config.start_tls,
                    timeout=config.timeout_seconds,
                )
                return AttemptResult(
                    started_at,
                    _elapsed_ms(clock),
                    status_code=250,
                    response_excerpt=reply[:500],
                    traceparent=traceparent,
                )
            except aiosmtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients[0]
                code, answer = refused.code, refused.message
            except aiosmtplib.SMTPResponseException as exc:
                code, answer = exc.code, exc.message
            except (aiosmtplib.SMTPException, OSError) as exc:
                # No reply at all (refused connection, timeout, dropped line): tried again later.
                error = f"{type(exc).__name__}: {exc}"[:500]
                span.set_status(Status(StatusCode.ERROR, error))
                return AttemptResult(started_at, _elapsed_ms(clock), error=error, traceparent=traceparent)
            span.set_attribute("smtp.reply_code", code)
            span.set_status(Status(StatusCode.ERROR, f"{code} {answer}"))
            return AttemptResult(
                started_at, _elapsed_ms(clock), status_code=code, response_excerpt=answer[:500], traceparent=traceparent
            )


def _elapsed_ms(clock: float) -> int:
    return int((time.perf_counter() - clock) * 1000)


async def send_emails(runtime: Runtime) -> None:
    """The email worker's loop, with the settings of the service it runs in; returns only if it fails."""
    await EmailSender(runtime, channels_of(runtime).email).run()


async def send_due_digests(runtime: Runtime, links: Links, now: datetime | None = None) -> int:
    """Compile the digest of every subscription whose period has ended; each period once, ever.

    Returns how many digests were queued now (a period with no events queues none).
    """
    now = now or calendar.now()
    async with runtime.sessions() as session:
        candidates = (
            await session.scalars(
                select(subscriptions.c.id).where(
                    subscriptions.c.channel == "email",
                    subscriptions.c.mode.in_(("daily", "weekly")),
                    subscriptions.c.status == "active",
                )
            )
        ).all()
    queued = 0
    for subscription_id in candidates:
        async with runtime.uow(DIGEST_ACTOR) as uow:
            subscription = await uow.session.get(Subscription, subscription_id)
            period = latest_digest_period(subscription, now) if subscription else None
            if subscription is None or period is None:
                continue
            if not await uow.first_occurrence(DIGEST_OCCURRENCE, f"{subscription.id}:{period.key}"):
                continue
            if await compile_digest(uow, subscription, period, links=links) is not None:
                queued += 1
            await uow.commit()
    return queued
