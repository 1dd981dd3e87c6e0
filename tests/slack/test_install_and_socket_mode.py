"""Multi-workspace OAuth installs kept in the bot's database, and Socket Mode over a WebSocket."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.db.crypto import VoucherCipher
from adapters.slack import SlackChannel, build_slack
from adapters.slack.manifest import BOT_SCOPES
from core.catalog import Catalog
from core.checkout import Checkout
from core.identity import ConversationRef
from core.money import Money
from core.views import VoucherDelivery
from tests.fake_slack import FakeSlack, Workspace, wait_until
from tests.fakes import (
    FakeGateway,
    FakeProvider,
    FixedClock,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
)
from tests.slack.conftest import (
    BOOKS,
    BOT_TOKEN,
    FIXTURES,
    PUBLIC_BASE_URL,
    SAMPLE,
    SIGNING_SECRET,
    sign,
    slash_command,
)

# slack_sdk 3.48 sends oauth.v2.access credentials with aiohttp.BasicAuth, deprecated in aiohttp
# 3.14.
BASIC_AUTH_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:BasicAuth is deprecated:DeprecationWarning"
)
SECOND = Workspace("T0SECOND", "xoxb-second-workspace", bot_user_id="U0BOT2", bot_id="B0BOT2")


def checkout() -> Checkout:
    store, clock = MemoryStore(), FixedClock()
    return Checkout(
        uow=lambda: MemoryUnitOfWork(store, clock),
        catalog=Catalog(SAMPLE),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=SequentialIds(),
        public_base_url=PUBLIC_BASE_URL,
    )


@pytest.fixture
async def installable(
    fake_slack: FakeSlack, tmp_path: Path
) -> AsyncIterator[tuple[TestClient, SlackChannel]]:
    channel = build_slack(
        checkout(),
        signing_secret=SIGNING_SECRET,
        client_id="1111.2222",
        client_secret="oauth-secret",
        oauth_database_url=f"sqlite+aiosqlite:///{tmp_path / 'private' / 'voucherbot.db'}",
        secret_box=VoucherCipher(VoucherCipher.generate_key()),
        api_url=fake_slack.api_url,
        public_base_url=PUBLIC_BASE_URL,
    )
    web_app = web.Application()
    channel.mount(web_app)
    http = TestClient(TestServer(web_app, host="127.0.0.1", port=0))
    await http.start_server()
    yield http, channel
    await http.close()


def authorize_query(page: str) -> dict[str, list[str]]:
    """The query of the "Add to Slack" link on Bolt's install page."""
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
    assert link is not None, page
    return parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query, keep_blank_values=True)


async def install(http: TestClient, fake: FakeSlack, workspace: Workspace) -> None:
    page = await http.get("/slack/install", allow_redirects=False)
    assert page.status == 200
    state = authorize_query(await page.text())["state"][0]
    fake.grant_oauth_code("install-code-42", workspace)
    done = await http.get(
        f"/slack/oauth_redirect?code=install-code-42&state={state}",
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )
    assert done.status == 200, await done.text()


async def test_the_install_page_asks_slack_for_exactly_the_bot_scopes(
    installable: tuple[TestClient, SlackChannel],
) -> None:
    http, _ = installable

    query = authorize_query(await (await http.get("/slack/install")).text())

    assert query["scope"] == [",".join(BOT_SCOPES)] and query["client_id"] == ["1111.2222"]
    assert query["redirect_uri"] == ["https://vouchers.example.com/slack/oauth_redirect"]
    assert query["user_scope"] == [""]


@BASIC_AUTH_DEPRECATED
async def test_an_installed_workspace_is_served_with_its_own_bot_token(
    installable: tuple[TestClient, SlackChannel], fake_slack: FakeSlack
) -> None:
    http, channel = installable
    await install(http, fake_slack, SECOND)

    body = slash_command(
        fake_slack,
        "books",
        user="U0SECOND",
        channel="C0SECOND",
        response_url="second",
        trigger="9.9.trigger",
    ).replace("team_id=T0VB", "team_id=T0SECOND")
    response = await http.post(
        "/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)},
    )
    assert response.status == 200
    assert "Quiet Harbour Books" in json.dumps(await response.json())

    address = json.dumps({"team": "T0SECOND", "user": "U0SECOND", "channel": "C0SECOND"})
    delivery = VoucherDelivery(
        "ord_2",
        BOOKS.brand,
        BOOKS.name,
        "",
        Money(1000, "USD"),
        "QHB-2222-ABCD",
        None,
        None,
        "",
        "",
        "2027-11-26",
    )
    await channel.sender.send(ConversationRef("slack", address), delivery)

    [posted] = fake_slack.calls_to("chat.postMessage")
    assert posted.token == "xoxb-second-workspace" and posted.args["channel"] == "DU0SECOND"


