"""Bearer tokens: checked once and remembered until they expire; with a JWKS, checked off the event loop."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import auth
from shared.auth import TokenVerifier, issue_token
from shared.problems import Problem
from shared.settings import Settings

COUNCIL = "E08000018"


def settings(**overrides: object) -> Settings:
    return Settings(service="wards", **overrides)  # type: ignore[arg-type]


def test_a_token_is_checked_once_and_then_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(settings())
    token = issue_token(verifier.settings, subject="officer-1", council=COUNCIL, roles=["officer"])
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting_decode(*args: object, **kwargs: object) -> object:
        decoded.append("once")
        return real_decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auth.jwt, "decode", counting_decode)
    first = asyncio.run(verifier.principal_of(token))
    again = asyncio.run(verifier.principal_of(token))
    assert first == again
    assert (first.subject, first.council, first.roles) == ("officer-1", COUNCIL, frozenset({"officer"}))
    assert decoded == ["once"]


def test_a_remembered_token_is_refused_once_it_has_expired() -> None:
    verifier = TokenVerifier(settings())
    token = issue_token(verifier.settings, subject="officer-1", council=COUNCIL, roles=["officer"], ttl_seconds=1)
    assert verifier.verify(token).subject == "officer-1"
    time.sleep(1.2)
    with pytest.raises(Problem) as refused:
        asyncio.run(verifier.principal_of(token))
    assert refused.value.status == 401


def test_a_bad_token_is_never_remembered() -> None:
    verifier = TokenVerifier(settings())
    forged = issue_token(
        settings(jwt_secret="another-secret-at-least-thirty-two-bytes-long"),
        subject="x",
        council=COUNCIL,
        roles=["admin"],
    )
    for _ in range(2):
        with pytest.raises(Problem):
            verifier.verify(forged)


# --- A JWKS, served by a real local HTTP server --------------------------------------------


@pytest.fixture
def jwks() -> Iterator[tuple[str, rsa.RSAPrivateKey, list[str]]]:
    """A JWKS endpoint on loopback with one RSA key; yields its URL, the private key and the request log."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    document = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(threading.current_thread().name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key, requests
    finally:
        server.shutdown()


def test_with_a_jwks_a_new_token_is_checked_in_a_thread_and_the_loop_keeps_running(jwks) -> None:
    url, key, requests = jwks
    verifier = TokenVerifier(settings(jwt_jwks_url=url))
    now = int(time.time())
    claims = {"sub": "p-1", "council": COUNCIL, "roles": ["partner"], "org": "syp", "iat": now, "exp": now + 600}
    claims |= {"iss": verifier.settings.jwt_issuer, "aud": verifier.settings.jwt_audience}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    async def scenario() -> tuple[str, int]:
        ticks = 0

        async def ticking() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(ticking())
        await asyncio.sleep(0)
        before = ticks
        principal = await verifier.principal_of(token)
        during = ticks - before
        ticker.cancel()
        return principal.subject, during

    subject, ticks_while_checking = asyncio.run(scenario())
    assert subject == "p-1"
    assert len(requests) == 1  # the key was fetched once, over HTTP
    assert ticks_while_checking > 0  # the event loop ran other work while the key was fetched
