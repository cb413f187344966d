"""Ward money reaches people through notifications, across the real broker: the approvers are emailed when a
spend request awaits them, the ward's members when it is decided (both asked of wards over RPC), and a
partner subscribed to ``wards.#`` for one ward gets that ward's money events and no other's."""

from __future__ import annotations

from functools import partial

from tests.integration.test_notifications_email import mail_server, notifications, subscribe_email
from tests.integration.test_notifications_webhooks import scalar
from tests.integration.test_wards_budgets import BOSTON_CASTLE, KEPPEL, Wards
from tests.integration.test_wards_budgets import wards as wards  # a fixture, used by name
from tests.support import eventually

APPROVER = "ad.neighbourhoods@example.org"
PARTNER = "keppel.team@syp.example"


async def test_the_approver_is_emailed_when_spend_awaits_them_and_the_members_when_it_is_decided(
    settings_for_test, wards: Wards
):
    approvers = [{"name": "Assistant Director, Housing and Neighbourhood Services", "email": APPROVER}]
    await wards.ok("PUT", "/v1/spend-approvers", wards.officer, approvers)
    await wards.elect(BOSTON_CASTLE, name="Cllr A. Member", email="a.member@example.org")
    await wards.elect(BOSTON_CASTLE, name="Cllr B. Member", email="b.member@example.org")
    await wards.elect(KEPPEL, name="Cllr K. Member", email="k.member@example.org")
    await wards.set_budgets()
    boston = await wards.budget(BOSTON_CASTLE, "revenue")
    keppel = await wards.budget(KEPPEL, "revenue")

    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        await subscribe_email(client, settings, PARTNER, event_types=["wards.#"], wards=[KEPPEL])

        approved = (await wards.request(boston["id"], 30_000, purpose="Litter-picking kit")).json()
        await eventually(partial(mail.arrived, APPROVER), timeout=30)
        (awaiting,) = mail.to(APPROVER)
        assert f"Ward spend request awaiting approval — {BOSTON_CASTLE}" in awaiting["Subject"]
        assert approved["id"] in awaiting.get_content()
        assert "amount_pence: 30000" in awaiting.get_content()

        await wards.ok("POST", f"/v1/spend-requests/{approved['id']}/approve", wards.approver)
        for member in ("a.member@example.org", "b.member@example.org"):
            await eventually(partial(mail.arrived, member), timeout=30)
            (email,) = mail.to(member)
            assert f"Ward spend request approved — {BOSTON_CASTLE}" in email["Subject"]

        refused = (await wards.request(keppel["id"], 5_000, purpose="Hospitality")).json()
        await eventually(partial(mail.arrived, APPROVER, 2), timeout=30)
        await wards.ok("POST", f"/v1/spend-requests/{refused['id']}/refuse", wards.approver, {"reason": "Not funded"})
        await eventually(partial(mail.arrived, "k.member@example.org"), timeout=30)
        (email,) = mail.to("k.member@example.org")
        assert f"Ward spend request refused — {KEPPEL}" in email["Subject"]
        assert "Not funded" not in email.get_content()  # the reason is read through the API, not mailed

        # The partner following Keppel got Keppel's money events, none of Boston Castle's.
        await eventually(partial(mail.arrived, PARTNER, 2), timeout=30)
        told = [m.get_content() for m in mail.to(PARTNER)]
        assert all(KEPPEL in body and BOSTON_CASTLE not in body for body in told)
        assert sorted(
            t for body in told for t in ("requested", "refused") if f"wards.spend_request.{t}.v1" in body
        ) == [
            "refused",
            "requested",
        ]
        assert (
            await scalar(
                app.state.runtime,
                "SELECT count(*) FROM alerts WHERE kind IN ('spend_awaiting_approval', 'spend_decided')"
                " AND status = 'addressed'",
            )
            == 4
        )
        assert len(mail.to("a.member@example.org")) == 1  # told of their own ward's decision only
