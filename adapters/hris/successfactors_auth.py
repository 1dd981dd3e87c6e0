"""How voucherbot authenticates to SuccessFactors: OAuth 2.0 SAML bearer tokens, or Basic on test
tenants.

The token is fetched from `/oauth/token` with a freshly signed assertion and kept until shortly
before it expires (or until the API answers 401); Basic sends `user@companyId` as SuccessFactors
expects.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import aiohttp

from adapters.hris.saml import signed_assertion
from core.hris import HrUnavailable

GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"
EARLY = 60.0  # seconds before expiry a token is renewed
TIMEOUT = aiohttp.ClientTimeout(total=60)


class SuccessFactorsAuth:
    """The HTTP session and the Authorization header for one SuccessFactors company."""

    def __init__(
        self,
        *,
        api_url: str,
        company_id: str,
        client_id: str = "",
        user_id: str = "",
        private_key: str = "",
        username: str = "",
        password: str = "",
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._company_id = company_id
        self._client_id = client_id
        self._user_id = user_id
        self._private_key = private_key
        self._basic = f"{username}@{company_id}:{password}" if username else ""
        self._token = ""
        self._expires = 0.0
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use: nothing happens at construction
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def authorization(self) -> str:
        if self._basic:
            return "Basic " + base64.b64encode(self._basic.encode()).decode()
        if not self._token or time.monotonic() >= self._expires:
            await self._fetch_token()
        return f"Bearer {self._token}"

    def forget_token(self) -> None:
        self._token = ""

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _fetch_token(self) -> None:
        token_url = f"{self.api_url}/oauth/token"
        assertion = signed_assertion(
            self._client_id, self._user_id, token_url, self._private_key, datetime.now(UTC)
        )
        form = {
            "company_id": self._company_id,
            "client_id": self._client_id,
            "grant_type": GRANT,
            "assertion": assertion,
        }
        try:
            async with self.session.post(token_url, data=form) as response:
                payload = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise HrUnavailable(
                f"SuccessFactors' token endpoint failed: {type(exc).__name__}"
            ) from exc
        if status != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
            detail = payload.get("errorMessage") if isinstance(payload, dict) else None
            raise HrUnavailable(
                f"SuccessFactors refused the SAML bearer assertion ({status}): {detail or ''}"
            )
        self._token = str(payload["access_token"])
        self._expires = time.monotonic() + max(0.0, float(payload.get("expires_in", 3600)) - EARLY)
