"""The people of a single-workspace install, whose team id Slack tells on first use (auth.test)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from core.rewards import Recipient

log = logging.getLogger(__name__)

ClientFor = Callable[
    [str, str | None], Awaitable[AsyncWebClient]
]  # (team, enterprise) -> bot client
DirectoryFor = Callable[[str, str | None], Awaitable[SlackDirectory]]


class WorkspaceDirectory:
    """core.ports.Directory over the bot token's own workspace, for HR systems and milestones.

    A bot token belongs to one workspace, but the settings do not name it; auth.test does. It is
    asked once, when someone is first looked up, so the bot starts even while Slack cannot be
    reached; a failed ask is repeated on the next look-up.
    """

    def __init__(self, client_for: ClientFor, directory_for: DirectoryFor) -> None:
        self._client_for = client_for
        self._directory_for = directory_for
        self._directory: SlackDirectory | None = None
        self._lock = asyncio.Lock()

    async def find_by_email(self, email: str) -> Recipient | None:
        return await (await self._workspace()).find_by_email(email)

    async def _workspace(self) -> SlackDirectory:
        async with self._lock:
            if self._directory is None:
                client = await self._client_for(
                    "", None
                )  # a single-workspace token ignores the team
                identity = await client.auth_test()
                team, enterprise = str(identity["team_id"]), identity.get("enterprise_id") or None
                self._directory = await self._directory_for(team, enterprise)
                log.info("slack workspace learnt from auth.test", extra={"team": team})
            return self._directory
