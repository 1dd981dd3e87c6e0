"""schemathesis drives every operation of the HR API's OpenAPI document against the real aiohttp app.

As `schemathesis run http://…/api/v1/openapi.json --checks all` would, with a bounded number of
examples so it stays under a minute: the app runs on loopback in a thread of its own, over SQLite,
with a programme, two employees and an API key; emails no employee has are asked of a Slack that is
down, so the outage answer (503 with Retry-After) is exercised as well.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import schemathesis
from aiohttp import web
from schemathesis.engine import Status, from_schema
from schemathesis.engine import events as engine_events

from adapters.db import Database, VoucherCipher
from core.approvals import ApprovalPolicy
from core.employees import employee_from_row
from core.errors import DirectoryUnavailable
from core.money import Money
from core.rewards import Recipient
from tests.db.conftest import KEY, Backend
from tests.fakes import FixedClock
from tests.rewards.conftest import ADA_ROW, GRACE_ROW, KUDOS, build_hr

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


class LiveHrApi:
    """The HR API on 127.0.0.1 in a thread with its own event loop, as the server runs it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.url = ""
        self.key = ""
        self.failure: BaseException | None = None

    def __enter__(self) -> LiveHrApi:
        self._thread.start()
        assert self._ready.wait(30), "the HR API did not start"
        if self.failure is not None:
            raise self.failure
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        clock = FixedClock()
        url = f"sqlite+aiosqlite:///{self._folder / 'voucherbot.db'}"
        database = Database(url, VoucherCipher(KEY), clock=clock)
        try:
            await database.upgrade()
            runner = await self._start(Backend(database, clock, url, None, self._folder / "voucherbot.db"))
        except BaseException as exc:
            self.failure = exc
            self._ready.set()
            await database.dispose()
            raise
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
            await database.dispose()

    async def _start(self, backend: Backend) -> web.AppRunner:
        recognition, _milestones, stores, api_keys, api = build_hr(backend)
        api.people.add_fallback(SlackDown())
        await recognition.create_programme(replace(KUDOS), "setup")
        await recognition.credit(KUDOS.id, Money(100_000, "USD"), "setup")
        async with backend.database.unit_of_work() as uow:  # large sends wait for approval: the 202 answer too
            await uow.approval_policies.put(ApprovalPolicy(KUDOS.id, ("slack:U0BOSS",), above=20_000))
            await uow.commit()
        await stores.employees.upsert([employee_from_row(ADA_ROW), employee_from_row(GRACE_ROW)], "setup")
        self.key = await api_keys.create("workday", "cli:operator")
        app = web.Application()
        api.mount(app)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return runner


@pytest.fixture
def live_hr(tmp_path: Path) -> Iterator[LiveHrApi]:
    with LiveHrApi(tmp_path) as live:
        yield live


def test_every_operation_of_the_hr_openapi_keeps_its_contract_under_schemathesis(live_hr: LiveHrApi) -> None:
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261206,
            "headers": {"Authorization": f"Bearer {live_hr.key}"},
            "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ACCEPTED_POSITIVE},
                "negative_data_rejection": {"expected-statuses": REJECTED_NEGATIVE},
                "not_a_server_error": {"expected-statuses": NOT_A_SERVER_ERROR},
            },
            "request-timeout": 10,
        }
    )
    schema = schemathesis.openapi.from_url(f"{live_hr.url}/api/v1/openapi.json", config=config)
    schema.config.update(base_url=live_hr.url)

    failures, errors, tested = _run(schema)

    # schemathesis leaves out the operation that serves the document it was loaded from (its
    # validity is test_hr_api's test_the_openapi_document_is_valid_openapi_3_1_…); every other is run.
    assert tested == {"POST /api/v1/rewards", "POST /api/v1/employees", "GET /api/v1/milestones"}
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures)


def _run(schema: object) -> tuple[list[str], list[str], set[str]]:
    failures: list[str] = []
    errors: list[str] = []
    tested: set[str] = set()
    for event in from_schema(schema).execute():  # type: ignore[arg-type]
        if isinstance(event, engine_events.NonFatalError | engine_events.FatalError):
            errors.append(f"{getattr(event, 'label', '')}: {event.info.format() if hasattr(event, 'info') else event}")
        if not isinstance(event, engine_events.ScenarioFinished):
            continue
        if event.recorder.label:
            tested.add(event.recorder.label)
        for case_id, checks in event.recorder.checks.items():
            for check in checks:
                if check.status is Status.FAILURE and check.failure_info is not None:
                    info = check.failure_info
                    failures.append(f"{check.name} on {event.recorder.label}: {info.failure.title}\n"
                                    f"{info.failure.message}\n{info.code_sample[:800]}")
    return failures, errors, tested
