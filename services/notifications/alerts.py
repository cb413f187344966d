"""Internal alerts: finding who to email about an event, then queueing one email per person.

- an overdue milestone: the action's lead partner, from the partner directory;
- a monitoring report due: the grantee's contact, asked of grants (``grants.grantee_contact``);
- a ward behind on its meetings: the ward's members, asked of wards (``wards.member_contacts``);
- a ward spend request awaiting approval: the council's approvers; decided (approved or refused): the
  ward's members; both asked of wards (``wards.spend_contacts``).

The fan-out consumer only notes the alert (``consumers.note_alert``); this job asks for the
recipients outside any database transaction, then queues the emails in one. An answer that
cannot be had now (the other service is restarting) is asked for again with backoff; an
answer that there is nobody to tell (no such partner, a contact erased on request) is final
and kept on the alert.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, text

from services.notifications.domain import Alert, Partner, partner_named
from services.notifications.handlers import queue_alert
from services.notifications.messages import (
    EventSummary,
    Links,
    Wording,
    cadence_behind_email,
    milestone_overdue_email,
    report_due_email,
    spend_awaiting_approval_email,
    spend_decided_email,
)
from services.notifications.tables import partners
from shared import calendar
from shared.events import Envelope, decode_envelope
from shared.messaging.rpc import NotFound, RpcError
from shared.procedures import (
    GRANTEE_CONTACT,
    SPEND_CONTACTS,
    WARD_MEMBER_CONTACTS,
    GranteeContactRequest,
    SpendContactsRequest,
    WardMemberContactsRequest,
)
from shared.service import Runtime
from shared.unit_of_work import Actor

log = logging.getLogger(__name__)

ALERTS_ACTOR = Actor("system:alerts")
LEASE = timedelta(seconds=60)

_CLAIM = text(
    """
    SELECT a.id, a.kind, e.body
    FROM alerts a JOIN received_events e ON e.event_id = a.event_id
    WHERE a.status = 'addressing' AND a.next_attempt_at <= :now
    ORDER BY a.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF a SKIP LOCKED
    """
)
_LEASE = text("UPDATE alerts SET next_attempt_at = :until WHERE id = ANY(:ids)")


@dataclass(frozen=True)
class Recipient:
    address: str
    wording: Wording
    partner_id: str | None = None


class NobodyToTell(Exception):
    """There is no one to write to about this event; final."""


async def recipients_of(runtime: Runtime, alert_kind: str, event: Envelope, links: Links) -> list[Recipient]:
    """Who to email about the event; raises NobodyToTell, or an RpcError when another service cannot answer now."""
    summary = EventSummary.of(event)
    api_url = links.source(event.type)
    if alert_kind == "milestone_overdue":
        lead = event.data.get("lead_organisation")
        if not lead:
            raise NobodyToTell("the action names no lead partner")
        async with runtime.sessions() as session:
            known = (await session.scalars(select(Partner).where(partners.c.council == event.council))).all()
        partner = partner_named(known, str(lead))
        if partner is None:
            raise NobodyToTell(f"no partner of council {event.council} is registered as {lead!r}")
        wording = milestone_overdue_email(summary, lead=partner.name, api_url=api_url)
        return [Recipient(partner.contact_email, wording, partner.id)]
    if alert_kind == "report_due":
        request = GranteeContactRequest(council=event.council, application_id=str(event.data["application_id"]))
        grantee = await runtime.call(GRANTEE_CONTACT, request)
        if grantee.contact is None or not grantee.contact.email:
            raise NobodyToTell("the grantee's contact details were erased on request")
        return [Recipient(grantee.contact.email, report_due_email(summary, api_url=api_url))]
    if alert_kind == "cadence_behind":
        ward = str(event.data.get("gss_code") or event.subject)
        answer = await runtime.call(
            WARD_MEMBER_CONTACTS, WardMemberContactsRequest(council=event.council, gss_code=ward)
        )
        wording = cadence_behind_email(summary, api_url=api_url)
        found = [Recipient(m.email, wording) for m in answer.members if m.email]
        if not found:
            raise NobodyToTell(f"ward {ward} has no members with an email address")
        return found
    if alert_kind in ("spend_awaiting_approval", "spend_decided"):
        request_id = str(event.data.get("spend_request_id") or event.subject)
        contacts = await runtime.call(
            SPEND_CONTACTS, SpendContactsRequest(council=event.council, spend_request_id=request_id)
        )
        link = f"{api_url}/spend-requests/{request_id}"
        if alert_kind == "spend_awaiting_approval":
            wording, people, nobody = (
                spend_awaiting_approval_email(summary, api_url=link),
                contacts.approvers,
                "approver",
            )
        else:
            wording, people, nobody = spend_decided_email(summary, api_url=link), contacts.members, "member"
        found = [Recipient(p.email, wording) for p in people if p.email]
        if not found:
            raise NobodyToTell(
                f"council {event.council} has no {nobody} of ward {contacts.gss_code} with an email address"
            )
        return found
    raise NobodyToTell(f"no alert of kind {alert_kind!r}")


async def address_alerts(runtime: Runtime, links: Links, *, limit: int = 50) -> int:
    """Find the recipients of every alert that is due; returns how many alerts were settled now."""
    now = calendar.now()
    async with runtime.engine.begin() as conn:
        claimed = (await conn.execute(_CLAIM, {"now": now, "limit": limit})).all()
        if claimed:
            await conn.execute(_LEASE, {"until": now + LEASE, "ids": [row.id for row in claimed]})
    settled = 0
    for alert_id, kind, body in claimed:
        event = decode_envelope(bytes(body))
        try:
            found, why_not, retry = await recipients_of(runtime, kind, event, links), None, None
        except NobodyToTell as exc:
            found, why_not, retry = [], str(exc), None
        except NotFound as exc:
            found, why_not, retry = [], f"not found: {exc}", None
        except RpcError as exc:
            found, why_not, retry = [], None, f"{type(exc).__name__}: {exc}"
        async with runtime.uow(ALERTS_ACTOR) as uow:
            alert = await uow.session.get(Alert, alert_id, with_for_update=True)
            if alert is None or alert.status != "addressing":
                continue
            now = calendar.now()
            if retry is not None:
                if alert.ask_again_later(retry, now):
                    log.warning("alert %s: recipients not known yet (%s); asking again later", alert.id, retry)
                else:
                    log.error("alert %s: gave up finding recipients (%s)", alert.id, retry)
            elif why_not is not None:
                alert.nobody_to_tell(why_not, now)
                log.info("alert %s (%s): nobody to tell: %s", alert.id, kind, why_not)
            else:
                for recipient in found:
                    await queue_alert(
                        uow,
                        event,
                        kind,
                        recipient.address,
                        recipient.wording.subject,
                        recipient.wording.body,
                        partner_id=recipient.partner_id,
                    )
                alert.addressed(len(found), now)
            uow.audit(
                "notifications.alert.address",
                alert.id,
                council=alert.council,
                kind=kind,
                status=alert.status,
                recipients=alert.recipients,
                reason=alert.last_error,
            )
            await uow.commit()
            settled += alert.status != "addressing"
    return settled
