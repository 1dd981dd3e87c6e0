"""schemathesis drives every operation of the SCIM server's OpenAPI document against the real aiohttp app.

As `schemathesis run http://…/scim/v2/openapi.json --checks all` would, with a bounded number of examples
so it stays under a minute: the app runs on loopback in a thread of its own, over SQLite, with the SCIM
bearer token. The {id} operations meet real users too: schemathesis reuses the ids its POSTs were given.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Self

import pytest
import schemathesis
from aiohttp import web

from adapters.db import Database, VoucherCipher
from adapters.scim import ScimApi
from core.money import Money
from tests.db.conftest import KEY, Backend
from tests.fakes import FixedClock
from tests.hris.conftest import KUDOS, SCIM_TOKEN, SlackByEmail, hr_people
from tests.rewards.test_hr_openapi_schemathesis import _run

MAX_EXAMPLES = 20
# RFC 7644's words: a resource the schema allows may still be refused by a rule JSON Schema cannot state
# (a userName taken, 409; a stale If-Match, 412; an id no user has, 404). A 400 for data the schema
# allows, a 500, or a 2xx for data it forbids is a broken contract.
ACCEPTED_POSITIVE = ["2xx", "304", "401", "404", "409", "412"]
REJECTED_NEGATIVE = ["400", "401", "404", "405", "409", "412", "415"]
NOT_A_SERVER_ERROR = ["2xx", "3xx", "4xx"]
OPERATIONS = {
    "GET /scim/v2/Users", "POST /scim/v2/Users", "GET /scim/v2/Users/{id}", "PUT /scim/v2/Users/{id}",
    "PATCH /scim/v2/Users/{id}", "DELETE /scim/v2/Users/{id}", "GET /scim/v2/ServiceProviderConfig",
    "GET /scim/v2/ResourceTypes", "GET /scim/v2/ResourceTypes/{id}", "GET /scim/v2/Schemas",
    "GET /scim/v2/Schemas/{id}",
}


class LiveScim:
    """The SCIM server on 127.0.0.1 in a thread with its own event loop, as the server runs it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.url = ""
        self.failure: BaseException | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        assert self._ready.wait(30), "the SCIM server did not start"
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
        recognition, people, _ = hr_people(backend, SlackByEmail())
        await recognition.create_programme(replace(KUDOS), "setup")
        await recognition.credit(KUDOS.id, Money(100_000, "USD"), "setup")
        api = ScimApi(backend.database.pushed_users(), people, SCIM_TOKEN, backend.clock, "https://vb.example")
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
def live_scim(tmp_path: Path) -> Iterator[LiveScim]:
    with LiveScim(tmp_path) as live:
        yield live


def test_every_operation_of_the_scim_openapi_keeps_its_contract_under_schemathesis(live_scim: LiveScim) -> None:
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261206,
            "headers": {"Authorization": f"Bearer {SCIM_TOKEN}"},
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
    schema = schemathesis.openapi.from_url(f"{live_scim.url}/scim/v2/openapi.json", config=config)
    schema.config.update(base_url=live_scim.url)

    failures, errors, tested = _run(schema)

    assert tested == OPERATIONS
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures)
