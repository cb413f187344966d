"""HTTP conventions every service follows: health, pagination, Idempotency-Key on POST, and the guard
every request passes first (a body size limit, no NUL in a path or query, outages and refused data
answered as problems), with the text type request models use for what PostgreSQL will store.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Annotated, Any, ClassVar, Generic, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db import idempotency_keys
from shared.problems import ContentTooLarge, Problem, problem_for_failure, problem_response
from shared.telemetry import current_trace_id

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


def storable(value: str) -> str:
    """``value`` if PostgreSQL can store it as text: no NUL character, no lone surrogate (not Unicode)."""
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "Text cannot contain a NUL character (\\u0000)")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PydanticCustomError(
                "text_surrogate", "Text cannot contain a lone surrogate (\\ud800-\\udfff)"
            ) from None
    return value


# Every text a request carries to be stored: refused as 422 naming its field when PostgreSQL could not store it.
StoredText = Annotated[str, AfterValidator(storable)]

# A date in the programme's records (a meeting, a project's start and end, a fund's opening): within
# two centuries, so a typed year 43 or 432 is refused rather than stored and computed with.
PlausibleDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))]


def _all_storable(value: Any) -> None:
    if isinstance(value, str):
        storable(value)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _all_storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _all_storable(key)
            _all_storable(item)


class RequestModel(BaseModel):
    """The base of every request body: any text it carries, in any field, list or mapping, is text
    PostgreSQL can store, else the request is refused with 422 naming the field. Nested request
    models check their own fields."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        _all_storable(value)
        return value


class PatchModel(RequestModel):
    """A partial update: a field left out is kept, and ``null`` is refused naming the field, unless the
    field is one the record may hold empty (listed in ``nullable``): null never means "leave alone"."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError("null_not_allowed", "Cannot be null: leave the field out to keep its value")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The schema says what is accepted: ``null`` only for the nullable fields."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name, field in schema.get("properties", {}).items():
            options = field.get("anyOf")
            if name in cls.nullable or not options or {"type": "null"} not in options:
                continue
            rest = [option for option in options if option != {"type": "null"}]
            del field["anyOf"]
            field.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
            if field.get("default", ...) is None:
                del field["default"]
        return schema


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int
    offset: int


async def page_params(
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


async def fetch_page(session: AsyncSession, query: Select[R], params: PageParams) -> list[R]:
    """One page of ``query``'s objects, plus the one after it that tells ``make_page`` another page follows."""
    return list((await session.scalars(query.offset(params.offset).limit(params.limit + 1))).all())


class IdempotencyMiddleware:
    """Replays the stored response when a POST is retried with the same ``Idempotency-Key``.

    The key is scoped to the caller; reusing it for a different request is an
    error, and a retry arriving while the first attempt runs gets 409. Pure
    ASGI, so requests without the header pay nothing.
    """

    def __init__(self, app: ASGIApp, engine_of: Callable[[], AsyncEngine]) -> None:
        self.app = app
        self.engine_of = engine_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if not key:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if len(key) > 200:
            await problem_response(Problem(400, "Invalid Idempotency-Key", "At most 200 characters."), request)(
                scope, receive, send
            )
            return
        body = await request.body()
        request_hash = hashlib.sha256(b"POST " + scope["path"].encode() + b"\n" + body).hexdigest()
        caller = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()
        where = (idempotency_keys.c.principal == caller) & (idempotency_keys.c.key == key)
        engine = self.engine_of()
        async with engine.begin() as conn:
            claimed = (
                await conn.execute(
                    pg_insert(idempotency_keys)
                    .values(principal=caller, key=key, method="POST", path=scope["path"], request_hash=request_hash)
                    .on_conflict_do_nothing()
                    .returning(idempotency_keys.c.key)
                )
            ).first()
            stored = None if claimed else (await conn.execute(select(idempotency_keys).where(where))).mappings().one()
        if stored is not None:
            await self._answer_retry(stored, request_hash, request)(scope, receive, send)
            return

        # Run the request with its body replayed, capturing the response to store it.
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    try:
                        await self._store(engine, where, start, b"".join(chunks))
                    except Exception as exc:
                        # The database went away after the request ran: its answer still reaches the
                        # caller (the command's own transaction has ended either way).
                        if problem_for_failure(exc) is None:
                            raise
                        log.warning("idempotency key %r: the response could not be stored: %r", key, exc)
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(chunks)})

        try:
            await self.app(scope, replay, capture)
        except Exception:
            async with engine.begin() as conn:
                await conn.execute(delete(idempotency_keys).where(where))
            raise

    @staticmethod
    def _answer_retry(stored: Any, request_hash: str, request: Request) -> Response:
        if stored["request_hash"] != request_hash:
            return problem_response(
                Problem(422, "Idempotency-Key reused", "This key was already used for a different request."), request
            )
        if stored["status_code"] is None:
            return problem_response(
                Problem(409, "Request in progress", "A request with this Idempotency-Key is still being processed."),
                request,
            )
        return Response(
            content=stored["body"],
            status_code=stored["status_code"],
            media_type=stored["content_type"],
            headers={"Idempotent-Replayed": "true"},
        )

    @staticmethod
    async def _store(engine: AsyncEngine, where: Any, start: Message, body: bytes) -> None:
        status_code = int(start.get("status", 500))
        content_type = Headers(raw=start.get("headers", [])).get("content-type")
        async with engine.begin() as conn:
            if status_code >= 500:
                await conn.execute(delete(idempotency_keys).where(where))  # a server error may be retried
            else:
                await conn.execute(
                    update(idempotency_keys)
                    .where(where)
                    .values(status_code=status_code, content_type=content_type, body=body)
                )


