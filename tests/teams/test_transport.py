"""Connector calls go over aiohttp on the event loop, and fail the way msrest's own calls fail."""

from __future__ import annotations

import socket

import pytest
from botbuilder.core import MessageFactory
from botbuilder.integration.aiohttp import CloudAdapter
from msrest.exceptions import ClientRequestError

from adapters.teams.connector import BotCredentials, CachingBotFrameworkAuthentication
from adapters.teams.errors import connector_errors
from core.errors import DeliveryRetryLater


def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return int(listener.getsockname()[1])


async def test_an_unreachable_connector_is_a_request_error_the_outbox_retries_later() -> None:
    auth = CachingBotFrameworkAuthentication(BotCredentials())
    identity = CloudAdapter(auth).create_claims_identity("")
    client = await auth.create_connector_factory(identity).create(
        f"http://127.0.0.1:{closed_port()}/"
    )
    try:
        with pytest.raises(ClientRequestError):
            await client.conversations.send_to_conversation("a:chat", MessageFactory.text("Hi"))
        with pytest.raises(DeliveryRetryLater), connector_errors():
            await client.conversations.send_to_conversation("a:chat", MessageFactory.text("Hi"))
    finally:
        await auth.close()
