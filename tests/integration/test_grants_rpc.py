"""Grants answers other services' calls: ``grants.grantee_contact``, scoped by council, with no contact once erased."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.actions.app import definition as actions_definition
from shared.messaging.rpc import NotFound
from shared.procedures import GRANTEE_CONTACT, Contact, GranteeContact, GranteeContactRequest
from shared.service import Runtime
from tests.integration.test_grants_api import Grants, apply, open_fund
from tests.integration.test_grants_api import grants as grants  # a fixture, used by name
from tests.support import COUNCIL, OTHER_COUNCIL, running_service


@pytest.fixture
async def actions(settings_for_test) -> AsyncIterator[Runtime]:
    """A calling service, running."""
    async with running_service(actions_definition, settings_for_test("actions")) as (app, _):
        yield app.state.runtime


def contact_request(application_id: str, council: str = COUNCIL) -> GranteeContactRequest:
    return GranteeContactRequest(council=council, application_id=application_id)


async def test_a_call_gets_the_grantee_contact_from_the_grants_service(grants: Grants, actions: Runtime):
    fund = await open_fund(grants)
    application = await apply(grants, fund["id"])

    answer = await actions.call(GRANTEE_CONTACT, contact_request(application["id"]), timeout=5)

    assert answer == GranteeContact(
        application_id=application["id"],
        organisation_name="Eastwood Community Group",
        contact=Contact(name="A. Person", email="contact@example.org"),
    )


async def test_the_grantee_contact_is_none_once_the_contact_is_erased(grants: Grants, actions: Runtime):
    fund = await open_fund(grants)
    application = await apply(grants, fund["id"])
    erased = await grants.client.post(f"/v1/applications/{application['id']}/erasure", headers=grants.officer)
    assert erased.status_code == 200, erased.text

    answer = await actions.call(GRANTEE_CONTACT, contact_request(application["id"]), timeout=5)

    assert (answer.organisation_name, answer.contact) == ("Eastwood Community Group", None)


async def test_an_unknown_application_gives_a_typed_not_found(grants: Grants, actions: Runtime):
    with pytest.raises(NotFound) as raised:
        await actions.call(GRANTEE_CONTACT, contact_request("no-such-application"), timeout=5)
    assert raised.value.procedure == "grants.grantee_contact"
    assert "no-such-application" in raised.value.detail


async def test_grants_answers_only_for_the_council_asked_about(grants: Grants, actions: Runtime):
    fund = await open_fund(grants)
    application = await apply(grants, fund["id"])  # a Rotherham application

    with pytest.raises(NotFound):
        await actions.call(GRANTEE_CONTACT, contact_request(application["id"], council=OTHER_COUNCIL), timeout=5)
    # The same question about its own council is answered.
    assert (await actions.call(GRANTEE_CONTACT, contact_request(application["id"]), timeout=5)).contact is not None
