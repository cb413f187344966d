"""The unit of work: one database transaction holding a state change, its events and its audit entry.

Events emitted here are written to the outbox in the same transaction as the
change, so a rolled-back command publishes nothing and a committed one is
published by the relay even if the broker is down right now.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from shared.events import Envelope, EventData, new_envelope
from shared.telemetry import current_trace_id, current_traceparent, in_a_trace, new_trace

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "cohesion_outbox"
OUTBOX_PARTITIONS = 16

# Every consumed event runs it, straight on the driver: SQLAlchemy's work per statement cost
# more than the statement.
_RECORD_PROCESSED = """
    INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING RETURNING event_id
"""
_FIRST_OCCURRENCE = """
    INSERT INTO scheduled_occurrences (kind, key) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING key
"""
# A unit's events (in the order emitted: the relay publishes by seq), its audit entries and the
# NOTIFY that wakes the relays (delivered only once the transaction commits, and only when there
# are events) in one statement, one round trip: PostgreSQL runs a data-modifying WITH whether or
# not the query reads it. The envelope goes in as the JSON text the CloudEvents SDK wrote, cast by
# PostgreSQL, rather than parsed into objects here only for the driver to write them out again.
_WRITE_UNIT = f"""
    WITH written AS (
        INSERT INTO outbox (event_id, event_type, subject, council, partition, envelope, traceparent)
        SELECT u.event_id, u.event_type, u.subject, u.council, u.partition, u.envelope::jsonb, u.traceparent
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::text[])
             WITH ORDINALITY AS u(event_id, event_type, subject, council, partition, envelope, traceparent, n)
        ORDER BY u.n
    ), audited AS (
        INSERT INTO audit_log (actor, organisation, council, action, subject, detail, trace_id)
        SELECT a.actor, a.organisation, a.council, a.action, a.subject, a.detail::jsonb, a.trace_id
        FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
             WITH ORDINALITY AS a(actor, organisation, council, action, subject, detail, trace_id, n)
        ORDER BY a.n
    )
    SELECT pg_notify('{OUTBOX_CHANNEL}', '') WHERE cardinality($1::text[]) > 0
"""


async def _begin_now(adapter: Any) -> None:
    """Send BEGIN on a pooled connection now, as SQLAlchemy's asyncpg adapter does before the
    first statement it runs itself, and so that the adapter commits or rolls it back.

    SQLAlchemy has no public call for this (its dialect begins lazily); the alternative, running
    a ``SELECT 1`` through SQLAlchemy first, costs a round trip and a statement per unit.
    ``test_backbone``'s tests of the driver and the session in one transaction fail if the
    adapter changes under a new SQLAlchemy.
    """
    if adapter._transaction is None:
        await adapter._start_transaction()


def partition_of(subject: str) -> int:
    return zlib.crc32(subject.encode()) % OUTBOX_PARTITIONS


class AuditEntry(NamedTuple):
    """One line of ``audit_log``, as a unit writes it at commit (``detail`` already JSON)."""

    actor: str
    organisation: str | None
    council: str | None
    action: str
    subject: str | None
    detail: str | None
    trace_id: str | None


@dataclass(frozen=True)
class Actor:
    """Who a command is done by: a person's token subject, a consumer or the scheduler."""

    subject: str
    organisation: str | None = None
    council: str | None = None


