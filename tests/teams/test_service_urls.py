"""The bot calls back only service URLs it trusts: loopback in Emulator mode, else Microsoft's
hosts."""

from __future__ import annotations

import logging

import pytest
from botbuilder.schema import Activity

from adapters.teams.address import TeamsAddress
from adapters.teams.service_urls import DOCUMENTED_HOSTS, ServiceUrlPolicy, ServiceUrlRefused
from core.errors import DeliveryError
from core.money import Money
from core.orders import OrderStatus
from core.views import OrderSummary
from tests.teams.conftest import TeamsWorld

EMULATOR = ServiceUrlPolicy.emulator()
CREDENTIALED = ServiceUrlPolicy(DOCUMENTED_HOSTS)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:3978/",
        "http://127.0.0.1:50123",
        "http://127.8.9.1/x",
        "http://[::1]:3978/",
    ],
)
def test_emulator_mode_calls_back_loopback_addresses(url: str) -> None:
    assert EMULATOR.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/amer/",
        "http://10.0.0.7:3978/",
        "http://localhost.attacker.example/",
        "http://127.0.0.1@attacker.example/",
        "file:///etc/passwd",
        "http://127.0.0.1:notaport/",
        "",
        None,
        42,
    ],
)
def test_emulator_mode_refuses_every_other_service_url(url: object) -> None:
    assert not EMULATOR.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/amer/",
        "https://smba.trafficmanager.net/teams/",
        "https://smba.infra.gcc.teams.microsoft.com/teams",
        "https://smba.infra.gov.teams.microsoft.us/teams",
        "https://smba.infra.dod.teams.microsoft.us/teams",
        "https://europe.webchat.botframework.com/",
        "https://SMBA.TrafficManager.net/emea/",
    ],
)
def test_with_credentials_microsofts_documented_hosts_are_called(url: str) -> None:
    assert CREDENTIALED.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://smba.trafficmanager.net/amer/",  # the bot's token would travel in the clear
        "https://smba.trafficmanager.net.attacker.example/amer/",
        "https://attacker.example/?smba.trafficmanager.net",
        "https://smba.trafficmanager.net@attacker.example/",
        "https://botframework.com.attacker.example/",
        "https://evilbotframework.com/",
        "http://localhost:3978/",
        "http://127.0.0.1:3978/",
    ],
)
def test_with_credentials_every_other_host_is_refused(url: str) -> None:
    assert not CREDENTIALED.allows(url)


def test_a_listed_loopback_host_is_allowed_for_a_test_connector() -> None:
    assert ServiceUrlPolicy(("127.0.0.1",)).allows("http://127.0.0.1:40000/")


async def test_an_activity_naming_a_foreign_service_url_is_refused_and_nothing_is_sent_there(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    activity = teams.personal("vouchers")
    activity["serviceUrl"] = "https://attacker.example/"

    with caplog.at_level(logging.WARNING, logger="adapters.teams.service_urls"):
        response = await teams.post(activity)

    assert response.status == 403
    assert teams.connector.calls == []
    assert any(r.getMessage() == "refused a Bot Connector service URL" for r in caplog.records)


async def test_a_proactive_message_to_a_stored_foreign_service_url_is_given_up_not_sent(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    forged = Activity().deserialize({**message, "serviceUrl": "https://attacker.example/"})
    ref = TeamsAddress.of(forged, card_id=catalog.message_id).to_ref()
    summary = OrderSummary(
        "ord_1",
        "Copper Kettle Coffee",
        "Coffee card",
        "",
        Money(500, "USD"),
        OrderStatus.PAID,
        "Paid",
        None,
    )

    with pytest.raises(DeliveryError) as refused:
        await teams.channel.sender.send(ref, summary)

    assert isinstance(refused.value, ServiceUrlRefused)
    assert len(teams.connector.calls) == 1  # the catalog only
