"""Bearer JWT verification, roles and council scope.

Development tokens are HS256, signed with ``COHESION_JWT_SECRET`` and issued by
``cohesion token``; production verifies RS256/ES256 tokens against the JWKS at
``COHESION_JWT_JWKS_URL``.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


# A GSS code (ONS): E/W/S/N for the nation, then eight digits, e.g. E08000018 (Rotherham), E05012996 (a ward).
GSS_CODE = re.compile(r"[ENSW][0-9]{8}")


# The claim PyJWT's own refusals are about (a missing claim's error names it itself).
_CLAIM_OF: dict[type[Exception], str] = {
    jwt.ExpiredSignatureError: "exp",
    jwt.ImmatureSignatureError: "nbf",
    jwt.InvalidAudienceError: "aud",
    jwt.InvalidIssuerError: "iss",
    jwt.InvalidIssuedAtError: "iat",
    jwt.exceptions.InvalidSubjectError: "sub",
}


def claims_problem(claims: dict[str, Any]) -> tuple[str, str] | None:
    """The first claim that is not what Cohesion needs, and why; None when the claims are sound."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
        return "sub", "the subject must be a non-empty string of at most 200 characters"
    organisation = claims.get("org")
    if organisation is not None and (not isinstance(organisation, str) or len(organisation) > 200):
        return "org", "the organisation must be a string of at most 200 characters, or absent"
    council = claims.get("council")
    if not isinstance(council, str) or not GSS_CODE.fullmatch(council):
        return "council", f"{council!r} is not a council's GSS code (like E08000018)"
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        return "roles", "the roles must be a list of role names"
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        return "roles", f"unknown roles: {', '.join(unknown)}; known: {', '.join(ROLES)}"
    wards = claims.get("wards", [])
    if not isinstance(wards, list) or not all(isinstance(w, str) and GSS_CODE.fullmatch(w) for w in wards):
        return "wards", "the wards must be a list of GSS codes (like E05012996)"
    return None


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """The principal a verified token names, once every claim it relies on has been checked."""
    wrong = claims_problem(claims)
    if wrong is not None:
        claim, why = wrong
        raise Problem(
            401, "Invalid token", f"Claim {claim!r}: {why}.", headers={"WWW-Authenticate": "Bearer"}, claim=claim
        )
    return Principal(
        subject=claims["sub"],
        organisation=claims.get("org"),
        council=claims["council"],
        roles=frozenset(claims.get("roles", [])),
        wards=frozenset(claims.get("wards", [])),
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
            claim = getattr(exc, "claim", None) or _CLAIM_OF.get(type(exc))
            detail, named = (f"Claim {claim!r}: {exc}", {"claim": claim}) if claim else (str(exc), {})
            raise Problem(401, "Invalid token", detail, headers={"WWW-Authenticate": "Bearer"}, **named) from exc
        principal = principal_from_claims(claims)
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
    now = int(time.time())
    claims = {
        "sub": subject,
        "org": organisation,
        "council": council,
        "roles": list(roles),
        "wards": list(wards),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    wrong = claims_problem(claims)
    if wrong is not None:
        raise ValueError(f"{wrong[0]}: {wrong[1]}")
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


# The bearer scheme every service's OpenAPI declares: each operation that depends on it (through
# ``current_principal``) lists it in its security, with the roles ``require`` admits as its "scopes"
# (OpenAPI 3.1 lets a non-OAuth scheme list role names there), so /docs can authorise a request,
# generated clients send the token, and the roles documented are the roles enforced.
bearer = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="A JWT naming its subject, organisation, council (GSS code), roles and wards.",
    auto_error=False,
)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Problem(401, "Authentication required", "Send a bearer token.", headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.principal_of(credentials.credentials)
    request.state.principal = principal
    return principal


Authenticated = Annotated[Principal, Depends(current_principal)]


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting principals holding any of ``roles`` (admin always passes)."""
    admitted = list(dict.fromkeys(("admin", *roles)))

    async def dependency(principal: Principal) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(403, "Forbidden", f"This needs one of the roles: {', '.join(roles)}.")
        return principal

    # The principal comes through the bearer scheme with these roles as its scopes; the signature is
    # set here because a string annotation could not name ``admitted``, a local of this call.
    principal = Annotated[Principal, Security(current_principal, scopes=admitted)]
    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("principal", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=principal)],
        return_annotation=Principal,
    )
    return dependency
