"""A signed token is not enough: each claim Cohesion relies on must be what it says it is."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from shared.auth import TokenVerifier, issue_token
from shared.problems import Problem
from shared.settings import Settings

SETTINGS = Settings()


def signed(**changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "officer-1",
        "org": "Rotherham MBC",
        "council": "E08000018",
        "roles": ["officer"],
        "wards": ["E05012996"],
        "iss": SETTINGS.jwt_issuer,
        "aud": SETTINGS.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not ...}, SETTINGS.jwt_secret, algorithm="HS256")


def test_sound_claims_make_a_principal() -> None:
    principal = TokenVerifier(SETTINGS).verify(signed())
    assert (principal.council, principal.roles, principal.wards) == ("E08000018", {"officer"}, {"E05012996"})


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("council", ""),
        ("council", "not-a-gss"),
        ("council", "e08000018"),
        ("council", "E0800001"),
        ("council", "X08000018"),
        ("council", 8000018),
        ("council", "E08000018\n"),
        ("roles", ["officer", "mayor"]),
        ("roles", "admin"),  # a string is not a list of roles, though it iterates as one
        ("roles", [["admin"]]),
        ("wards", ["Boston Castle"]),
        ("wards", "E05012996"),
        ("wards", [None]),
        ("sub", ""),
        ("sub", 42),
        ("org", {"name": "x"}),
    ],
)
def test_a_claim_that_is_not_what_it_should_be_is_refused_naming_it(claim: str, value: Any) -> None:
    with pytest.raises(Problem) as refused:
        TokenVerifier(SETTINGS).verify(signed(**{claim: value}))
    assert refused.value.status == 401
    assert refused.value.extensions["claim"] == claim
    assert claim in (refused.value.detail or "")
    assert refused.value.headers == {"WWW-Authenticate": "Bearer"}


def test_the_development_issuer_refuses_to_sign_what_the_verifier_would_refuse() -> None:
    with pytest.raises(ValueError, match="council"):
        issue_token(SETTINGS, subject="x", council="not-a-gss", roles=["officer"])
    with pytest.raises(ValueError, match="roles"):
        issue_token(SETTINGS, subject="x", council="E08000018", roles=["mayor"])
    with pytest.raises(ValueError, match="wards"):
        issue_token(SETTINGS, subject="x", council="E08000018", roles=["ward_member"], wards=["Boston Castle"])
