"""Teams with real Bot Framework credentials, end to end: nothing is switched off and the SDK is not
patched.

The test plays Microsoft's identity services on loopback (tests.fake_identity): Teams' tokens are
signed with a key of the test's own and published through an OpenID metadata document and JWKS, and
the bot's own tokens come from a fake Azure AD over HTTPS, signed by a CA of the test's own that the
bot trusts through SSL_CERT_FILE. The bot finds all three through its MICROSOFT_* cloud settings,
and TEAMS_SERVICE_URL_HOSTS allows the loopback fake Connector, which refuses any call without a
token that fake Azure AD issued. A purchase goes all the way: vouchers → Choose → amount → Pay →
Stripe (localstripe) → webhook → the voucher card, proactively.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import jwt
import pytest
import pytest_asyncio
import trustme

from adapters.stripe_local import LocalStripe
from core.orders import OrderStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.test_teams_e2e import pay_button
from tests.e2e.world import BotDatabase, TeamsChat, eventually, order_in_teams, sample_product
from tests.fake_connector import FakeConnector
from tests.fake_identity import ChannelTokens, FakeAzureAd, new_key
from tests.localstripe_server import confirm_server_side
from tests.teams.conftest import card_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

APP_ID = "6f1c2a9e-5d4b-4c3a-9e8f-7a6b5c4d3e2f"
APP_PASSWORD = "quiet-harbour-client-secret"
TEA = sample_product("lantern-tea-house")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def channel_tokens() -> AsyncIterator[ChannelTokens]:
    tokens = ChannelTokens(APP_ID)
    await tokens.start()
    yield tokens
    await tokens.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def azure_ad(ca: trustme.CA) -> AsyncIterator[FakeAzureAd]:
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ssl)
    fake = FakeAzureAd(APP_ID, APP_PASSWORD, server_ssl)
    await fake.start()
    yield fake
    await fake.close()
    assert fake.errors == [], fake.errors


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path,
    local: LocalStripe,
    connector: FakeConnector,
    channel_tokens: ChannelTokens,
    azure_ad: FakeAzureAd,
    ca: trustme.CA,
) -> AsyncIterator[BotProcess]:
    connector.require_bearer(azure_ad.accepts)
    ca_file = data_dir / "corporate-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    env = {
        **stripe_env(local),
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
        "MICROSOFT_OPENID_METADATA_URL": channel_tokens.metadata_url,
        "MICROSOFT_OAUTH_URL": azure_ad.authority,
        "TEAMS_SERVICE_URL_HOSTS": "127.0.0.1",
        "SSL_CERT_FILE": str(ca_file),
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


async def test_a_signed_purchase_goes_through_and_every_connector_call_carries_the_bots_token(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    channel_tokens: ChannelTokens,
    azure_ad: FakeAzureAd,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "signed", signed=channel_tokens.headers)

    order_card = await order_in_teams(chat, "tea", TEA.id, "25")
    order = await db.only_order_of(chat.user_key)
    assert order.status is OrderStatus.AWAITING_PAYMENT and order.payment_intent_id
    status, body = await chat.post(chat.task_fetch(pay_button(order_card.card)["data"]))
    assert (
        status == 200
        and body["task"]["value"]["url"] == f"{bot.url}/checkout/{order.checkout_token}"
    )
    assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"

    (card,) = await eventually(chat.voucher_cards, what="the voucher card in the chat")
    await eventually(lambda: db.delivered(order.id), what="the order to be delivered")
    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.code in card_text(card.card)
    assert (
        channel_tokens.fetched >= 1 and azure_ad.issued
    )  # both identity services were really used
    assert (
        len(chat.calls()) >= 4 and connector.errors == []
    )  # catalog, product, order, voucher: all signed


async def test_a_token_signed_by_another_key_is_refused(
    bot: BotProcess,
    connector: FakeConnector,
    channel_tokens: ChannelTokens,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "other-key")
    activity = chat.message("vouchers")
    forged = channel_tokens.token(activity["serviceUrl"], key=new_key())

    status, _ = await chat.post(activity, {"Authorization": f"Bearer {forged}"})

    assert status == 401 and chat.calls() == []


async def test_a_token_naming_an_unknown_signing_key_is_refused_not_crashed_on(
    bot: BotProcess,
    connector: FakeConnector,
    channel_tokens: ChannelTokens,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "unknown-kid")
    activity = chat.message("vouchers")
    genuine = channel_tokens.token(activity["serviceUrl"])
    claims = jwt.decode(genuine, options={"verify_signature": False})
    unknown = jwt.encode(
        claims, channel_tokens.key, algorithm="RS256", headers={"kid": "rotated-away"}
    )

    status, _ = await chat.post(activity, {"Authorization": f"Bearer {unknown}"})

    assert status == 401 and chat.calls() == []


@pytest.mark.parametrize(
    "claims",
    [{"audience": "00000000-0000-0000-0000-000000000000"}, {"issuer": "https://sts.example.com/"}],
    ids=["for another bot", "from another issuer"],
)
async def test_a_token_for_another_bot_or_from_another_issuer_is_refused(
    bot: BotProcess,
    connector: FakeConnector,
    channel_tokens: ChannelTokens,
    http: aiohttp.ClientSession,
    claims: dict[str, str],
) -> None:
    chat = TeamsChat(bot.url, connector, http, "claims-" + next(iter(claims)))
    activity = chat.message("vouchers")

    status, _ = await chat.post(
        activity,
        {"Authorization": f"Bearer {channel_tokens.token(activity['serviceUrl'], **claims)}"},
    )

    assert status == 401 and chat.calls() == []


async def test_a_token_for_another_service_url_is_refused(
    bot: BotProcess,
    connector: FakeConnector,
    channel_tokens: ChannelTokens,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "moved")
    activity = chat.message("vouchers")
    token = channel_tokens.token("https://smba.trafficmanager.net/emea/")

    status, _ = await chat.post(activity, {"Authorization": f"Bearer {token}"})

    assert status == 401 and chat.calls() == []


async def test_a_signed_activity_naming_a_host_outside_the_allow_list_is_refused_with_403(
    bot: BotProcess,
    connector: FakeConnector,
    channel_tokens: ChannelTokens,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "elsewhere", signed=channel_tokens.headers)
    activity = {**chat.message("vouchers"), "serviceUrl": "https://connector.attacker.example/"}

    status, _ = await chat.post(activity)

    assert status == 403
    assert "refused a Bot Connector service URL" in bot.logs()
