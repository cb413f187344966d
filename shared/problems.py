"""Errors as RFC 9457 problem details (``application/problem+json``).

Besides the problems a service raises itself, two kinds of failure are answered
here for every service, so that neither ever reaches a client as a 500: an outage
(the database or the broker unreachable: 503 with ``Retry-After``, the client may
try again) and input PostgreSQL refused (class 22, "data exception": 422, the
request was wrong). Request models refuse such input first, naming the field;
this is the last resort for whatever they missed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import aiormq.exceptions
import asyncpg
import httpx
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.messaging.rpc import RpcUnavailable
from shared.rules import RuleBroken

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://cohesion.example/problems"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type or f"{PROBLEM_BASE}/{title.lower().replace(' ', '-')}"
        self.headers = headers
        self.extensions = extensions

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    headers = problem.headers
    if problem.status == 503 and not any(k.lower() == "retry-after" for k in headers or {}):
        # Every 503 is an outage a client may wait out; it says how long, whoever raised it.
        headers = {**(headers or {}), "Retry-After": str(retry_after_of(request))}
    return JSONResponse(
        problem.to_dict(instance=request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


class ContentTooLarge(HTTPException):
    """The request's body is larger than the service accepts; raised while it streams in, before it is kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than this service accepts ({limit} bytes).")
        self.limit = limit


HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 413: "Content too large"}

# SQLSTATEs of a database that is going away, starting up or full: a retry later can succeed.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


# Errors of this machine's files, never of a server being away.
_LOCAL_OS_ERRORS = (FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError, PermissionError)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps: SQLAlchemy's ``orig``, then ``__cause__``/``__context__``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return not isinstance(exc, _LOCAL_OS_ERRORS)  # refused, reset, unreachable, timed out: the network's
    if isinstance(exc, sqlalchemy.exc.TimeoutError | RpcUnavailable | httpx.TransportError):
        return True  # the pool had no connection in time; RPC or the management API without a broker
    if isinstance(exc, aiormq.exceptions.AMQPConnectionError | aiormq.exceptions.ChannelInvalidStateError):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, asyncpg.exceptions.PostgresError):
        return str(exc.sqlstate or "").startswith(_UNAVAILABLE_SQLSTATES)
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        return "closed" in str(exc)  # "connection is closed", "... was closed in the middle of operation"
    return False


def _is_refused_data(exc: BaseException) -> bool:
    # Class 22: NUL or a character the encoding lacks, a number out of range, a date out of range...
    # asyncpg's own DataError: an argument it could not encode (an int beyond int64, a lone surrogate).
    return isinstance(exc, asyncpg.exceptions.DataError | asyncpg.exceptions._base.DataError)


def problem_for_failure(exc: BaseException, *, retry_after_seconds: int = 5) -> Problem | None:
    """The problem a client gets for an outage or for input PostgreSQL refused; None for anything else."""
    if isinstance(exc, ContentTooLarge):
        # The connection is kept (the server discards the rest): closing it with the body unread would
        # reset it, and the client would lose this answer.
        return Problem(413, HTTP_TITLES[413], str(exc.detail), limit=exc.limit)
    causes = list(_causes(exc))
    if any(_is_refused_data(c) for c in causes):
        return Problem(
            422,
            "Invalid request",
            "A value in the request cannot be stored (its text, number or date is out of range).",
        )
    if any(_is_outage(c) for c in causes):
        return Problem(
            503,
            "Service unavailable",
            "A database or message broker this service needs is unreachable; try again shortly.",
            headers={"Retry-After": str(retry_after_seconds)},
        )
    return None


def retry_after_of(request: Request) -> int:
    app = request.scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return int(getattr(settings, "outage_retry_after_seconds", 5))


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extensions (e.g. ``errors``, ``claim``, a rule's facts) may follow.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem(description: str, **headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}
    if headers:
        response["headers"] = {
            name: {"description": why, "schema": {"type": "string"}} for name, why in headers.items()
        }
    return response


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation's refusals as the problem documents they are (FastAPI documents its own 422 shape)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = _problem("The request is not well-formed; ``errors`` names each field.")
            if "requestBody" in operation:
                responses.setdefault("413", _problem("The body is larger than the service accepts."))
            if operation.get("security"):
                responses.setdefault("401", _problem("No token, or a token that is not valid (``claim`` names why)."))
                if any(roles for requirement in operation["security"] for roles in requirement.values()):
                    responses.setdefault("403", _problem("The token's roles do not include one of those listed."))
                responses.setdefault(
                    "503", _problem("The database or the broker is unreachable.", **{"Retry-After": "Seconds to wait."})
                )
            responses.setdefault("default", _problem("Any other refusal: no such record, an illegal state, a rule."))
    schemas = schema["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 shape, replaced above
        if unused in schemas and f'"#/components/schemas/{unused}"' not in json.dumps(schema):
            del schemas[unused]
    return schema


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"location": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{'.'.join(str(p) for p in e['location'])}: {e['message']}" for e in errors)
        return problem_response(Problem(422, "Invalid request", summary, errors=errors), request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc, ContentTooLarge):
            return problem_response(problem_for_failure(exc) or Problem(413, HTTP_TITLES[413]), request)
        title = HTTP_TITLES.get(exc.status_code, "HTTP error")
        return problem_response(Problem(exc.status_code, title, str(exc.detail)), request)

    async def on_rule_broken(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleBroken)
        # The facts become extensions of the document; never its reserved members.
        facts = {
            k: v for k, v in exc.facts.items() if k not in ("type", "title", "status", "detail", "instance", "headers")
        }
        return problem_response(Problem(exc.status, exc.title, exc.detail, **facts), request)

    async def on_failure(request: Request, exc: Exception) -> JSONResponse:
        problem = problem_for_failure(exc, retry_after_seconds=retry_after_of(request))
        if problem is None:
            raise exc  # a defect: the server error middleware answers it, and it is logged as one
        log.warning("%s %s answered %d: %r", request.method, request.url.path, problem.status, exc)
        return problem_response(problem, request)

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document_problems(generate())  # idempotent: FastAPI hands back the schema it cached

    app.openapi = openapi  # type: ignore[method-assign]

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RuleBroken, on_rule_broken)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    for failure in (
        sqlalchemy.exc.DBAPIError,
        sqlalchemy.exc.TimeoutError,
        asyncpg.exceptions.PostgresError,
        asyncpg.exceptions.InterfaceError,
        OSError,
        RpcUnavailable,
        httpx.TransportError,
        aiormq.exceptions.AMQPError,
    ):
        app.add_exception_handler(failure, on_failure)
