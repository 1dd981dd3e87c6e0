"""Slack end to end: signed requests into the real server, Block Kit out to a strict fake Slack,
paid by card.

The server runs with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_API_URL pointing at the fake
Web API, and STRIPE_* pointing at the test's localstripe. Requests are signed exactly as Slack signs
them.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio

from adapters.i18n import localizer
from adapters.stripe_local import LocalStripe
from core.orders import OrderStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.world import BotDatabase, eventually, sample_product
from tests.fake_slack import FakeSlack, PostedMessage
from tests.localstripe_server import confirm_server_side
from tests.slack.conftest import (
    BOT_TOKEN,
    FIXTURES,
    SIGNING_SECRET,
    TEAM,
    block_actions,
    clicked,
    element,
    sign,
    slash_command,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOOKS = sample_product("quiet-harbour-books")  # GBP 10/20/50, expires 730 days after issue
FORM = "application/x-www-form-urlencoded"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, fake_slack: FakeSlack
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


@dataclass
class SlackUser:
    """A person in #e2e sending signed requests to the real server, as Slack would on their
    behalf."""

    bot: BotProcess
    fake: FakeSlack
    http: aiohttp.ClientSession
    user_id: str
    channel: str = "C0E2E"

    @property
    def key(self) -> str:
        return f"slack:{TEAM}:{self.user_id}"

    @property
    def dm(self) -> str:
        return f"D{self.user_id}"  # what the fake's conversations.open answers

    async def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        signing: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        all_headers = {
            "Content-Type": content_type,
            **(sign(body) if signing is None else signing),
            **(headers or {}),
        }
        async with self.http.post(
            f"{self.bot.url}/slack/events", data=body.encode(), headers=all_headers
        ) as response:
            payload = (
                await response.json()
                if response.content_type == "application/json"
                else await response.text()
            )
            return response.status, payload

    def command_body(self, text: str, response_url: str, trigger: str = "") -> str:
        return slash_command(
            self.fake,
            text,
            user=self.user_id,
            channel=self.channel,
            response_url=response_url,
            trigger=trigger or f"{time.monotonic_ns()}.1.trigger",
        )

    async def command(self, text: str, response_url: str, **options: Any) -> tuple[int, Any]:
        trigger = options.pop("trigger", "")
        return await self.post(self.command_body(text, response_url, trigger), FORM, **options)

    async def click(self, action: dict[str, Any], response_url: str) -> dict[str, Any]:
        """Press a button in an ephemeral message in the channel; returns what the bot answered
        there."""
        payload = block_actions(
            self.fake,
            action,
            user=self.user_id,
            channel=self.channel,
            message_ts="1700000100.000100",
            ephemeral=True,
            response_url=response_url,
            state=None,
        )
        status, _ = await self.post(urlencode({"payload": json.dumps(payload)}), FORM)
        assert status == 200
        return await self.response(response_url)

    async def response(self, name: str, count: int = 1) -> dict[str, Any]:
        await eventually(
            lambda: len(self.fake.responses_to(name)) >= count,
            what=f"a reply at response_url {name}",
        )
        return self.fake.responses_to(name)[count - 1].args

    async def open_home(self) -> int:
        envelope = json.loads(
            (FIXTURES / "payloads" / "app_home_opened.event_callback.slack_docs.json").read_text()
        )
        envelope["team_id"] = TEAM
        envelope["event"].update(user=self.user_id, tab="home", channel=self.dm)
        envelope["event"]["view"]["team_id"] = TEAM
        envelope["authorizations"][0].update(team_id=TEAM, user_id="U0BOT", is_bot=True)
        status, _ = await self.post(json.dumps(envelope), "application/json")
        return status

    def vouchers_in_dm(self) -> list[PostedMessage]:
        return [
            m for m in self.fake.messages_in(self.dm) if m.text.endswith("voucher (£20) is ready")
        ]


def block_text(blocks: list[dict[str, Any]]) -> str:
    """Every text a person sees in blocks (sections, fields, context, headers, buttons)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(blocks)
    return "\n".join(found)


