"""The partners' side of the benchmark: 100 webhook endpoints that time every arrival, and one that never answers.

Each endpoint is its own host (127.0.1.1, 127.0.1.2, ...: all of 127.0.0.0/8 is
loopback on Linux), as 100 partners would be, so the worker keeps one
connection pool per endpoint as in production. ``same_host`` puts them all on
127.0.0.1 with distinct ports instead (one shared pool), for comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from standardwebhooks.webhooks import Webhook

# Every this-many-th request to an endpoint has its signature checked (checking all would load this process).
VERIFY_EVERY = 20


@dataclass
class Endpoint:
    """One partner's URL: the first arrival time of each event, and anything suspicious."""

    index: int
    host: str
    port: int = 0
    secret: str | None = None
    arrivals: dict[str, float] = field(default_factory=dict)  # event id -> wall-clock arrival
    webhook_ids: dict[str, str] = field(default_factory=dict)  # event id -> webhook-id first seen
    requests: int = 0
    duplicates: int = 0
    changed_ids: int = 0
    verified: int = 0
    bad_signatures: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks/{self.index}"

    def record(self, headers: dict[str, str], body: bytes, at: float) -> None:
        self.requests += 1
        event_id = str(json.loads(body)["id"])
        webhook_id = headers.get("webhook-id", "")
        if event_id in self.arrivals:
            self.duplicates += 1
            if self.webhook_ids[event_id] != webhook_id:
                self.changed_ids += 1
            return
        self.arrivals[event_id] = at
        self.webhook_ids[event_id] = webhook_id
        if self.secret and self.requests % VERIFY_EVERY == 1:
            try:
                Webhook(self.secret).verify(body, headers)
                self.verified += 1
            except Exception:
                self.bad_signatures += 1


@dataclass
class Silent:
    """An endpoint that accepts connections and reads requests but never answers one."""

    host: str
    port: int = 0
    requests: int = 0
    connections: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks/silent"


async def _read_request(reader: asyncio.StreamReader) -> tuple[dict[str, str], bytes] | None:
    if not await reader.readline():
        return None
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return headers, body


class Endpoints:
    """The servers: ``count`` answering endpoints and one silent one."""

    def __init__(self, count: int, *, same_host: bool = False) -> None:
        self.endpoints = [
            Endpoint(i, "127.0.0.1" if same_host else f"127.0.{1 + i // 250}.{1 + i % 250}") for i in range(count)
        ]
        self.silent = Silent("127.0.0.1" if same_host else "127.0.9.1")
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def hosts(self) -> list[str]:
        return sorted({e.host for e in self.endpoints} | {self.silent.host})

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[Endpoints]:
        try:
            for endpoint in self.endpoints:
                server = await asyncio.start_server(self._answering(endpoint), endpoint.host, 0, backlog=256)
                endpoint.port = server.sockets[0].getsockname()[1]
                self._servers.append(server)
            server = await asyncio.start_server(self._silent, self.silent.host, 0)
            self.silent.port = server.sockets[0].getsockname()[1]
            self._servers.append(server)
            yield self
        finally:
            for server in self._servers:
                server.close()
            for writer in list(self._writers):
                writer.close()

    def _answering(self, endpoint: Endpoint):
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.add(writer)
            try:
                while (request := await _read_request(reader)) is not None:
                    endpoint.record(*request, time.time())
                    writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                return
            finally:
                self._writers.discard(writer)
                writer.close()

        return serve

    async def _silent(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.silent.connections += 1
        try:
            while await _read_request(reader) is not None:
                self.silent.requests += 1  # and no answer, ever: the client gives up or the process ends
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()