@BASIC_AUTH_DEPRECATED
async def test_an_installs_bot_token_is_stored_encrypted_and_still_authorizes_its_workspace(
    installable: tuple[TestClient, SlackChannel], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    http, channel = installable
    rotating = Workspace(
        "T0ROTATE", "xoxb-rotating-workspace", bot_user_id="U0BOT3", bot_id="B0BOT3"
    )
    await install(http, fake_slack, rotating)

    database = tmp_path / "private" / "voucherbot.db"
    stored = b"".join(
        p.read_bytes() for p in database.parent.iterdir() if p.name.startswith(database.name)
    )
    with sqlite3.connect(database) as raw:
        bots = raw.execute("SELECT bot_token FROM slack_bots").fetchall()
        installs = raw.execute("SELECT bot_token FROM slack_installations").fetchall()
    assert b"xoxb-rotating-workspace" not in stored
    assert [len(t) > 100 and t.startswith("gAAAAA") for (t,) in bots + installs] == [True, True]

    body = slash_command(
        fake_slack,
        "books",
        user="U0ROT",
        channel="C0ROT",
        response_url="rot",
        trigger="7.7.trigger",
    ).replace("team_id=T0VB", "team_id=T0ROTATE")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    response = await http.post("/slack/events", data=body.encode(), headers=headers)
    assert response.status == 200 and "Quiet Harbour Books" in json.dumps(await response.json())
    assert channel.client_for is not None
    assert (await channel.client_for("T0ROTATE", None)).token == "xoxb-rotating-workspace"


async def test_the_oauth_database_file_and_its_folder_are_created_owner_only(
    installable: tuple[TestClient, SlackChannel], tmp_path: Path
) -> None:
    _, channel = installable
    await channel.create_oauth_tables()

    database = tmp_path / "private" / "voucherbot.db"
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


async def test_a_workspace_that_never_installed_gets_no_service(
    installable: tuple[TestClient, SlackChannel], fake_slack: FakeSlack
) -> None:
    http, _ = installable

    body = slash_command(
        fake_slack,
        "buy quiet-harbour-books 25",
        user="U0X",
        channel="C0X",
        response_url="x",
        trigger="1.1.t",
    ).replace("team_id=T0VB", "team_id=T0NEVER")
    response = await http.post(
        "/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)},
    )

    assert "Quiet Harbour Books" not in await response.text()
    assert fake_slack.calls_to("chat.postMessage") == []
    [reply] = fake_slack.responses_to("x")  # Bolt's own answer to an unknown workspace
    assert "reinstall this app" in reply.args["text"]


async def test_socket_mode_receives_a_slash_command_and_acknowledges_it(
    fake_slack: FakeSlack,
) -> None:
    channel = build_slack(
        checkout(),
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        app_token="xapp-1-A0VB-test",
        api_url=fake_slack.api_url,
        public_base_url=PUBLIC_BASE_URL,
    )
    envelope = json.loads(
        (FIXTURES / "payloads" / "socket_mode.slash_commands.envelope.json").read_text()
    )
    envelope["payload"].update(
        team_id="T0VB",
        user_id="U0ADA",
        command="/vouchers",
        text="tea",
        response_url=fake_slack.response_url("socket"),
    )
    try:
        await channel.start_socket_mode()
        await wait_until(lambda: fake_slack.socket_clients == 1)
        await fake_slack.socket_send(envelope)
        await wait_until(lambda: bool(fake_slack.socket_acks))
    finally:
        await channel.close()

    [ack] = fake_slack.socket_acks
    assert ack["envelope_id"] == envelope["envelope_id"]
    assert fake_slack.check_message(ack["payload"], "socket ack") == []
    assert "Lantern Tea House" in json.dumps(ack["payload"]["blocks"])
    assert fake_slack.calls_to("apps.connections.open")[0].token == "xapp-1-A0VB-test"
