"""Which stored replays (``Idempotency-Key`` responses) belong to which application.

A POST's stored response repeats the applicant's contact, so erasing the contact erases the replays
too. Each POST about an application that carries an ``Idempotency-Key`` is linked to the application
here (``application_replays``), so erasure deletes exactly those keys, by index, instead of searching
every stored body. The caller's identity is the one the kernel's middleware stores the key under.
"""

from __future__ import annotations

import hashlib

from fastapi import Request
from sqlalchemy.dialects.postgresql import insert

from services.grants.tables import application_replays
from shared.service import Runtime


def _caller(request: Request) -> str:
    # As shared.http.IdempotencyMiddleware names the caller of a stored key.
    return hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()


async def link_replay(request: Request, application_id: str) -> None:
    """Link the request's Idempotency-Key (if any) to ``application_id``: before the command runs, so a
    stored response is never left unlinked (a link to a key never stored is harmless)."""
    key = request.headers.get("idempotency-key")
    if request.method != "POST" or not key or len(key) > 200:
        return
    runtime: Runtime = request.app.state.runtime
    async with runtime.engine.begin() as connection:
        await connection.execute(
            insert(application_replays)
            .values(application_id=application_id, principal=_caller(request), key=key)
            .on_conflict_do_nothing()
        )


async def replays_of_the_application(request: Request) -> None:
    """A router dependency: links every POST naming an application in its path."""
    application_id = request.path_params.get("application_id")
    if application_id:
        await link_replay(request, application_id)
