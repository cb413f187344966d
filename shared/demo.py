"""``make up``'s demo data and ``make demo``'s scenario, as the services register them, and what they share.

Not under ``shared.cli``: the services import it (their ``demo.py``), and a service process has no
use for the command line's own imports.

Each service brings its own part (``ServiceDefinition.demo`` and ``.scenario``, in its ``demo.py``):
``load_demo_data`` (run by ``cohesion up``) calls every service's loader in the registry's order,
so wards publishes its wards before grants opens a fund and actions binds a milestone to it;
``run_demo`` (``cohesion demo``) runs the scenarios. Both drive the running services through
their public APIs with a ``Demo``: development tokens for whoever is acting, in Rotherham.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from shared import registry
from shared.auth import issue_token
from shared.settings import Settings, settings_for

COUNCIL = "E08000018"  # Rotherham
OFFICER = {"subject": "coordinator@rotherham.gov.uk", "organisation": "Rotherham MBC"}


class Demo:
    """The services' HTTP APIs, with development tokens for whoever is acting in the demo's council.

    ``loaded`` is what a service's demo data tells the services after it, under names that start
    with the service's own (grants puts its fund's id as ``grants.fund``).
    """

    council = COUNCIL

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client
        self.urls = settings.service_urls
        self.loaded: dict[str, str] = {}

    def as_(self, *roles: str, subject: str, organisation: str | None = None) -> dict[str, str]:
        jwt = issue_token(self.settings, subject=subject, council=COUNCIL, roles=roles, organisation=organisation)
        return {"Authorization": f"Bearer {jwt}"}

    async def call(self, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, f"{self.urls[service]}{path}", **kwargs)

    async def ok(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        response = await self.call(method, service, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {service}{path} → {response.status_code}: {response.text}")
        return response.json()


@asynccontextmanager
async def demo() -> AsyncIterator[Demo]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield Demo(settings_for("cli"), client)


async def load_demo_data() -> list[str]:
    """Every service's part of the demo data, in the registry's order; what was loaded, a line each."""
    lines: list[str] = []
    async with demo() as d:
        for definition in registry.definitions().values():
            if definition.demo is not None:
                lines += await definition.demo(d)
    return lines


async def run_demo() -> int:
    """Every service's demo scenario, in the registry's order; the first that fails ends the demo."""
    async with demo() as d:
        for definition in registry.definitions().values():
            if definition.scenario is not None and (failed := await definition.scenario(d)):
                return failed
    return 0


# --- what scenarios use ------------------------------------------------------------------------------


class WebhookReceiver:
    """A partner's endpoint: a local HTTP server that keeps what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.port = 0

    async def __aenter__(self) -> WebhookReceiver:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append((headers, body))
            writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cohesion-events"


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """``check()`` again every 0.3 s until it gives something, or ``timeout`` seconds have passed."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.3)


def say(step: str, detail: str = "") -> None:
    print(f"• {step}" + (f"\n    {detail}" if detail else ""), flush=True)
