"""A unit of work in memory, for the fast handler tests in tests/unit: no database, no broker.

``FakeUnitOfWork`` is a ``UnitOfWork`` whose records live in a dict: a handler loads them with
``uow.session.get`` and stages new ones with ``uow.session.add``; what it emits and audits goes
through the real ``emit`` and ``audit``, and is kept when it commits (``events``, ``audited``),
dropped when it does not. A handler that queries (``select``), or runs SQL on ``driver()``, needs
PostgreSQL: prove it in tests/integration instead.
"""

from __future__ import annotations

from collections.abc import Hashable
from types import TracebackType
from typing import Any, cast

import asyncpg
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.events import Envelope
from shared.unit_of_work import Actor, AuditEntry, UnitOfWork


class FakeSession:
    """The part of an ORM session a handler uses to load and stage records, over a dict."""

    def __init__(self, records: list[object]) -> None:
        self.records: dict[tuple[type, tuple[Hashable, ...]], object] = {}
        self.added: list[object] = []
        for record in records:
            self.records[_key(record)] = record

    async def get(self, kind: type, ident: Any, **options: Any) -> Any:
        return self.records.get((kind, ident if isinstance(ident, tuple) else (ident,)))

    def add(self, record: object) -> None:
        self.added.append(record)

    async def flush(self) -> None:
        for record in self.added:
            self.records[_key(record)] = record
        self.added = []


class FakeUnitOfWork(UnitOfWork):
    """A unit of work over ``FakeSession``: what a handler staged, emitted and audited, and whether it committed."""

    def __init__(self, service: str, *records: object, actor: Actor | None = None) -> None:
        # Not UnitOfWork.__init__: there is no engine. These are the attributes emit() and audit() use.
        self.service = service
        self.actor = actor or Actor("officer@example.gov.uk", "Example Council", "E08000018")
        self._events: list[Envelope] = []
        self._audit: list[AuditEntry] = []
        self._outcome_callbacks = []
        self._occurrence_trace: str | None = None
        self.fake_session = FakeSession(list(records))
        self.events: list[Envelope] = []  # committed
        self.audited: list[AuditEntry] = []  # committed
        self.commits = 0
        self._claimed: set[tuple[str, str]] = set()

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._events, self._audit, self.fake_session.added = [], [], []  # rolled back
        self._tell_outcome(committed=False)

    @property
    def session(self) -> AsyncSession:
        return cast(AsyncSession, self.fake_session)

    @property
    def connection(self) -> AsyncConnection:
        raise NotImplementedError("Core SQL needs PostgreSQL: test this handler in tests/integration")

    async def driver(self) -> asyncpg.Connection:
        raise NotImplementedError("SQL on the driver needs PostgreSQL: test this handler in tests/integration")

    @property
    def staged(self) -> list[object]:
        """Records added and not yet committed."""
        return list(self.fake_session.added)

    async def record_processed(self, consumer: str, envelope: Envelope) -> bool:
        return self._claim(f"inbox:{consumer}", envelope.id)

    async def first_occurrence(self, kind: str, key: str) -> bool:
        return self._claim(kind, key)

    def _claim(self, kind: str, key: str) -> bool:
        if (kind, key) in self._claimed:
            return False
        self._claimed.add((kind, key))
        return True

    async def commit(self) -> None:
        await self.fake_session.flush()
        self.events += self._events
        self.audited += self._audit
        self._events, self._audit = [], []
        self.commits += 1
        self._tell_outcome(committed=True)

    @property
    def event_types(self) -> list[str]:
        return [e.type for e in self.events]


def _key(record: object) -> tuple[type, tuple[Hashable, ...]]:
    return type(record), tuple(sa_inspect(type(record)).primary_key_from_instance(record))
