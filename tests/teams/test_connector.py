"""Connector clients are built once per service URL, cheaply, and leave retries to the outbox."""

from __future__ import annotations

from botbuilder.integration.aiohttp import CloudAdapter
from msrest.universal_http.requests import ClientRetryPolicy

from adapters.teams.connector import (
    BotCredentials,
    CachingBotFrameworkAuthentication,
    speed_up_msrest,
)
from adapters.teams.service_urls import ServiceUrlPolicy

TEAMS = ServiceUrlPolicy(("smba.trafficmanager.net",))
MSREST_RETRY_CODES = [
    code for code in range(999) if code not in [i for i in range(500) if i != 408] + [501, 505]
]


def test_speeding_up_msrest_keeps_its_retry_codes() -> None:
    speed_up_msrest()
    speed_up_msrest()

    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert ClientRetryPolicy().policy.status_forcelist == MSREST_RETRY_CODES


async def test_connector_clients_are_reused_per_service_url() -> None:
    auth = CachingBotFrameworkAuthentication(BotCredentials(), policy=TEAMS)
    identity = CloudAdapter(auth).create_claims_identity("")

    first = await auth.create_connector_factory(identity).create(
        "https://smba.trafficmanager.net/amer/"
    )
    again = await auth.create_connector_factory(identity).create(
        "https://smba.trafficmanager.net/amer/"
    )
    elsewhere = await auth.create_connector_factory(identity).create(
        "https://smba.trafficmanager.net/emea/"
    )

    assert first is again
    assert elsewhere is not first


async def test_connector_clients_leave_retries_to_the_outbox() -> None:
    auth = CachingBotFrameworkAuthentication(BotCredentials(), policy=TEAMS)
    identity = CloudAdapter(auth).create_claims_identity("")

    client = await auth.create_connector_factory(identity).create(
        "https://smba.trafficmanager.net/amer/"
    )

    policy = client.config.retry_policy.policy
    assert (policy.total, policy.connect, policy.read) == (0, 0, 0)
    assert not policy.status_forcelist
    assert client.config.connection.timeout == 20


async def test_token_clients_are_reused_per_bot() -> None:
    auth = CachingBotFrameworkAuthentication(BotCredentials(), policy=TEAMS)
    identity = CloudAdapter(auth).create_claims_identity("")

    assert await auth.create_user_token_client(identity) is await auth.create_user_token_client(
        identity
    )


def test_a_card_sent_as_is_serialises_to_the_same_json_without_being_walked() -> None:
    from copy import deepcopy

    from botbuilder.core import MessageFactory
    from botbuilder.schema import Activity
    from msrest.serialization import Serializer

    from adapters.teams.cards import attachment, help_card, sent_attachment

    speed_up_msrest()
    card = help_card()
    serializer = Serializer({"Activity": Activity})  # as msrest's Model.serialize builds one
    plain = serializer.body(MessageFactory.attachment(attachment(card)), "Activity")
    as_is_activity = MessageFactory.attachment(sent_attachment(card))
    as_is = serializer.body(as_is_activity, "Activity")

    assert as_is == plain
    assert as_is["attachments"][0]["content"] == card
    copied = deepcopy(as_is_activity)
    assert copied is not as_is_activity
    assert copied.attachments[0].content is as_is_activity.attachments[0].content
