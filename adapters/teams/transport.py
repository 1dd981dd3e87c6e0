"""The Bot Connector's HTTP calls made on the event loop with aiohttp, not with requests in threads.

msrest's async client sends through `requests` in the loop's default executor: each call a thread
hop, a urllib3 request and the loop woken from that thread, about a third of the CPU of a turn that
answers with one card (which the bare SDK bot pays as well). Connector clients
(connector.CachingBotFrameworkAuthentication) get a pipeline with the same policies as msrest's
default one (user agent, the bot's token, the body read, HTTP logging) over one aiohttp connection
pool. What msrest and botbuilder see does not change: a response with its status, headers and body
(an HttpOperationError's `response` keeps requests' names), and `ClientRequestError` when the
Connector cannot be reached or does not answer in time, as msrest raises for requests' errors
(errors.connector_errors maps both). No retries, as before: the outbox owns them.

Trust as with requests: the configured CA file or folder, else certifi's bundle; a proxy from the
environment, as requests reads it (no netrc). The pool belongs to an event loop: it is made on first
use in the running loop, again if the loop changed (tests run one loop each); `close()` ends it.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import certifi
import requests
from aiohttp.helpers import get_env_proxy_for_url
from msrest import Configuration
from msrest.exceptions import ClientRequestError
from msrest.pipeline import (
    AsyncHTTPPolicy,
    AsyncHTTPSender,
    AsyncPipeline,
    Request,
    Response,
    SansIOHTTPPolicy,
)
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse
from multidict import CIMultiDict
from yarl import URL

CONNECTIONS = 100  # aiohttp's default cap, shared by every Connector client of the process


class ConnectorTransport:
    """One aiohttp connection pool for every Connector client of a bot; `pipeline(config)` for
    each."""

    def __init__(self, verify: bool | str, timeout: float) -> None:
        self._ssl = _trust(verify)
        # requests' `timeout` bounds the connect and each read, not the whole call: the same here.
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxies: dict[tuple[str, str | None, int | None], URL | None] = {}

    def pipeline(self, config: Configuration) -> AsyncPipeline:
        """msrest's default async pipeline (AsyncServiceClient._create_default_pipeline), over
        aiohttp."""
        policies: list[AsyncHTTPPolicy | SansIOHTTPPolicy] = [
            config.user_agent_policy,
            RawDeserializer(),
            config.http_logger_policy,
        ]
        credentials = config.credentials
        if isinstance(credentials, AsyncHTTPPolicy | SansIOHTTPPolicy):
            policies.insert(1, credentials)
        elif credentials:
            policies.insert(1, BearerToken(credentials))
        return AsyncPipeline(policies, _Sender(self))

    async def send(self, request: ClientRequest) -> AsyncClientResponse:
        body = request.data.encode() if isinstance(request.data, str) else request.data
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        url = URL(request.url, encoded=True)  # msrest quoted it: sent as requests would send it
        try:
            async with self._session_now().request(
                request.method,
                url,
                headers=headers,
                data=body,
                ssl=self._ssl,
                proxy=self._proxy(url),
            ) as answer:
                return _Answer(request, answer, await answer.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ClientRequestError("Error occurred in request.", exc) from exc

    async def close(self) -> None:
        session, self._session, self._loop = self._session, None, None
        if session is not None:
            await session.close()

    def _proxy(self, url: URL) -> URL | None:
        """The proxy the environment names for the URL's origin (HTTPS_PROXY, NO_PROXY), as requests
        reads it; looked up once per origin (aiohttp's trust_env would ask a thread on every
        call)."""
        origin = (url.scheme, url.host, url.port)
        if origin not in self._proxies:
            try:
                self._proxies[origin] = get_env_proxy_for_url(url)[0]
            except LookupError:
                self._proxies[origin] = None
        return self._proxies[origin]

    def _session_now(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=CONNECTIONS),
                timeout=self._timeout,
            )
            self._loop = loop
        return self._session


class BearerToken(AsyncHTTPPolicy):  # type: ignore[misc]
    """The bot's token on each call, exactly as its credentials' `signed_session` puts it on a
    requests session (no token for the Emulator), and requests' errors on the way as msrest's."""

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials

    async def send(self, request: Request, **kwargs: Any) -> Response:
        signed = SimpleNamespace(headers={})  # what signed_session reads and writes of a session
        try:
            self._credentials.signed_session(signed)
        except requests.RequestException as exc:  # MSAL asks Azure AD through requests
            raise ClientRequestError("Error occurred in request.", exc) from exc
        headers = request.http_request.headers
        token = signed.headers.get("Authorization")
        if token:
            headers["Authorization"] = token
        else:
            headers.pop("Authorization", None)
        assert self.next is not None  # the pipeline links every policy to the next
        return await self.next.send(request, **kwargs)


class _Sender(AsyncHTTPSender):  # type: ignore[misc]
    def __init__(self, transport: ConnectorTransport) -> None:
        self._transport = transport

    async def __aenter__(self) -> _Sender:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        return None

    def build_context(self) -> None:
        return None

    async def send(self, request: Request, **kwargs: Any) -> Response:
        return Response(request, await self._transport.send(request.http_request))


class _Answer(AsyncClientResponse):  # type: ignore[misc]
    """The Connector's answer, read whole (msrest's own aiohttp response refuses an empty body)."""

    def __init__(self, request: ClientRequest, answer: aiohttp.ClientResponse, body: bytes) -> None:
        raw = RawAnswer(answer.status, answer.reason or "", answer.headers.copy(), body)
        super().__init__(request, raw)
        self.status_code, self.reason, self.headers = raw.status_code, raw.reason, raw.headers
        self._body = body

    def body(self) -> bytes:
        return self._body


@dataclass(frozen=True)
class RawAnswer:
    """What an HttpOperationError keeps as its `response`, by requests.Response's names (as
    errors.connector_errors reads them: the status and Retry-After)."""

    status_code: int
    reason: str
    headers: CIMultiDict[str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8-sig", errors="replace")


def _trust(verify: bool | str) -> ssl.SSLContext | bool:
    if verify is False:
        return False
    if isinstance(verify, str):
        path = Path(verify)
        if path.is_dir():
            return ssl.create_default_context(capath=str(path))
        return ssl.create_default_context(cafile=str(path))
    return ssl.create_default_context(cafile=certifi.where())  # requests' own default
