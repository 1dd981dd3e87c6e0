"""The composition root's channel wiring: the platforms the settings turn on are built, with
rewards, and each hands the outbox its sender and the server its routes and hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from adapters.db import Database
from bot.build.channels import PLATFORMS, ChannelParts, build_channels
from bot.build.gifts import build_giving
from bot.build.lifecycle import Lifecycle
from bot.build.storage import open_database
from bot.rewards import build_rewards
from bot.settings import Settings, load_settings
from bot.tls import OutgoingTrust
from core.catalog import Catalog
from core.checkout import Checkout
from core.pacing import MemoryTokenBuckets
from tests.fakes import FakeGateway, FakeProvider, FixedClock, SequentialIds
from tests.unit.conftest import BOOKS

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture(autouse=True)
def no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await open_database(load_settings(_env_file=None, data_dir=tmp_path))
    yield opened
    await opened.dispose()


def _parts(settings: Settings, database: Database) -> ChannelParts:
    clock = FixedClock()
    rewards = build_rewards(settings, database, clock, SequentialIds(), platforms=PLATFORMS)
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog([BOOKS]),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=SequentialIds(),
        public_base_url=settings.public_base_url,
    )
    life = Lifecycle()
    giving = build_giving(settings, database, checkout, clock, rewards.people, life)
    return ChannelParts(
        settings=settings,
        checkout=checkout,
        rewards=rewards,
        gifts=giving.gifts,
        group_gifts=giving.group_gifts,
        buckets=MemoryTokenBuckets(),
        trust=OutgoingTrust.of(settings),
        installer=None,
    )


async def test_without_slack_settings_only_teams_is_built_and_mounted(
    tmp_path: Path, database: Database
) -> None:
    life = Lifecycle()
    settings = load_settings(_env_file=None, data_dir=tmp_path)

    senders = build_channels(_parts(settings, database), life)

    app = web.Application()
    for mount in life.mounts:
        mount(app)
    assert set(senders) == {"teams"}
    assert _posts(app) == {"/api/messages"}


async def test_with_a_slack_signing_secret_both_platforms_are_built_and_slack_closes_on_stop(
    tmp_path: Path, database: Database
) -> None:
    life = Lifecycle()
    settings = load_settings(
        _env_file=None,
        data_dir=tmp_path,
        slack_signing_secret=SIGNING_SECRET,
        slack_bot_token="xoxb-voucherbot-test",
    )

    senders = build_channels(_parts(settings, database), life)

    app = web.Application()
    for mount in life.mounts:
        mount(app)
    assert set(senders) == {"teams", "slack"}
    assert {"/api/messages", "/slack/events"} <= _posts(app)
    assert life.on_start == []  # no Socket Mode without an app token
    for stop in reversed(life.on_stop):
        await stop()


def _posts(app: web.Application) -> set[str]:
    return {
        route.resource.canonical
        for route in app.router.routes()
        if route.method == "POST" and route.resource is not None
    }


async def test_the_reward_side_gets_the_platform_registry_from_the_composition_root(
    tmp_path: Path, database: Database
) -> None:
    rewards = _parts(load_settings(_env_file=None, data_dir=tmp_path), database).rewards

    assert rewards.platforms == PLATFORMS
    assert rewards.hr_api.platforms == ("teams", "slack")  # the employee import's platform check
