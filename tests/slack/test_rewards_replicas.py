"""Reward confirmations live in the database: a Send click may reach another replica, or a restarted
one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.db import Database
from adapters.slack import build_slack
from core.catalog import Catalog
from core.checkout import Checkout
from core.delivery import Relay
from core.money import Money
from core.recognition import Recognition
from core.rewards import Programme
from tests.db.conftest import Backend, backend  # noqa: F401 - the fixture, on SQLite and PostgreSQL
from tests.fake_slack import FakeSlack
from tests.fakes import FakeGateway, FakeProvider, FixedClock, MemoryStore, SequentialIds
from tests.slack.conftest import (
    ADA,
    BOT_TOKEN,
    GRACE,
    HR,
    KUDOS,
    PUBLIC_BASE_URL,
    SAMPLE,
    SIGNING_SECRET,
    SlackWorld,
    add_colleagues,
    clicked,
)
from tests.slack.test_requests import section_texts

TWO = f"<@{ADA}|ada> <@{GRACE}|grace> 25 Kept the harbour lights on"


@asynccontextmanager
async def replica(
    database: Database, clock: FixedClock, fake: FakeSlack
) -> AsyncIterator[SlackWorld]:
    """One bot process: its own core objects and Bolt app, sharing only the database and Slack."""
    ids = SequentialIds()
    recognition = Recognition(
        uow=database.unit_of_work, clock=clock, ids=ids, configured_admins={f"slack:{HR}"}
    )
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog(SAMPLE),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=ids,
        public_base_url=PUBLIC_BASE_URL,
    )
    channel = build_slack(
        checkout,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        api_url=fake.api_url,
        public_base_url=PUBLIC_BASE_URL,
        recognition=recognition,
        confirmations=database.pending_confirmations(),
    )
    relay = Relay(
        uow=database.unit_of_work,
        catalog=lambda: checkout.catalog,
        senders={"slack": channel.sender},
        clock=clock,
        checkout_url=checkout.checkout_url,
    )
    app = web.Application()
    channel.mount(app)
    http = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await http.start_server()
    try:
        # The in-memory store is unused: this replica keeps everything in the shared database.
        yield SlackWorld(
            http,
            fake,
            channel,
            checkout,
            relay,
            MemoryStore(),
            clock,
            FakeGateway(),
            FakeProvider(),
            recognition,
        )
    finally:
        await http.close()


async def _setup(on: Backend, fake: FakeSlack) -> None:
    add_colleagues(fake)
    setup = Recognition(uow=on.database.unit_of_work, clock=on.clock, ids=SequentialIds())
    await setup.budgets.create_programme(
        Programme(KUDOS, "Kudos", "USD", per_reward_limit=5000), "setup"
    )
    await setup.budgets.credit(KUDOS, Money(10_000, "USD"), "setup")


async def _rewarded(on: Backend) -> list[str]:
    found = []
    for user in (ADA, GRACE):
        async with on.database.unit_of_work() as uow:
            found += [
                r.recipient.user_id
                for r in await uow.rewards.list_for_recipient(f"slack:T0VB:{user}")
            ]
    return found


async def test_a_confirmation_shown_by_one_replica_is_sent_by_another_and_a_later_click_sees_the_outcome(
    backend: Backend,
    fake_slack: FakeSlack,
) -> None:
    await _setup(backend, fake_slack)
    async with (
        replica(backend.database, backend.clock, fake_slack) as first,
        replica(backend.database, backend.clock, fake_slack) as second,
    ):
        await first.reward(TWO, user=HR, response_url="cmd")
        confirmation = await first.wait_for_response("cmd")
        send = clicked(confirmation["blocks"], "vb_reward_send")

        await second.action(send, user=HR, response_url="sent-by-second")
        summary = await second.wait_for_response("sent-by-second")
        await first.action(send, user=HR, response_url="again-on-first")
        again = await first.wait_for_response("again-on-first")
        await first.settle()
        await second.settle()

    assert (
        "Sent 2 rewards of $25" in section_texts(summary["blocks"]) and summary["replace_original"]
    )
    assert again["blocks"] == summary["blocks"]
    assert sorted(await _rewarded(backend)) == [ADA, GRACE]  # sent once, though clicked on both


async def test_a_confirmation_survives_a_restart_and_a_cancelled_one_stays_cancelled_on_every_replica(
    backend: Backend,
    fake_slack: FakeSlack,
) -> None:
    await _setup(backend, fake_slack)
    async with replica(backend.database, backend.clock, fake_slack) as before_restart:
        await before_restart.reward(TWO, user=HR, response_url="kept", trigger="901.1.trigger")
        kept = await before_restart.wait_for_response("kept")
        await before_restart.reward(TWO, user=HR, response_url="dropped", trigger="902.1.trigger")
        dropped = await before_restart.wait_for_response("dropped")
        await before_restart.action(
            clicked(dropped["blocks"], "vb_reward_cancel"), user=HR, response_url="no"
        )
        await before_restart.wait_for_response("no")
        await before_restart.settle()

    async with replica(backend.database, backend.clock, fake_slack) as after_restart:
        await after_restart.action(
            clicked(dropped["blocks"], "vb_reward_send"), user=HR, response_url="late"
        )
        late = await after_restart.wait_for_response("late")
        await after_restart.action(
            clicked(kept["blocks"], "vb_reward_send"), user=HR, response_url="sent"
        )
        sent = await after_restart.wait_for_response("sent")
        await after_restart.settle()

    assert "expired" in late["text"]
    assert "Sent 2 rewards of $25" in section_texts(sent["blocks"])
    assert sorted(await _rewarded(backend)) == [ADA, GRACE]
