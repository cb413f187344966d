"""How a service is put together and run: one process with its HTTP API, consumers, relay and schedules.

A service declares a ``ServiceDefinition`` (its routers, consumers, responders
and scheduled jobs, and what the CLI takes from it) in its ``app.py``; ``create_app``
wires it once to the database, the broker and telemetry. ``build_service(name)``
does so for a service of the registry (``shared.registry``), and ``serve(name)``
runs it as a process. Handlers receive what they need as arguments — nothing
reaches for a global.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import aio_pika
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from faststream.rabbit import RabbitBroker
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth import TokenVerifier
from shared.db import create_engine, session_factory
from shared.http import IdempotencyMiddleware, TraceHeaderMiddleware, health_routes
from shared.messaging.broker import create_broker, declare_publications
from shared.messaging.consumer import Consumer, ConsumerRuntime
from shared.messaging.relay import OutboxRelay
from shared.messaging.rpc import Procedure, Req, Resp, Responder, ResponderRuntime, RpcClient
from shared.messaging.topology import declare_topology, dlq_name
from shared.metrics import prometheus_text, queue_depths, setup_metrics
from shared.problems import install_problem_handlers
from shared.settings import Settings, settings_for
from shared.telemetry import on_clock, setup_telemetry
from shared.unit_of_work import Actor, UnitOfWork

if TYPE_CHECKING:
    from shared.demo import Demo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """A job run every ``every_seconds`` (time-driven events: overdue, due, cadence)."""

    name: str
    job: Callable[[Runtime], Awaitable[None]]
    every_seconds: float | None = None  # None: the settings' scheduler interval


# Part of ``make up``'s demo data, loaded through the running services' APIs (``shared.demo.Demo``);
# it returns what it loaded, a line each.
DemoLoader = Callable[["Demo"], Awaitable[list[str]]]
# A story ``make demo`` drives through the running services; it prints what happens and returns an
# exit status (0: it all happened).
DemoScenario = Callable[["Demo"], Awaitable[int]]


@dataclass(frozen=True)
class Export:
    """An export the ``cohesion export <name>`` command writes: ``write`` runs in the CLI's process with
    the service's settings, for a council, into a folder, and returns what it wrote, as a sentence
    (``LookupError``: nothing to write). ``options`` are its own further options: name → help."""

    name: str
    summary: str
    write: Callable[..., Coroutine[Any, Any, str]]  # (settings, council, out, **options)
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    description: str
    metadata: MetaData
    # Where it listens by default (COHESION_HTTP_PORT and COHESION_SERVICE_URLS say otherwise); the
    # registry (shared.registry) lists the services in the order of their ports.
    port: int = 8000
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[Consumer] = ()
    responders: Sequence[Responder[Any, Any]] = ()
    schedules: Sequence[Schedule] = ()
    version: str = "1.0.0"
    # What the `cohesion` CLI takes from it: its part of the demo data and of the demo, and its exports.
    demo: DemoLoader | None = None
    scenario: DemoScenario | None = None
    exports: Sequence[Export] = ()
    # Where the outbox relay runs: in a thread with an event loop of its own (the default), so that
    # a full load of HTTP requests cannot hold its rounds up (see OutboxRelay.run_on_own_loop), or
    # on the service's loop, for a service whose relay is as busy as the rest of it (notifications:
    # an outcome event per delivery), where the two threads' contention for the GIL cost more.
    relay_on_own_loop: bool = True


@dataclass
class Runtime:
    """Everything a running service holds; handed to handlers as an argument."""

    definition: ServiceDefinition
    settings: Settings
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = create_engine(
            self.settings.db_url,
            pool_size=self.settings.db_pool_size,
            application_name=f"cohesion-{self.definition.name}",
        )
        self.sessions = session_factory(self.engine)
        self.broker = service_broker(self.definition, self.settings, self.engine)
        self.rpc = RpcClient(self.settings.amqp_url, self.definition.name)
        self.relay = OutboxRelay(
            amqp_url=self.settings.amqp_url,
            database_url=self.settings.db_url,
            application_name=f"cohesion-{self.definition.name} relay",
            app_id=f"cohesion-{self.definition.name}",
            batch_size=self.settings.relay_batch_size,
            poll_seconds=self.settings.relay_poll_seconds,
        )
        self.broker_connected = asyncio.Event()

    @property
    def service(self) -> str:
        return self.definition.name

    def uow(self, actor: Actor) -> UnitOfWork:
        return UnitOfWork(self.engine, self.definition.name, actor)

    async def call(self, procedure: Procedure[Req, Resp], request: Req, *, timeout: float | None = None) -> Resp:
        """Ask another service (see ``shared.messaging.rpc``): its typed answer, or a typed ``RpcError``."""
        return await self.rpc.call(procedure, request, timeout=timeout)

    async def start(self) -> None:
        self.tasks.append(asyncio.create_task(self._connect_broker(), name="broker-connect"))
        relaying = self.relay.run_on_own_loop() if self.definition.relay_on_own_loop else self.relay.run()
        self.tasks.append(asyncio.create_task(relaying, name="outbox-relay"))
        self.tasks.append(asyncio.create_task(self._watch_queue_depths(), name="queue-watch"))
        for schedule in self.definition.schedules:
            self.tasks.append(asyncio.create_task(self._every(schedule), name=f"schedule-{schedule.name}"))

    async def stop(self, *, grace_seconds: float = 10.0) -> None:
        """Stop every task and connection, each given ``grace_seconds``: whatever does not stop in time
        is logged and left behind, so one stuck task or dead connection can never hang the shutdown."""
        self.relay.stop()
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            done, stuck = await asyncio.wait(self.tasks, timeout=grace_seconds)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.warning("task %s ended with %r", task.get_name(), task.exception())
            if stuck:
                log.error(
                    "%s: still running %.0fs after being cancelled, left behind: %s",
                    self.service,
                    grace_seconds,
                    ", ".join(sorted(t.get_name() for t in stuck)),
                )
        for what, closing in (
            ("the RPC client", self.rpc.close()),
            ("the broker connection", self.broker.stop()),
            ("the database pool", self.engine.dispose()),
        ):
            try:
                await asyncio.wait_for(closing, timeout=grace_seconds)
            except Exception as exc:
                log.warning("%s: closing %s failed: %r", self.service, what, exc)

    async def _connect_broker(self) -> None:
        """Connect (retrying) so the service accepts commands even while the broker is down."""
        delay = 0.5
        while True:
            try:
                await declare_topology(
                    self.settings.amqp_url,
                    [c.queue for c in self.definition.consumers],
                    self.settings.retry_delays_ms,
                )
                await self.broker.start()
                self.broker_connected.set()
                self.relay.wake()
                log.info("%s connected to the broker", self.service)
                return
            except Exception as exc:
                log.warning("broker not reachable (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def _watch_queue_depths(self) -> None:
        """Read this service's consumer queues' and DLQs' depths for the metrics, on a connection of its own."""
        names = [name for c in self.definition.consumers for name in (c.name, dlq_name(c.name))]
        if not names:
            return
        await self.broker_connected.wait()
        while True:
            try:
                connection = await aio_pika.connect(self.settings.amqp_url)
                async with connection:
                    channel = await connection.channel()
                    while True:
                        for name in names:
                            declared = await channel.declare_queue(name, passive=True)
                            queue_depths[name] = int(declared.declaration_result.message_count or 0)
                        await asyncio.sleep(self.settings.queue_watch_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("reading queue depths failed (%s); trying again", exc)
                await asyncio.sleep(self.settings.queue_watch_seconds)

    async def _every(self, schedule: Schedule) -> None:
        interval = schedule.every_seconds or self.settings.scheduler_interval_seconds
        while True:
            try:
                with on_clock(schedule.name):  # the traces its occurrences start are named after it
                    await schedule.job(self)
            except Exception:
                log.exception("scheduled job %s failed", schedule.name)
            await asyncio.sleep(interval)

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {exc}"
        try:
            ok = self.broker_connected.is_set() and await self.broker.ping(timeout=2.0)
            checks["broker"] = "ok" if ok else "unreachable"
        except Exception as exc:
            checks["broker"] = f"unreachable: {exc}"
        return checks


def service_broker(definition: ServiceDefinition, settings: Settings, engine: AsyncEngine | None) -> RabbitBroker:
    """The service's FastStream broker, with the subscribers of its consumers and responders and the relay's
    publications: what the service runs on, and what its AsyncAPI document is generated from (``engine``
    None: for the document only, never started)."""
    broker = create_broker(settings.amqp_url, prefetch=settings.prefetch, service=definition.name)
    consumers = ConsumerRuntime(
        broker,
        engine,
        definition.name,
        retry_delays_ms=settings.retry_delays_ms,
        max_attempts=settings.max_attempts,
    )
    for consumer in definition.consumers:
        consumers.register(consumer)
    responders = ResponderRuntime(broker, engine, definition.name)
    for responder in definition.responders:
        responders.register(responder)
    declare_publications(broker, definition.name)
    return broker


# Every dependency and endpoint is ``async def``: FastAPI runs a plain ``def`` one in its thread pool,
# a thread hop for each on every request (tests/unit/test_api_routes.py keeps it so).
async def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


def create_app(definition: ServiceDefinition, settings: Settings | None = None) -> FastAPI:
    settings = settings or settings_for(definition.name)
    if settings.service != definition.name:
        settings = settings.model_copy(update={"service": definition.name})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_telemetry(definition.name)
        setup_metrics(definition.name)
        runtime = Runtime(definition, settings)
        app.state.runtime = runtime
        await runtime.start()
        # Everything built so far (modules, models, mappers, schemas) lives as long as the process.
        # Frozen, the cyclic GC stops walking it: a full collection over it took 110-150 ms, every
        # few seconds under load, stalling every message and request in flight.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry instrumentation: a server span per request (named for its route,
        # continuing the caller's traceparent) and the HTTP request metrics. Not its per-dependency,
        # endpoint and serialization spans: the request span, the SQL spans and the outbox, broker
        # and consumer spans tell a command's story, and those spans cost about 40 µs a request.
        telemetry={"operation_spans": False, "exclude": _untraced},
    )
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    install_problem_handlers(app)
    app.add_middleware(IdempotencyMiddleware, engine_of=lambda: app.state.runtime.engine)
    app.add_middleware(TraceHeaderMiddleware)
    health_routes(app, lambda: app.state.runtime.readiness())

    @app.get("/metrics", tags=["operations"], summary="This process's metrics, in Prometheus' text format")
    async def metrics_page() -> Response:
        body, content_type = prometheus_text()
        return Response(body, media_type=content_type)

    for router in definition.routers:
        app.include_router(router)
    _event_catalogue_routes(app)
    return app


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    """Probes are not traced: they would bury the requests worth reading."""
    return scope.get("path") in ("/healthz", "/readyz")


