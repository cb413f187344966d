"""The RabbitMQ management API, for what AMQP cannot do: users, their permissions, their connections.

``COHESION_RABBITMQ_API_URL`` names the API with the credentials of an
administrator (``http://user:password@host:15672``); the vhost is the one in
``COHESION_AMQP_URL``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from shared.settings import Settings
from shared.telemetry import traced


def vhost_of(amqp_url: str) -> str:
    """The virtual host named by an AMQP URL (``/`` when the path is empty)."""
    return unquote(urlsplit(amqp_url).path.lstrip("/")) or "/"


class ManagementApi:
    """A short-lived client: ``async with ManagementApi(settings) as api: ...``."""

    def __init__(self, settings: Settings, *, timeout: float = 10.0) -> None:
        parts = urlsplit(settings.rabbitmq_api_url)
        base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
        self.vhost = vhost_of(settings.amqp_url)
        self._client = traced(
            httpx.AsyncClient(
                base_url=base,
                auth=(unquote(parts.username or "guest"), unquote(parts.password or "guest")),
                timeout=timeout,
            )
        )

    async def __aenter__(self) -> ManagementApi:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._client.aclose()

    @property
    def _vhost(self) -> str:
        return quote(self.vhost, safe="")

    async def put_user(self, username: str, password: str) -> None:
        """Create the user, or change its password (no tags: no management access)."""
        response = await self._client.put(
            f"/api/users/{quote(username, safe='')}", json={"password": password, "tags": ""}
        )
        response.raise_for_status()

    async def delete_user(self, username: str) -> None:
        response = await self._client.delete(f"/api/users/{quote(username, safe='')}")
        if response.status_code != 404:
            response.raise_for_status()

    async def set_permissions(self, username: str, *, configure: str, write: str, read: str) -> None:
        response = await self._client.put(
            f"/api/permissions/{self._vhost}/{quote(username, safe='')}",
            json={"configure": configure, "write": write, "read": read},
        )
        response.raise_for_status()

    async def connections_of(self, username: str) -> list[dict[str, Any]]:
        response = await self._client.get(f"/api/vhosts/{self._vhost}/connections")
        response.raise_for_status()
        return [c for c in response.json() if c.get("user") == username]

    async def close_connections_of(self, username: str, reason: str) -> int:
        """Close every connection the user has open: a new password or fewer rights leave them open."""
        closed = 0
        for connection in await self.connections_of(username):
            response = await self._client.delete(
                f"/api/connections/{quote(connection['name'], safe='')}", headers={"X-Reason": reason}
            )
            if response.status_code != 404:
                response.raise_for_status()
                closed += 1
        return closed
