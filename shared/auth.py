"""Bearer JWT verification, roles and council scope.

Development tokens are HS256, signed with ``COHESION_JWT_SECRET`` and issued by
``cohesion token``; production verifies RS256/ES256 tokens against the JWKS at
``COHESION_JWT_JWKS_URL``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request

from shared.problems import Problem
from shared.settings import Settings
from shared.unit_of_work import Actor

Role = Literal["admin", "officer", "finance", "approver", "forum_member", "ward_member", "partner", "applicant"]
ROLES: tuple[str, ...] = (
    "admin",
    "officer",
    "finance",
    "approver",
    "forum_member",
    "ward_member",
    "partner",
    "applicant",
)


@dataclass(frozen=True)
class Principal:
    subject: str
    organisation: str | None
    council: str
    roles: frozenset[str]
    wards: frozenset[str] = field(default_factory=frozenset)

    def has_any(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(roles))

    @property
    def actor(self) -> Actor:
        return Actor(subject=self.subject, organisation=self.organisation, council=self.council)

    def ensure_council(self, council: str) -> None:
        """Nobody sees another council's data; a mismatch looks like absence, not a hint."""
        if council != self.council:
            raise Problem(404, "Not found", "No such record for your council.")


class TokenVerifier:
    """Checks bearer tokens, and remembers the ones it has checked until they expire.

    A client sends the same token with every request; checking its signature each time
    was about a twentieth of a command's CPU. A remembered token is still refused once
    its ``exp`` has passed. With a JWKS, finding the key may mean an HTTP request
    (PyJWT's client is blocking), so a token not yet seen is checked in a thread rather
    than on the event loop.
    """

    CACHE_SIZE = 4096

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        self._checked: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()  # verify may run in threads (JWKS) beside the event loop

    async def principal_of(self, token: str) -> Principal:
        """The token's principal: remembered, checked here, or (with a JWKS) checked in a thread."""
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        if self._jwks is not None:
            return await asyncio.to_thread(self._check, token)
        return self._check(token)

    def _remembered(self, token: str) -> Principal | None:
        with self._lock:
            found = self._checked.get(token)
            if found is None:
                return None
            principal, expires = found
            if time.time() >= expires:
                del self._checked[token]
                return None
            self._checked.move_to_end(token)
            return principal

    def verify(self, token: str) -> Principal:
        """The token's principal, checked here (blocking, with a JWKS) unless remembered."""
        return self._remembered(token) or self._check(token)

    def _check(self, token: str) -> Principal:
        """Check the signature and claims, and remember the token until it expires."""
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256", "ES256"]
            else:
                key, algorithms = self.settings.jwt_secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["sub", "exp", "council"]},
            )
        except jwt.PyJWTError as exc:
            raise Problem(401, "Invalid token", str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        roles = frozenset(str(r) for r in claims.get("roles", []))
        unknown = roles - set(ROLES)
        if unknown:
            raise Problem(401, "Invalid token", f"unknown roles: {', '.join(sorted(unknown))}")
        principal = Principal(
            subject=str(claims["sub"]),
            organisation=claims.get("org"),
            council=str(claims["council"]),
            roles=roles,
            wards=frozenset(claims.get("wards", [])),
        )
        with self._lock:
            self._checked[token] = (principal, float(claims["exp"]))
            if len(self._checked) > self.CACHE_SIZE:
                self._checked.popitem(last=False)
        return principal


def issue_token(
    settings: Settings,
    *,
    subject: str,
    council: str,
    roles: Iterable[str],
    organisation: str | None = None,
    wards: Iterable[str] = (),
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A development token, signed with the shared secret (never used with a JWKS)."""
    roles = list(roles)
    bad = set(roles) - set(ROLES)
    if bad:
        raise ValueError(f"unknown roles: {', '.join(sorted(bad))}; known: {', '.join(ROLES)}")
    now = int(time.time())
    claims = {
        "sub": subject,
        "org": organisation,
        "council": council,
        "roles": roles,
        "wards": list(wards),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "Authentication required", "Send a bearer token.", headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.principal_of(token)
    request.state.principal = principal
    return principal


Authenticated = Annotated[Principal, Depends(current_principal)]


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting principals holding any of ``roles`` (admin always passes)."""

    async def dependency(principal: Authenticated) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(403, "Forbidden", f"This needs one of the roles: {', '.join(roles)}.")
        return principal

    return dependency