class RequestGuardMiddleware:
    """What every request passes before anything else reads it, and what it gets when the service cannot answer.

    - A body over ``max_body_bytes`` is refused with 413: at once when its ``Content-Length`` says so,
      else as soon as the bytes streamed in exceed it, so nobody (the idempotency middleware included)
      ever holds more than the limit.
    - A NUL character in a path segment or a query parameter is refused with 422 naming the parameter
      (PostgreSQL stores no NUL, and a lookup by such a value would fail there, not here).
    - An outage or refused data escaping a middleware inside (where the exception handlers do not
      reach) becomes its problem, as ``shared.problems`` answers it inside the app.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, retry_after_seconds: int = 5) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.retry_after_seconds = retry_after_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._refusal(scope)
        if refused is not None:
            await problem_response(refused, Request(scope))(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise ContentTooLarge(self.max_body_bytes)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except Exception as exc:
            problem = problem_for_failure(exc, retry_after_seconds=self.retry_after_seconds)
            if problem is None or started:
                raise
            await problem_response(problem, Request(scope))(scope, receive, send)

    def _refusal(self, scope: Scope) -> Problem | None:
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            return problem_for_failure(ContentTooLarge(self.max_body_bytes))
        where: list[str] = []
        if "\x00" in scope["path"]:
            where.append(_path_parameter_with_nul(scope))
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            where += [f"query.{name}" for name, value in pairs if "\x00" in name or "\x00" in value]
        if not where:
            return None
        errors = [
            {"location": w.split(".", 1), "message": "Text cannot contain a NUL character", "type": "text_nul"}
            for w in where
        ]
        return Problem(422, "Invalid request", "; ".join(f"{w}: a NUL character" for w in where), errors=errors)


def _path_parameter_with_nul(scope: Scope) -> str:
    """``path.<name>`` of the documented parameter holding the NUL, or ``path`` when no operation names it."""
    app = scope.get("app")
    paths = app.openapi().get("paths", {}) if isinstance(app, FastAPI) else {}
    for template in paths:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        found = re.fullmatch(pattern, scope["path"])
        if found:
            for name, value in found.groupdict().items():
                if "\x00" in value:
                    return f"path.{name}"
    return "path"


def health_routes(app: FastAPI, readiness: Callable[[], Awaitable[dict[str, str]]]) -> None:
    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="The database and the broker are reachable",
        responses={503: {"description": "Not ready: the checks say which is unreachable."}},
    )
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )


class TraceHeaderMiddleware:
    """Every response names its trace (``X-Trace-Id``), so a caller can find it in the traces and logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_trace_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                trace_id = current_trace_id()
                if trace_id:
                    message["headers"] = [*message.get("headers", []), (b"x-trace-id", trace_id.encode())]
            await send(message)

        await self.app(scope, receive, with_trace_id)