class UnitOfWork:
    """One transaction on one pooled connection, shared by the ORM session and the driver.

    The transaction is a Core connection's. The ORM session is made only when a handler asks
    for ``session``, and joins that transaction; a hot path that needs only ``driver()`` (a
    consumer's inbox claim and upsert, the wards upsert) never pays for an ORM session.
    """

    def __init__(self, engine: AsyncEngine, service: str, actor: Actor) -> None:
        self._engine = engine
        self.service = service
        self.actor = actor
        self._events: list[Envelope] = []
        self._audit: list[AuditEntry] = []
        self._outcome_callbacks: list[Callable[[bool], None]] = []
        self._occurrence_trace: str | None = None

    async def __aenter__(self) -> UnitOfWork:
        # Its transaction begins with the first statement: the session's, Core's or driver()'s.
        self._connection = await self._engine.connect()
        self._session: AsyncSession | None = None
        self._driver: asyncpg.Connection | None = None
        self._events = []
        self._audit = []
        self._outcome_callbacks = []
        self._occurrence_trace = None
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Anything not committed explicitly is rolled back, events included.
        try:
            if self._session is not None:
                await self._session.close()
            await self._connection.close()
        finally:
            self._tell_outcome(committed=False)

    @property
    def connection(self) -> AsyncConnection:
        """SQLAlchemy Core's connection, inside this unit's transaction (no ORM session needed)."""
        return self._connection

    @property
    def session(self) -> AsyncSession:
        """The ORM session, made on first use, inside this unit's transaction."""
        if self._session is None:
            self._session = AsyncSession(bind=self._connection, expire_on_commit=False)
        return self._session

    def on_outcome(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(True)`` once this unit has committed, or ``callback(False)`` if it ends without.

        For work that may only start once the change is durable (and must be undone in memory if it
        never is). A commit whose outcome is unknown (the connection lost at COMMIT) counts as not
        committed, so nothing is started on a change that may not exist.
        """
        self._outcome_callbacks.append(callback)

    def _tell_outcome(self, *, committed: bool) -> None:
        callbacks, self._outcome_callbacks = self._outcome_callbacks, []
        for callback in callbacks:
            try:
                callback(committed)
            except Exception:  # the transaction's outcome stands whatever a callback does
                log.exception("a unit of work's outcome callback failed")

    async def driver(self) -> asyncpg.Connection:
        """asyncpg's connection, inside this unit's transaction: for a hot path of many small
        statements, where SQLAlchemy's work per statement costs more than the statement."""
        if self._driver is None:
            if not self._connection.in_transaction():
                await self._connection.begin()  # no round trip: the BEGIN is sent just below
            raw = await self._connection.get_raw_connection()
            await _begin_now(raw.dbapi_connection)
            self._driver = raw.driver_connection
        return self._driver

    def emit(self, data: EventData, *, subject: str, council: str, traceparent: str | None = None) -> Envelope:
        """Write ``data`` to the outbox at commit, carrying a trace: ``traceparent`` where the event continues
        another than the current one (a delivery's outcome, recorded after the delivery's span), else the
        occurrence this unit last claimed, else the current trace, else (a clock's event) a new one."""
        traceparent = (
            traceparent
            or self._occurrence_trace
            or current_traceparent()
            or new_trace(f"{data.event_type} {subject}", **{"cohesion.subject": subject})
        )
        envelope = new_envelope(self.service, data, subject=subject, council=council, traceparent=traceparent)
        self._events.append(envelope)
        return envelope

    def audit(self, action: str, subject: str | None = None, **detail: Any) -> None:
        self._audit.append(
            AuditEntry(
                actor=self.actor.subject,
                organisation=self.actor.organisation,
                council=self.actor.council,
                action=action,
                subject=subject,
                detail=json.dumps(detail) if detail else None,
                trace_id=current_trace_id(),
            )
        )

    @property
    def emitted(self) -> list[Envelope]:
        return list(self._events)

    async def record_processed(self, consumer: str, envelope: Envelope) -> bool:
        """Claim an incoming event for a consumer; False when it was already processed."""
        db = await self.driver()
        return await db.fetchval(_RECORD_PROCESSED, consumer, envelope.id, envelope.type) is not None

    async def first_occurrence(self, kind: str, key: str) -> bool:
        """Claim a time-driven occurrence; False when it was already raised. Claimed outside any trace (by a
        clock), it starts a trace of its own, named after the clock and the occurrence, that the events
        emitted next carry."""
        db = await self.driver()
        claimed = await db.fetchval(_FIRST_OCCURRENCE, kind, key) is not None
        if claimed and not in_a_trace():
            attributes = {"cohesion.occurrence.kind": kind, "cohesion.occurrence.key": key}
            self._occurrence_trace = new_trace(f"{kind} {key}", **attributes)
        return claimed

    async def commit(self) -> None:
        if self._session is not None:
            await self._session.flush()
        if self._events or self._audit:
            events, audit = self._events, self._audit
            db = await self.driver()
            await db.execute(
                _WRITE_UNIT,
                [e.id for e in events],
                [e.type for e in events],
                [e.subject for e in events],
                [e.council for e in events],
                [partition_of(e.subject) for e in events],
                [e.to_json_bytes().decode() for e in events],
                [e.traceparent for e in events],
                [a.actor for a in audit],
                [a.organisation for a in audit],
                [a.council for a in audit],
                [a.action for a in audit],
                [a.subject for a in audit],
                [a.detail for a in audit],
                [a.trace_id for a in audit],
            )
        await self._connection.commit()
        self._events = []
        self._audit = []
        self._occurrence_trace = None
        self._tell_outcome(committed=True)
        # A unit may go on after committing: what it does next begins a new transaction.
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._driver = None
