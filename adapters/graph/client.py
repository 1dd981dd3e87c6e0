"""A small Microsoft Graph client: app-only tokens (client credentials) and requests that honour
429.

Graph throttles per app and tenant and answers 429 with Retry-After (seconds); the client waits that
long and tries again, a few times, within a bound, then gives up with GraphError. Errors are mapped
here, once: nothing else in voucherbot reads a Graph status code.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = aiohttp.ClientTimeout(total=30)
MAX_ATTEMPTS = 4
MAX_WAIT = (
    60.0  # seconds a single Retry-After may ask for before the caller is told to come back later
)
EARLY = 120.0


class GraphError(Exception):
    """Graph refused or could not answer; `status` 0 when it could not be reached."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status, self.code = status, code


class GraphClient:
    """Calls `base_url` with a token from `token_url` for the app (`client_id`, `client_secret`)."""

    def __init__(
        self,
        *,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._sleep = sleep
        self._token = ""
        self._expires = 0.0
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """(status, JSON body or None) of a 2xx or 409 answer; GraphError for anything else."""
        for attempt in range(MAX_ATTEMPTS):
            headers = {"Authorization": f"Bearer {await self._access_token()}"}
            status, payload, retry_after = await self._send(
                method, f"{self.base_url}{path}", params, body, headers
            )
            if status == 401 and attempt == 0:
                self._token = ""  # expired early or revoked: one fresh token
                continue
            if status == 429 or status == 503:
                wait = retry_after if retry_after is not None else 2.0**attempt
                if wait > MAX_WAIT or attempt == MAX_ATTEMPTS - 1:
                    break
                log.info(
                    "graph throttled; waiting",
                    extra={"seconds": wait, "path_kind": path.split("/")[1]},
                )
                await self._sleep(wait)
                continue
            if 200 <= status < 300 or status == 409:
                return status, payload
            raise GraphError(
                f"Graph answered {status} {_code(payload)}".strip(), status, _code(payload)
            )
        raise GraphError("Graph kept throttling; try again later", 429, "TooManyRequests")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def _send(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None,
        body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> tuple[int, Any, float | None]:
        try:
            async with self._http().request(
                method, url, params=params, json=body, headers=headers
            ) as response:
                text = await response.text()
                payload = await response.json(content_type=None) if text.strip() else None
                return response.status, payload, _seconds(response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise GraphError(f"Graph could not be reached: {type(exc).__name__}") from exc

    async def _access_token(self) -> str:
        if self._token and time.monotonic() < self._expires:
            return self._token
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": SCOPE,
            "grant_type": "client_credentials",
        }
        try:
            async with self._http().post(self._token_url, data=form) as response:
                payload = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise GraphError(
                f"the Graph token endpoint could not be reached: {type(exc).__name__}"
            ) from exc
        if status != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
            code = payload.get("error", "") if isinstance(payload, dict) else ""
            raise GraphError(
                f"no Graph token ({status} {code}); check GRAPH_CLIENT_ID/SECRET", status, str(code)
            )
        self._token = str(payload["access_token"])
        self._expires = time.monotonic() + max(0.0, float(payload.get("expires_in", 3599)) - EARLY)
        return self._token


def _code(payload: Any) -> str:
    error = payload.get("error") if isinstance(payload, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
