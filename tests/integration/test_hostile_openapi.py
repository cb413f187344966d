"""Each service's OpenAPI declares its bearer scheme and, per operation, whether a token is needed and
which roles may call it; what it declares is what the service enforces."""

from __future__ import annotations

import re

from shared.auth import ROLES
from shared.docs import load_definitions
from tests.support import running_service, token

PUBLIC = {"/healthz", "/readyz", "/metrics", "/asyncapi", "/asyncapi.json"}
# What neighbourhood working publishes for residents (published ward plans, place profiles): no token, by design.
PUBLIC_PREFIX = "/v1/public/"


async def test_every_operation_but_the_public_ones_declares_the_bearer_scheme_and_the_roles_it_enforces(
    settings_for_test,
):
    for name, definition in load_definitions().items():
        settings = settings_for_test(name)
        async with running_service(definition, settings) as (_, client):
            document = (await client.get("/openapi.json")).json()
            scheme = document["components"]["securitySchemes"]["bearer"]
            assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
            secured = 0
            for path, operations in document["paths"].items():
                url = re.sub(r"\{[^}]+\}", "x", path)
                for method, operation in operations.items():
                    where = f"{name}: {method.upper()} {path}"
                    if path in PUBLIC or path.startswith(PUBLIC_PREFIX):
                        assert "security" not in operation, where
                        answer = await client.request(method, url)
                        assert answer.status_code != 401, where
                        continue
                    [requirement] = operation.get("security", [None])
                    assert requirement is not None and list(requirement) == ["bearer"], where
                    secured += 1
                    assert (await client.request(method, url)).status_code == 401, where
                    roles = requirement["bearer"]
                    assert set(roles) <= set(ROLES), where
                    if roles:
                        assert "admin" in roles, where  # admin passes every role check
                        outsider = next(r for r in ROLES if r not in roles)
                        refused = await client.request(method, url, headers=token(settings, outsider))
                        assert refused.status_code == 403, (where, outsider, refused.text)
                        assert {"401", "403", "503"} <= set(operation["responses"]), where
            assert secured > 5, name
