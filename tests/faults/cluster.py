"""A voucherbot deployment in miniature: replicas on one database, fake platforms behind chaos
proxies.

Each replica is a real `voucherbot serve` process. Slack's Web API and the Bot Connector are the
suite's strict fakes, each behind a ChaosProxy the test can make misbehave; Stripe is a localstripe
this process runs (the replicas create PaymentIntents in it) plus webhook events the test signs
itself. Requests go through `Cluster.request`, a round-robin load balancer that, like a real one,
tries the next replica when one does not answer and says 502 when none does.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.stripe_local import LocalStripe
from tests.e2e.bot_process import BotProcess
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack
from tests.faults.chaos import ChaosProxy
from tests.faults.databases import DatabaseUnderTest
from tests.localstripe_server import TEST_PUBLISHABLE_KEY, TEST_SECRET_KEY, WEBHOOK_SECRET
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET

ENCRYPTION_KEY = VoucherCipher.generate_key()
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class Platforms:
    """The outside world the replicas talk to, and the proxies between them and it."""

    slack: FakeSlack
    connector: FakeConnector
    local: LocalStripe
    slack_proxy: ChaosProxy
    teams_proxy: ChaosProxy

    @classmethod
    async def start(cls, local: LocalStripe) -> Platforms:
        slack = await FakeSlack().start()
        connector = FakeConnector()
        await connector.start()
        slack_proxy = await ChaosProxy(slack.base_url).start()
        teams_proxy = await ChaosProxy(connector.url).start()
        return cls(slack, connector, local, slack_proxy, teams_proxy)

    async def close(self) -> None:
        for proxy in (self.slack_proxy, self.teams_proxy):
            await proxy.close()
        await self.slack.close()
        await self.connector.close()

    def outage(self, seconds: float) -> None:
        """Slack and Teams both throttle, fail and stall for the next `seconds`."""
        self.slack_proxy.outage(seconds)
        self.teams_proxy.outage(seconds)

    def problems(self) -> list[str]:
        """What the strict fakes refused (invalid blocks, cards, unknown activities): must stay
        empty."""
        return [*self.slack.errors, *self.connector.errors]


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


class Cluster:
    """`replicas` server processes sharing `database`, with settings for this run on top of the
    defaults."""

    def __init__(
        self,
        database: DatabaseUnderTest,
        platforms: Platforms,
        folder: Path,
        *,
        replicas: int,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.database = database
        self.platforms = platforms
        env = {
            "DATABASE_URL": database.url,
            "VOUCHER_ENCRYPTION_KEY": ENCRYPTION_KEY.decode(),
            "STRIPE_SECRET_KEY": TEST_SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": TEST_PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": platforms.local.url,
            "STRIPE_JS_URL": platforms.local.js_url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": f"{platforms.slack_proxy.url}/api/",
            **(settings or {}),
        }
        self.replicas = [BotProcess(folder, env) for _ in range(replicas)]
        self.reader = Database(database.url, VoucherCipher(ENCRYPTION_KEY))
        self.http = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        self._turn = itertools.count()

    async def start(self) -> Cluster:
        await self.database.create()
        # Replicas start together, as after a deploy: both run the migrations (serialised by a
        # lock).
        await asyncio.gather(*(replica.start(timeout=60) for replica in self.replicas))
        return self

    async def stop(self) -> list[int]:
        """Graceful shutdown of every replica; their exit codes."""
        codes = [await replica.stop() for replica in self.replicas]
        await self.http.close()
        await self.reader.dispose()
        await self.database.drop()
        return codes

    async def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Through the load balancer: the next replica, or the one after if it does not answer."""
        for _ in self.replicas:
            replica = self.replicas[next(self._turn) % len(self.replicas)]
            # A stream per attempt: aiohttp warns that large raw bytes block the event loop while
            # sent.
            body = io.BytesIO(data) if data is not None else None
            try:
                async with self.http.request(
                    method, replica.url + path, data=body, headers=dict(headers or {})
                ) as response:
                    return Answer(response.status, await response.read(), dict(response.headers))
            except (aiohttp.ClientConnectionError, TimeoutError):
                continue
        return Answer(502, b"no replica answered")

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        return await self.request("POST", path, data=body, headers=headers)

    def log_entries(self) -> list[dict[str, Any]]:
        """Every JSON log line of every replica (restarts included)."""
        entries = []
        for log_path in {replica.log_path for replica in self.replicas}:
            for line in log_path.read_text(errors="replace").splitlines():
                try:
                    entries.append(json.loads(line))
                except ValueError:  # the startup banner, or a line cut short by SIGKILL
                    continue
        return [entry for entry in entries if isinstance(entry, dict)]

    def unhandled_errors(self) -> list[dict[str, Any]]:
        """Error-level log entries that carry a traceback: exceptions nobody expected."""
        return [
            e
            for e in self.log_entries()
            if e.get("level") in ("error", "critical") and e.get("traceback")
        ]