def _event_catalogue_routes(app: FastAPI) -> None:
    """Every service serves the AsyncAPI description of the whole event catalogue."""

    @app.get("/asyncapi.json", tags=["events"], summary="AsyncAPI 3 document of the event catalogue")
    async def asyncapi_json() -> dict[str, object]:
        from shared.docs import asyncapi_document

        if not hasattr(app.state, "asyncapi"):
            app.state.asyncapi = await asyncio.to_thread(asyncapi_document)
        document: dict[str, object] = app.state.asyncapi
        return document

    @app.get("/asyncapi", tags=["events"], summary="The event catalogue, rendered", response_class=HTMLResponse)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(_ASYNCAPI_PAGE)


_ASYNCAPI_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Cohesion events</title>
<link rel="stylesheet" href="https://unpkg.com/@asyncapi/react-component@1.0.0-next.54/styles/default.min.css">
</head><body><div id="asyncapi"></div>
<script src="https://unpkg.com/@asyncapi/react-component@1.0.0-next.54/browser/standalone/index.js"></script>
<script>AsyncApiStandalone.render({schema: {url: "/asyncapi.json"}, config: {show: {sidebar: true}}},
document.getElementById("asyncapi"));</script>
<noscript>The raw document is at <a href="/asyncapi.json">/asyncapi.json</a>.</noscript>
</body></html>"""


def build_service(name: str, settings: Settings | None = None) -> FastAPI:
    """The HTTP application of a registered service (``shared.registry``), wired to its settings."""
    from shared.registry import definition

    return create_app(definition(name), settings)


# Which service ``serve`` runs, for the application factory uvicorn calls in each worker process.
SERVING = "COHESION_SERVING"


def serving_app() -> FastAPI:
    return build_service(os.environ[SERVING])


def serve(name: str) -> None:
    """Run one service as its own process: ``python -m services.<name>``."""
    import uvicorn

    os.environ[SERVING] = name
    settings = settings_for(name)
    uvicorn.run(
        f"{__name__}:serving_app",
        factory=True,
        host=settings.http_host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
    )
