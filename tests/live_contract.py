"""What the schemathesis contract tests share: an aiohttp app served on loopback from a thread of
its own (over SQLite), and one schemathesis run with every check, reported as readable failures."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Self

import schemathesis
from aiohttp import web
from schemathesis.engine import Status, from_schema
from schemathesis.engine import events as engine_events

from adapters.db import Database, VoucherCipher
from tests.db.conftest import KEY, Backend
from tests.fakes import FixedClock


class LiveApp:
    """The app that `build` returns, on 127.0.0.1 in a thread with its own event loop, as the server
    runs it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.url = ""
        self.failure: BaseException | None = None

    async def build(self, backend: Backend) -> web.Application:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        assert self._ready.wait(30), f"{type(self).__name__} did not start"
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
            runner = await self._start(
                Backend(database, clock, url, None, self._folder / "voucherbot.db")
            )
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
        runner = web.AppRunner(await self.build(backend))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return runner


def contract_schema(
    document_url: str,
    base_url: str,
    token: str,
    max_examples: int,
    accepted: list[str],
    rejected: list[str],
    not_a_server_error: list[str],
) -> object:
    """The document as `schemathesis run … --checks all` would load it, seeded, without the stateful
    phase."""
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261206,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {"max-examples": max_examples, "mode": "all"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": accepted},
                "negative_data_rejection": {"expected-statuses": rejected},
                "not_a_server_error": {"expected-statuses": not_a_server_error},
            },
            "request-timeout": 10,
        }
    )
    schema = schemathesis.openapi.from_url(document_url, config=config)
    schema.config.update(base_url=base_url)
    return schema


def run_contract(schema: object) -> tuple[list[str], list[str], set[str]]:
    """Every failed check (with its curl sample), every engine error, and the operations that
    ran."""
    failures: list[str] = []
    errors: list[str] = []
    tested: set[str] = set()
    for event in from_schema(schema).execute():  # type: ignore[arg-type]
        if isinstance(event, engine_events.NonFatalError | engine_events.FatalError):
            errors.append(
                f"{getattr(event, 'label', '')}: "
                f"{event.info.format() if hasattr(event, 'info') else event}"
            )
        if not isinstance(event, engine_events.ScenarioFinished):
            continue
        if event.recorder.label:
            tested.add(event.recorder.label)
        for checks in event.recorder.checks.values():
            for check in checks:
                if check.status is Status.FAILURE and check.failure_info is not None:
                    info = check.failure_info
                    failures.append(
                        f"{check.name} on {event.recorder.label}: {info.failure.title}\n"
                        f"{info.failure.message}\n{info.code_sample[:800]}"
                    )
    return failures, errors, tested
