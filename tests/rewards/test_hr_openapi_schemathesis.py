"""schemathesis drives every operation of the HR API's OpenAPI document against the real aiohttp
app.

As `schemathesis run http://…/api/v1/openapi.json --checks all` would, with a bounded number of
examples so it stays under a minute: the app runs on loopback in a thread of its own, over SQLite,
with a programme, two employees and an API key; emails no employee has are asked of a Slack that is
down, so the outage answer (503 with Retry-After) is exercised as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from bot.build.channels import PLATFORMS
from core.approval_requests import ApprovalPolicy
from core.employees import employee_from_row
from core.errors import DirectoryUnavailable
from core.money import Money
from core.platforms import platform_names
from core.rewards import Recipient
from tests.db.conftest import Backend
from tests.live_contract import LiveApp, contract_schema, run_contract
from tests.rewards.conftest import ADA_ROW, GRACE_ROW, KUDOS, build_hr

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names

MAX_EXAMPLES = 25
# The contract's own words: a refusal by a business rule (unknown person, budget, currency) is a
# well-formed request answered 422, and a dependency outage is 503 with Retry-After. A 400 for data
# the schema allows, a 500, or a 2xx for data it forbids is a broken contract. (413: a body over the
# byte limit, which JSON Schema cannot state, e.g. 10,000 long employee rows.)
ACCEPTED_POSITIVE = ["2xx", "401", "404", "409", "413", "422", "503"]
REJECTED_NEGATIVE = ["400", "401", "404", "409", "413", "415", "422"]
NOT_A_SERVER_ERROR = ["2xx", "3xx", "4xx", "503"]


class SlackDown:
    """core.ports.Directory for a Slack that cannot be reached."""

    async def find_by_email(self, email: str) -> Recipient | None:
        raise DirectoryUnavailable("slack", retry_after=5)


class LiveHrApi(LiveApp):
    """The HR API with a programme, two employees and an API key (`key`)."""

    key = ""

    async def build(self, backend: Backend) -> web.Application:
        recognition, _milestones, stores, api_keys, api = build_hr(backend)
        api.people.add_fallback(SlackDown())
        await recognition.budgets.create_programme(replace(KUDOS), "setup")
        await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
        async with (
            backend.database.unit_of_work() as uow
        ):  # large sends wait for approval: the 202 answer too
            await uow.approval_policies.put(
                ApprovalPolicy(KUDOS.id, ("slack:U0BOSS",), above=20_000)
            )
            await uow.commit()
        await stores.employees.upsert(
            [
                employee_from_row(ADA_ROW, platforms=PLATFORM_NAMES),
                employee_from_row(GRACE_ROW, platforms=PLATFORM_NAMES),
            ],
            "setup",
        )
        self.key = await api_keys.create("workday", "cli:operator")
        app = web.Application()
        api.mount(app)
        return app


@pytest.fixture
def live_hr(tmp_path: Path) -> Iterator[LiveHrApi]:
    with LiveHrApi(tmp_path) as live:
        yield live


def test_every_operation_of_the_hr_openapi_keeps_its_contract_under_schemathesis(
    live_hr: LiveHrApi,
) -> None:
    schema = contract_schema(
        f"{live_hr.url}/api/v1/openapi.json",
        live_hr.url,
        live_hr.key,
        MAX_EXAMPLES,
        ACCEPTED_POSITIVE,
        REJECTED_NEGATIVE,
        NOT_A_SERVER_ERROR,
    )

    failures, errors, tested = run_contract(schema)

    # schemathesis leaves out the operation that serves the document it was loaded from (its
    # validity is test_hr_api's test_the_openapi_document_is_valid_openapi_3_1_…); every other is
    # run.
    assert tested == {"POST /api/v1/rewards", "POST /api/v1/employees", "GET /api/v1/milestones"}
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures)
