"""HTTP conventions every service follows: health, pagination and Idempotency-Key on POST."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import idempotency_keys
from shared.problems import Problem, problem_response
from shared.telemetry import current_trace_id

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
    cursor: Annotated[str | None, Query(description="Opaque cursor from the previous page's next_cursor.")] = None,
) -> PageParams:
    offset = 0
    if cursor:
        try:
            offset = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except ValueError as exc:
            raise Problem(400, "Invalid cursor", "The cursor is not one this API issued.") from exc
    return PageParams(limit=limit, offset=offset)


def make_page(items: Sequence[T], params: PageParams) -> Page[T]:
    """Callers fetch ``limit + 1`` rows; the extra row tells whether there is a next page."""
    more = len(items) > params.limit
    cursor = base64.urlsafe_b64encode(str(params.offset + params.limit).encode()).decode() if more else None
    return Page[T](items=list(items[: params.limit]), next_cursor=cursor)


def install_idempotency(app: FastAPI, engine_of: Callable[[], AsyncEngine]) -> None:
    """Replays the stored response when a POST is retried with the same ``Idempotency-Key``.

    The key is scoped to the caller; reusing it for a different request is an
    error, and a retry arriving while the first attempt runs gets 409.
    """

    @app.middleware("http")
    async def idempotency(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        key = request.headers.get("idempotency-key")
        if request.method != "POST" or not key:
            return await call_next(request)
        if len(key) > 200:
            return problem_response(Problem(400, "Invalid Idempotency-Key", "At most 200 characters."), request)
        body = await request.body()
        request_hash = hashlib.sha256(request.method.encode() + request.url.path.encode() + b"\n" + body).hexdigest()
        caller = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()
        engine = engine_of()
        async with engine.begin() as conn:
            claimed = (
                await conn.execute(
                    pg_insert(idempotency_keys)
                    .values(
                        principal=caller,
                        key=key,
                        method=request.method,
                        path=request.url.path,
                        request_hash=request_hash,
                    )
                    .on_conflict_do_nothing()
                    .returning(idempotency_keys.c.key)
                )
            ).first()
            if claimed is None:
                stored = (
                    (
                        await conn.execute(
                            select(idempotency_keys).where(
                                idempotency_keys.c.principal == caller, idempotency_keys.c.key == key
                            )
                        )
                    )
                    .mappings()
                    .one()
                )
        if claimed is None:
            if stored["request_hash"] != request_hash:
                return problem_response(
                    Problem(422, "Idempotency-Key reused", "This key was already used for a different request."),
                    request,
                )
            if stored["status_code"] is None:
                return problem_response(
                    Problem(
                        409, "Request in progress", "A request with this Idempotency-Key is still being processed."
                    ),
                    request,
                )
            return Response(
                content=stored["body"],
                status_code=stored["status_code"],
                media_type=stored["content_type"],
                headers={"Idempotent-Replayed": "true"},
            )

        where = (idempotency_keys.c.principal == caller) & (idempotency_keys.c.key == key)
        try:
            response = await call_next(request)
        except Exception:
            async with engine.begin() as conn:
                await conn.execute(delete(idempotency_keys).where(where))
            raise
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        async with engine.begin() as conn:
            if response.status_code >= 500:
                await conn.execute(delete(idempotency_keys).where(where))  # a server error may be retried
            else:
                await conn.execute(
                    update(idempotency_keys)
                    .where(where)
                    .values(
                        status_code=response.status_code,
                        content_type=response.media_type or response.headers.get("content-type"),
                        body=content,
                    )
                )
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(content=content, status_code=response.status_code, headers=headers)


def health_routes(app: FastAPI, readiness: Callable[[], Awaitable[dict[str, str]]]) -> None:
    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="The database and the broker are reachable")
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )


def install_trace_header(app: FastAPI) -> None:
    """Every response names its trace (``X-Trace-Id``), so a caller can find it in the traces and logs."""

    @app.middleware("http")
    async def trace_header(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        trace_id = current_trace_id()
        if trace_id:
            response.headers["X-Trace-Id"] = trace_id
        return response
