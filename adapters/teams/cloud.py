"""The Bot Framework cloud the bot belongs to: where tokens come from and are checked, as the SDK's
settings.

Public cloud by default; `channel_service` set to Azure Government's picks that cloud's values; each
value can be overridden (national and private clouds, and tests that stand in for Azure AD on
loopback).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AuthenticationConstants, GovernmentConstants


@dataclass(frozen=True)
class CloudDefaults:
    token_issuer: str
    openid_metadata_url: str
    emulator_openid_metadata_url: str
    login_url_prefix: str
    default_tenant: str
    oauth_scope: str
    token_service_url: str
    caller_id: str


PUBLIC = CloudDefaults(
    token_issuer=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
    openid_metadata_url=AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    emulator_openid_metadata_url=AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    login_url_prefix=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
    default_tenant=AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT,
    oauth_scope=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
    token_service_url=AuthenticationConstants.OAUTH_URL,
    caller_id=CallerIdConstants.public_azure_channel.value,
)
GOVERNMENT = CloudDefaults(
    token_issuer=GovernmentConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
    openid_metadata_url=GovernmentConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    emulator_openid_metadata_url=GovernmentConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    login_url_prefix=GovernmentConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
    default_tenant=GovernmentConstants.DEFAULT_CHANNEL_AUTH_TENANT,
    oauth_scope=GovernmentConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
    token_service_url=GovernmentConstants.OAUTH_URL_GOV,
    caller_id=CallerIdConstants.us_gov_channel.value,
)


@dataclass(frozen=True)
class BotFrameworkCloud:
    """MICROSOFT_CHANNEL_SERVICE, _OPENID_METADATA_URL, _OAUTH_URL and _OAUTH_SCOPE; empty: the
    default."""

    channel_service: str = ""
    openid_metadata_url: str = ""
    oauth_url: str = (
        ""  # the Azure AD authority, e.g. https://login.microsoftonline.com/botframework.com
    )
    oauth_scope: str = ""
    defaults: CloudDefaults = field(init=False)

    def __post_init__(self) -> None:
        if self.channel_service and self.channel_service != GovernmentConstants.CHANNEL_SERVICE:
            raise ValueError(
                f"Bot Framework channel service must be empty (public cloud) or "
                f"{GovernmentConstants.CHANNEL_SERVICE} (Azure Government), not "
                f"{self.channel_service!r}"
            )
        cloud = GOVERNMENT if self.channel_service else PUBLIC
        object.__setattr__(self, "defaults", cloud)

    def authority(self, tenant_id: str = "") -> str:
        """Where outgoing tokens come from: the configured URL, else the cloud's login for the
        tenant."""
        return self.oauth_url or self.defaults.login_url_prefix + (
            tenant_id or self.defaults.default_tenant
        )

    def sdk_configuration(self, tenant_id: str = "") -> dict[str, str]:
        """The keys ConfigurationBotFrameworkAuthentication reads; all set, so the SDK uses exactly
        these."""
        return {
            "CHANNEL_SERVICE": self.channel_service,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": self.authority(tenant_id),
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": self.oauth_scope or self.defaults.oauth_scope,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": self.defaults.token_issuer,
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": (
                self.openid_metadata_url or self.defaults.openid_metadata_url
            ),
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": self.defaults.emulator_openid_metadata_url,
            "OAUTH_URL": self.defaults.token_service_url,
            "CALLER_ID": self.defaults.caller_id,
        }
