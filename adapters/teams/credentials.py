"""The bot's app id and password credentials: tokens from the configured Azure AD, over the
configured CAs.

The SDK's own MicrosoftAppCredentials builds its MSAL client with neither the CA certificates a
TLS-intercepting proxy needs nor a way to use an authority MSAL does not know (national and private
clouds, a test's loopback Azure AD). This is the SDK's extension point for that: a credentials
factory.
"""

from __future__ import annotations

from typing import Any

from botframework.connector.auth import (
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
)
from msal import ConfidentialClientApplication
from msrest.authentication import Authentication

DEFAULT_SCOPE_SUFFIX = "/.default"
TOKEN_TIMEOUT_SECONDS = 20


class PasswordCredentialsFactory(PasswordServiceClientCredentialFactory):
    """Credentials for `app_id` (MultiTenant or SingleTenant, by the authority's tenant)."""

    def __init__(self, app_id: str, password: str, *, verify: bool | str = True) -> None:
        super().__init__(app_id, password)
        self._verify = verify

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        if await self.is_authentication_disabled():
            return MicrosoftAppCredentials.empty()
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("a token for another app id was asked for")
        return AzureAdCredentials(app_id, self.password, login_endpoint, oauth_scope, self._verify)


class AzureAdCredentials(MicrosoftAppCredentials):
    """A client-credentials token from `authority` for `scope`; MSAL caches it until shortly before
    expiry."""

    def __init__(
        self, app_id: str, password: str, authority: str, scope: str, verify: bool | str
    ) -> None:
        super().__init__(app_id, password, oauth_scope=scope)
        self.oauth_endpoint = authority
        self._verify = verify
        self._client: ConfidentialClientApplication | None = None

    def get_access_token(self, force_refresh: bool = False) -> str:
        scope = self.oauth_scope
        if not scope.endswith(DEFAULT_SCOPE_SUFFIX):
            scope += DEFAULT_SCOPE_SUFFIX
        result: dict[str, Any] = self._msal().acquire_token_for_client(scopes=[scope])
        if "access_token" in result:
            return str(result["access_token"])
        # MSAL's error codes (invalid_client, unauthorized_client...) name the problem without any
        # secret.
        raise PermissionError(
            f"Azure AD gave no token for the bot: {result.get('error', 'unknown error')}"
        )

    def _msal(self) -> ConfidentialClientApplication:
        if self._client is None:
            self._client = ConfidentialClientApplication(
                client_id=self.microsoft_app_id,
                client_credential=self.microsoft_app_password,
                authority=self.oauth_endpoint,
                # The authority is configured by the operator (or the cloud's default, which MSAL
                # knows): no discovery call to login.microsoftonline.com to ask whether it is a real
                # one.
                instance_discovery=False,
                verify=self._verify,
                timeout=TOKEN_TIMEOUT_SECONDS,
            )
        return self._client
