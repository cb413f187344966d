"""Webhook signatures: what the worker signs verifies with the official Standard Webhooks library."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.domain import new_secret
from services.notifications.egress import webhook_headers
from services.notifications.handover import Dispatch

BODY = b'{"specversion":"1.0","id":"e1","type":"grants.fund.opened.v1","data":{"fund_id":"f1"}}'


def dispatch(*secrets: str, body: bytes = BODY) -> Dispatch:
    return Dispatch(
        delivery_id="d7c3a0f0-0000-5000-8000-000000000001",
        subscription_id="sub-1",
        event_id="e1",
        event_type="grants.fund.opened.v1",
        url="https://partner.example/hook",
        secrets=secrets,
        body=body,
        traceparent=None,
    )


def test_a_signed_webhook_verifies_with_the_standardwebhooks_library():
    secret = new_secret()
    headers = webhook_headers(dispatch(secret), datetime.now(UTC))
    assert headers["webhook-id"] == "d7c3a0f0-0000-5000-8000-000000000001"
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["content-type"] == "application/cloudevents+json"
    assert Webhook(secret).verify(BODY, headers)["data"] == {"fund_id": "f1"}


def test_a_tampered_body_or_another_secret_does_not_verify():
    secret = new_secret()
    headers = webhook_headers(dispatch(secret), datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"f1", b"f2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_during_a_rotation_each_secret_verifies_on_its_own():
    new, old = new_secret(), new_secret()
    headers = webhook_headers(dispatch(new, old), datetime.now(UTC))
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    Webhook(new).verify(BODY, headers)
    Webhook(old).verify(BODY, headers)


def test_non_ascii_bodies_are_signed_over_their_utf8_bytes():
    secret = new_secret()
    body = '{"data":{"name":"Côte — Ñ"}}'.encode()
    headers = webhook_headers(dispatch(secret, body=body), datetime.now(UTC))
    Webhook(secret).verify(body, headers)
