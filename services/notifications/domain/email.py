"""Email: usable addresses, the suppression list, Message-IDs that survive a retry, and what an SMTP reply means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.rules import RuleBroken

MESSAGE_ID_DOMAIN = "cohesion.notifications"

EmailVerdict = Literal["succeeded", "retry", "rejected", "unknown_user"]

_LOCAL_PART_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")


class InvalidEmailAddress(RuleBroken):
    title = "Invalid email address"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="address")


def email_address_problem(address: str) -> str | None:
    """What is wrong with an email address (a plain ``local@domain``, no display name); None when usable."""
    if len(address) > 254:
        return "an email address is at most 254 characters"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "an email address needs a local part, '@' and a domain"
    if len(local) > 64 or not set(local) <= _LOCAL_PART_CHARS or local.startswith(".") or ".." in local:
        return f"{local!r} is not a valid local part"
    labels = domain.split(".")
    if len(labels) < 2 or not all(
        0 < len(label) <= 63 and label[0] != "-" and label[-1] != "-" and all(c.isalnum() or c == "-" for c in label)
        for label in labels
    ):
        return f"{domain!r} is not a valid domain"
    if not labels[-1].isalpha():
        return f"{domain!r} does not end in a top-level domain"
    return None


def normalised_address(address: str) -> str:
    """The form addresses are compared in: the suppression list is case-blind."""
    return address.strip().lower()


def event_message_id(event_id: str, subscription_id: str) -> str:
    """The same on every attempt and resend, so a mail client shows a retried email once."""
    return f"<{event_id}.{subscription_id}@{MESSAGE_ID_DOMAIN}>"


def digest_message_id(period_key: str, subscription_id: str) -> str:
    return f"<digest.{period_key}.{subscription_id}@{MESSAGE_ID_DOMAIN}>"


def notice_message_id(event_id: str, delivery_id: str) -> str:
    """An email of our own (a notice or an alert): from the event that raised it and its delivery."""
    return f"<{event_id}.{delivery_id}@{MESSAGE_ID_DOMAIN}>"


_UNKNOWN_USER_MARKS = ("5.1.1", "user unknown", "unknown user", "no such user", "mailbox unavailable", "does not exist")


def smtp_verdict(code: int | None, message: str | None) -> EmailVerdict:
    """What an SMTP reply means: 2xx sent; 4xx or no reply at all may change; 5xx will not.

    A 5xx that says the mailbox does not exist means the address must not be tried again.
    """
    if code is None or 400 <= code < 500:
        return "retry"
    if 200 <= code < 300:
        return "succeeded"
    if code in (550, 551, 553) and any(mark in (message or "").lower() for mark in _UNKNOWN_USER_MARKS):
        return "unknown_user"
    return "rejected" if code >= 500 else "retry"


@dataclass(frozen=True)
class EmailConsequence:
    verdict: EmailVerdict
    next_attempt_at: datetime | None
    exhausted: bool = False

    @property
    def suppress_address(self) -> bool:
        return self.verdict == "unknown_user"


@dataclass
class Email:
    """The email a delivery sends, written once so every attempt sends the same message and Message-ID."""

    delivery_id: str
    recipient: str
    subject: str
    body: str
    message_id: str


@dataclass
class Suppression:
    """An address of a council that must not be emailed (asked for, or found not to exist)."""

    id: str
    council: str
    address: str
    reason: str
    created_at: datetime