def titled(blocks: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """What Slack sends when the button labelled `title` is clicked."""
    for block in blocks:
        for candidate in block.get("elements") or []:
            if (candidate.get("text") or {}).get("text") == title:
                return clicked(blocks, candidate["action_id"])
    raise AssertionError(f"no button {title!r} in the blocks")


@dataclass(frozen=True)
class Paid:
    user: SlackUser
    order_id: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def paid(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> Paid:
    """Ada: `/vouchers quiet harbour` → Choose → Buy £20 → Pay → card payment → voucher
    delivered."""
    ada = SlackUser(bot, fake_slack, http, "U0E2EADA")
    status, catalog = await ada.command("quiet harbour", "ada-command")
    assert status == 200 and fake_slack.check_message(catalog, "/vouchers") == []
    assert "Quiet Harbour Books" in block_text(catalog["blocks"])
    product = await ada.click(clicked(catalog["blocks"], "vb_choose:0"), "ada-choose")
    summary = await ada.click(titled(product["blocks"], "Buy £20"), "ada-buy")
    order = await db.only_order_of(ada.key)
    assert order.status is OrderStatus.AWAITING_PAYMENT and order.payment_intent_id
    assert (
        element(summary["blocks"], "vb_pay")["url"] == f"{bot.url}/checkout/{order.checkout_token}"
    )

    assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the Slack voucher to be delivered")
    return Paid(ada, order.id)


async def test_a_paid_slack_order_sends_the_voucher_to_its_owners_dm_with_code_and_expiry(
    paid: Paid, db: BotDatabase
) -> None:
    voucher = await db.voucher(paid.order_id)
    assert voucher is not None

    (message,) = paid.user.vouchers_in_dm()

    text = block_text(message.blocks)
    assert f"`{voucher.code}`" in text and paid.order_id in text
    assert localizer("en-US").date(voucher.expires_on) in text
    assert voucher.expires_on == BOOKS.expiry.expires_on(voucher.issued_at.date())
    assert voucher.code not in message.text  # the notification preview never shows the code
    assert [c.args["users"] for c in paid.user.fake.calls_to("conversations.open")] == [
        paid.user.user_id
    ]


async def test_the_order_message_in_the_channel_is_updated_in_place_to_voucher_ready(
    paid: Paid,
) -> None:
    replaced = [
        r.args
        for r in paid.user.fake.responses_to("ada-buy")
        if r.args.get("replace_original") is True
    ]

    assert replaced[0]["text"] == "Quiet Harbour Books £20: Awaiting payment"
    assert replaced[-1]["text"] == "Quiet Harbour Books £20: Voucher ready"


async def test_vouchers_mine_shows_the_voucher_with_its_code_and_expiry(
    paid: Paid, db: BotDatabase
) -> None:
    voucher = await db.voucher(paid.order_id)
    assert voucher is not None

    status, _ = await paid.user.command("mine", "ada-wallet")
    wallet = await paid.user.response("ada-wallet")

    assert status == 200
    text = block_text(wallet["blocks"])
    assert (
        f"`{voucher.code}`" in text
        and f"Active · expires {localizer('en-US').date(voucher.expires_on)}" in text
    )


async def test_app_home_shows_the_voucher_in_the_wallet(paid: Paid, db: BotDatabase) -> None:
    voucher = await db.voucher(paid.order_id)
    assert voucher is not None

    status = await paid.user.open_home()
    view = await eventually(
        lambda: paid.user.fake.views.get(paid.user.user_id), what="the App Home view"
    )

    assert status == 200 and view["type"] == "home"
    text = block_text(view["blocks"])
    # App Home may be on a shared screen: the code hides behind Reveal, its last characters show.
    assert (
        "Quiet Harbour Books" in text
        and voucher.code not in text
        and f"••••{voucher.code[-4:]}" in text
        and localizer("en-US").date(voucher.expires_on) in text
    )
    assert element(view["blocks"], "vb_reveal:0")["value"] == paid.order_id
    assert element(view["blocks"], "vb_browse")["text"]["text"] == "Browse vouchers"


async def test_unsigned_badly_signed_and_stale_requests_get_401_and_nothing_happens(
    bot: BotProcess, db: BotDatabase, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    mallory = SlackUser(bot, fake_slack, http, "U0E2EMAL")
    body = mallory.command_body(f"buy {BOOKS.id} 20", "mallory")
    calls_before = len(fake_slack.calls)

    statuses = [
        (await mallory.post(body, FORM, signing={}))[0],
        (
            await mallory.post(
                body, FORM, signing={**sign(body), "X-Slack-Signature": "v0=" + "0" * 64}
            )
        )[0],
        (await mallory.post(body, FORM, signing=sign(body, int(time.time()) - 600)))[0],
        (await mallory.post(body, FORM, signing=sign(body, secret="not-the-signing-secret")))[0],
        (await mallory.post(body + "&text=buy+more", FORM, signing=sign(body)))[0],
    ]

    assert statuses == [401] * 5
    assert await db.orders_of(mallory.key) == []
    assert len(fake_slack.calls) == calls_before and fake_slack.responses_to("mallory") == []


async def test_a_retried_slash_command_creates_one_order(
    bot: BotProcess, db: BotDatabase, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    grace = SlackUser(bot, fake_slack, http, "U0E2EGRACE")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

    first, _ = await grace.command(f"buy {BOOKS.id} 20", "grace-buy", trigger="e2e-777.1.trigger")
    again, _ = await grace.command(
        f"buy {BOOKS.id} 20", "grace-buy", trigger="e2e-777.1.trigger", headers=retry
    )
    answers = [await grace.response("grace-buy", n) for n in (1, 2)]

    assert first == again == 200
    order = await db.only_order_of(grace.key)
    assert order.status is OrderStatus.AWAITING_PAYMENT
    pay_links = {element(a["blocks"], "vb_pay")["url"] for a in answers}
    assert pay_links == {f"{bot.url}/checkout/{order.checkout_token}"}
