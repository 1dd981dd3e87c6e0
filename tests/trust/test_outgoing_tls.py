"""Behind a TLS-intercepting proxy, every outgoing HTTPS client trusts the CA file the settings
name.

A loopback HTTPS server with a certificate from a CA of the test's own stands in for the proxy
(answering as Slack's Web API, Stripe's API, Xoxoday's Plum and a file download would). Each client
reaches it when SSL_CERT_FILE (or REQUESTS_CA_BUNDLE) names that CA, and refuses it when nothing is
configured. The requests-based clients (Bot Connector, Azure AD) are proven end to end in
tests/e2e/test_teams_authenticated_e2e.py.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

from adapters.providers.xoxoday_api import PlumBalance
from adapters.slack import build_slack
from adapters.stripe_gateway import StripeGateway
from adapters.teams.bulk import SharedFile, download
from adapters.teams.unreadable import UnreadableCommand
from bot.settings import load_settings
from bot.tls import OutgoingTrust
from core.catalog import Catalog
from core.checkout import Checkout
from core.errors import PaymentGatewayError, ProviderError
from core.money import Money
from tests.fakes import (
    FakeGateway,
    FakeProvider,
    FixedClock,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
)

CSV = b"email,amount,reason\nada@harbour.example,25,Thanks\n"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "proxy-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
async def proxy(ca: trustme.CA) -> AsyncIterator[str]:
    """An HTTPS server on loopback, its certificate signed by the test's CA; answers as each
    service."""
    app = web.Application()
    app.router.add_post("/api/auth.test", _slack_auth_test)
    app.router.add_post("/v1/payment_intents", _stripe_intent)
    app.router.add_get("/files/rewards.csv", lambda _request: _file())
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ssl)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=server_ssl)
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def _slack_auth_test(request: web.Request) -> web.Response:
    return web.json_response(
        {"ok": True, "team_id": "T0HARBOUR", "user_id": "U0BOT", "user": "voucherbot"}
    )


async def _stripe_intent(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "id": "pi_proxy_1",
            "object": "payment_intent",
            "amount": 500,
            "currency": "usd",
            "client_secret": "pi_proxy_1_secret_x",
            "status": "requires_payment_method",
            "metadata": {"order_id": "ord_proxy"},
        }
    )


async def _file() -> web.Response:
    return web.Response(body=CSV, content_type="text/csv")


def _trust(ca_file: Path | None, name: str = "ssl_cert_file") -> OutgoingTrust:
    # Both named, so that what the test machine's own environment sets does not count.
    files: dict[str, Path | None] = {"ssl_cert_file": None, "requests_ca_bundle": None}
    return OutgoingTrust.of(load_settings(**{**files, name: ca_file}))


def _checkout() -> Checkout:
    store, clock = MemoryStore(), FixedClock()
    return Checkout(
        uow=lambda: MemoryUnitOfWork(store, clock),
        catalog=Catalog([]),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=SequentialIds(),
        public_base_url="https://vouchers.example.com",
    )


@contextlib.asynccontextmanager
async def _slack_client(proxy: str, trust: OutgoingTrust) -> AsyncIterator[AsyncWebClient]:
    slack = build_slack(
        _checkout(),
        signing_secret="harbour-signing-secret",
        public_base_url="https://vouchers.example.com",
        bot_token="xoxb-harbour",
        api_url=f"{proxy}/api/",
        ssl=trust.context,
    )
    assert slack.client_for is not None
    try:
        yield await slack.client_for("T0HARBOUR")
    finally:
        await slack.close()  # the channel's shared HTTP sessions


async def _create_intent(proxy: str, trust: OutgoingTrust) -> str:
    gateway = StripeGateway(
        "sk_test_harbour", "whsec_x", proxy, max_network_retries=0, ssl_context=trust.context
    )
    try:
        intent = await gateway.create_intent(
            order_id="ord_proxy", amount=Money(500, "USD"), idempotency_key="k1"
        )
    finally:
        await gateway.close()
    return intent.id


@pytest.mark.parametrize("setting", ["ssl_cert_file", "requests_ca_bundle"])
async def test_slacks_web_api_client_trusts_the_configured_ca(
    proxy: str, ca_file: Path, setting: str
) -> None:
    async with _slack_client(proxy, _trust(ca_file, setting)) as client:
        answer = await client.auth_test()

    assert answer["team_id"] == "T0HARBOUR"


async def test_slacks_web_api_client_refuses_the_proxy_when_no_ca_is_configured(proxy: str) -> None:
    async with _slack_client(proxy, _trust(None)) as client:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await client.auth_test()


async def test_the_stripe_sdk_trusts_the_configured_ca(proxy: str, ca_file: Path) -> None:
    assert await _create_intent(proxy, _trust(ca_file)) == "pi_proxy_1"


async def test_the_stripe_sdk_refuses_the_proxy_when_no_ca_is_configured(proxy: str) -> None:
    with pytest.raises(PaymentGatewayError):
        await _create_intent(proxy, _trust(None))


async def test_a_file_sent_to_the_teams_bot_is_downloaded_through_the_proxy(
    proxy: str, ca_file: Path
) -> None:
    shared = SharedFile("rewards.csv", f"{proxy}/files/rewards.csv", "u1", "csv")

    assert await download(shared, _trust(ca_file).context) == CSV


async def test_the_teams_file_download_refuses_the_proxy_when_no_ca_is_configured(
    proxy: str,
) -> None:
    shared = SharedFile("rewards.csv", f"{proxy}/files/rewards.csv", "u1", "csv")

    with pytest.raises(UnreadableCommand, match=r"couldn't download rewards\.csv"):
        await download(shared, _trust(None).context)


def test_an_empty_ca_setting_means_none_and_a_missing_file_is_refused(tmp_path: Path) -> None:
    from bot.settings import SettingsError

    assert OutgoingTrust.of(
        load_settings(ssl_cert_file="", requests_ca_bundle="")
    ) == OutgoingTrust(None, "")
    with pytest.raises(SettingsError, match="SSL_CERT_FILE"):
        load_settings(ssl_cert_file=str(tmp_path / "missing.pem"))


async def test_a_folder_of_hashed_ca_certificates_works_too(
    proxy: str, ca: trustme.CA, tmp_path: Path
) -> None:
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to hash the folder")
    folder = tmp_path / "certs"
    folder.mkdir()
    ca.cert_pem.write_to_path(str(folder / "proxy-ca.pem"))
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)

    async with _slack_client(proxy, _trust(folder)) as client:
        assert (await client.auth_test())["team_id"] == "T0HARBOUR"


async def _plum_balance(ca: trustme.CA, ca_file: Path | None, data_dir: Path) -> tuple[str, object]:
    """Xoxoday's client as the bot builds it, against a fake Plum served over HTTPS by the test's
    CA."""
    from bot.build.storage import open_database
    from bot.providers import xoxoday_client
    from tests.fake_plum import FakePlum

    plum = FakePlum(balance="250")
    plum.server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(plum.server_ssl)
    async with plum:
        settings = load_settings(
            ssl_cert_file=ca_file,
            requests_ca_bundle=None,
            data_dir=data_dir,
            voucher_encryption_key=None,
            voucher_provider="builtin,xoxoday",
            xoxoday_base_url=plum.base_url,
            xoxoday_client_id=plum.client_id,
            xoxoday_client_secret=plum.client_secret,
            xoxoday_refresh_token=plum.refresh_token,
        )
        database = await open_database(settings)
        client = xoxoday_client(settings, database)
        try:
            return plum.base_url, await client.get_balance()
        except ProviderError as exc:
            return plum.base_url, exc
        finally:
            await client.close()
            await database.dispose()


async def test_the_xoxoday_client_trusts_the_configured_ca(
    ca: trustme.CA, ca_file: Path, tmp_path: Path
) -> None:
    url, balance = await _plum_balance(ca, ca_file, tmp_path / "var")

    assert url.startswith("https://") and balance == PlumBalance(Decimal("250"), "USD")


async def test_the_xoxoday_client_refuses_the_proxy_when_no_ca_is_configured(
    ca: trustme.CA, tmp_path: Path
) -> None:
    _, answer = await _plum_balance(ca, None, tmp_path / "var")

    assert isinstance(answer, ProviderError)
