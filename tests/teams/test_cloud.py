"""The Bot Framework cloud settings reach the SDK whole: the public cloud by default, Azure
Government on request, and each value overridable for national and private clouds."""

from __future__ import annotations

import pytest

from adapters.teams.cloud import BotFrameworkCloud
from adapters.teams.credentials import AzureAdCredentials, PasswordCredentialsFactory
from bot.settings import SettingsError, load_settings

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def test_the_public_cloud_is_the_default() -> None:
    config = BotFrameworkCloud().sdk_configuration()

    assert config["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"] == (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    assert (
        config["TO_CHANNEL_FROM_BOT_LOGIN_URL"]
        == "https://login.microsoftonline.com/botframework.com"
    )
    assert config["TO_CHANNEL_FROM_BOT_OAUTH_SCOPE"] == "https://api.botframework.com"
    assert config["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"] == "https://api.botframework.com"


def test_a_single_tenant_bot_gets_its_tokens_from_its_own_tenant() -> None:
    config = BotFrameworkCloud().sdk_configuration("7a1b2c3d-0000-4000-8000-000000000001")

    assert config["TO_CHANNEL_FROM_BOT_LOGIN_URL"] == (
        "https://login.microsoftonline.com/7a1b2c3d-0000-4000-8000-000000000001"
    )


def test_azure_government_is_one_setting_away() -> None:
    config = BotFrameworkCloud(channel_service="https://botframework.azure.us").sdk_configuration()

    assert config["CHANNEL_SERVICE"] == "https://botframework.azure.us"
    assert config["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"] == (
        "https://login.botframework.azure.us/v1/.well-known/openidconfiguration"
    )
    assert config["TO_CHANNEL_FROM_BOT_LOGIN_URL"] == (
        "https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us"
    )
    assert config["TO_CHANNEL_FROM_BOT_OAUTH_SCOPE"] == "https://api.botframework.us"
    assert config["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"] == "https://api.botframework.us"


def test_each_value_can_be_overridden_for_a_private_cloud() -> None:
    cloud = BotFrameworkCloud(
        openid_metadata_url="https://login.sovereign.example/v1/.well-known/openidconfiguration",
        oauth_url="https://aad.sovereign.example/bots",
        oauth_scope="https://api.sovereign.example",
    )

    config = cloud.sdk_configuration("ignored-when-the-authority-is-given")

    assert config["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"] == cloud.openid_metadata_url
    assert config["TO_CHANNEL_FROM_BOT_LOGIN_URL"] == "https://aad.sovereign.example/bots"
    assert config["TO_CHANNEL_FROM_BOT_OAUTH_SCOPE"] == "https://api.sovereign.example"


def test_an_unknown_channel_service_is_refused_at_start_up() -> None:
    with pytest.raises(SettingsError, match="MICROSOFT_CHANNEL_SERVICE: must be empty"):
        load_settings(microsoft_channel_service="https://botframework.example.cn")


async def test_credentials_use_the_configured_authority_and_scope_and_only_for_this_bot() -> None:
    factory = PasswordCredentialsFactory(APP_ID, "pw", verify="/etc/proxy-ca.pem")

    credentials = await factory.create_credentials(
        APP_ID, "https://api.sovereign.example", "https://aad.sovereign.example/bots", True
    )

    assert isinstance(credentials, AzureAdCredentials)
    assert (credentials.oauth_endpoint, credentials.oauth_scope) == (
        "https://aad.sovereign.example/bots",
        "https://api.sovereign.example",
    )
    with pytest.raises(PermissionError):
        await factory.create_credentials(
            "someone-else", "https://api.botframework.com", "https://x/y", True
        )
