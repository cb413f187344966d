"""Bearer JWT verification, roles and council scope.

Development tokens are HS256, signed with ``COHESION_JWT_SECRET`` and issued by
``cohesion token``; production verifies RS256/ES256 tokens against the JWKS at
``COHESION_JWT_JWKS_URL``.
"""

from __future__ import annotations

import time
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
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None

    def verify(self, token: str) -> Principal:
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
        return Principal(
            subject=str(claims["sub"]),
            organisation=claims.get("org"),
            council=str(claims["council"]),
            roles=roles,
            wards=frozenset(claims.get("wards", [])),
        )


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
    principal = verifier.verify(token)
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
