"""schemathesis drives every operation of the SCIM server's OpenAPI document against the real
aiohttp app.

As `schemathesis run http://…/scim/v2/openapi.json --checks all` would, with a bounded number of
examples so it stays under a minute: the app runs on loopback in a thread of its own, over SQLite,
with the SCIM bearer token. The {id} operations meet real users too: schemathesis reuses the ids its
POSTs were given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from adapters.scim import ScimApi
from core.money import Money
from tests.db.conftest import Backend
from tests.hris.conftest import KUDOS, SCIM_TOKEN, SlackByEmail, hr_people
from tests.live_contract import LiveApp, contract_schema, run_contract

MAX_EXAMPLES = 20
# RFC 7644's words: a resource the schema allows may still be refused by a rule JSON Schema cannot
# state (a userName taken, 409; a stale If-Match, 412; an id no user has, 404). A 400 for data the
# schema allows, a 500, or a 2xx for data it forbids is a broken contract.
ACCEPTED_POSITIVE = ["2xx", "304", "401", "404", "409", "412"]
REJECTED_NEGATIVE = ["400", "401", "404", "405", "409", "412", "415"]
NOT_A_SERVER_ERROR = ["2xx", "3xx", "4xx"]
OPERATIONS = {
    "GET /scim/v2/Users",
    "POST /scim/v2/Users",
    "GET /scim/v2/Users/{id}",
    "PUT /scim/v2/Users/{id}",
    "PATCH /scim/v2/Users/{id}",
    "DELETE /scim/v2/Users/{id}",
    "GET /scim/v2/ServiceProviderConfig",
    "GET /scim/v2/ResourceTypes",
    "GET /scim/v2/ResourceTypes/{id}",
    "GET /scim/v2/Schemas",
    "GET /scim/v2/Schemas/{id}",
}


class LiveScim(LiveApp):
    """The SCIM server, with the bearer token SCIM_TOKEN."""

    async def build(self, backend: Backend) -> web.Application:
        recognition, people, _ = hr_people(backend, SlackByEmail())
        await recognition.budgets.create_programme(replace(KUDOS), "setup")
        await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
        api = ScimApi(
            backend.database.pushed_users(), people, SCIM_TOKEN, backend.clock, "https://vb.example"
        )
        app = web.Application()
        api.mount(app)
        return app


@pytest.fixture
def live_scim(tmp_path: Path) -> Iterator[LiveScim]:
    with LiveScim(tmp_path) as live:
        yield live


def test_every_operation_of_the_scim_openapi_keeps_its_contract_under_schemathesis(
    live_scim: LiveScim,
) -> None:
    schema = contract_schema(
        f"{live_scim.url}/scim/v2/openapi.json",
        live_scim.url,
        SCIM_TOKEN,
        MAX_EXAMPLES,
        ACCEPTED_POSITIVE,
        REJECTED_NEGATIVE,
        NOT_A_SERVER_ERROR,
    )

    failures, errors, tested = run_contract(schema)

    assert tested == OPERATIONS
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures)
