"""Bulk rewards: a CSV file shared with the app in its DM becomes one reward per row, and a report.

Each good row is one `RewardSender.send` (all of a row or nothing) with a request key made of the
file id and the row number, so a retried event, or the same file seen through both `file_shared` and
a `message` event, sends nothing twice. People are resolved from the workspace's profile cache (one
paged users.list walk), never one users.lookupByEmail per row. The recipients' DMs go through the
outbox, which paces them and honours Slack's Retry-After.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import APOLOGY, Background
from adapters.i18n import words
from adapters.i18n.phrases import later
from adapters.slack import reward_blocks
from adapters.slack.bulk import BulkRow, InvalidFile, parse_rows
from adapters.slack.directory import SlackDirectory, UserDirectory
from adapters.slack.files import FileFetcher, FileUnavailable, is_csv
from adapters.slack.kit import Message
from adapters.slack.locales import SlackLocales
from adapters.slack.reward_people import admin_refusal
from adapters.slack.reward_text import dm_address, row_request_key
from adapters.slack.translate import PLATFORM
from core.bulk import BulkReport, RewardRow, send_rows
from core.identity import ChatUser
from core.recognition import Recognition
from core.rewards import Recipient

log = logging.getLogger(__name__)

SEEN_FILES = 1000
NOT_CSV = later(
    "I read reward lists as CSV files with columns email (or user_id), amount, reason. Try {help}.",
    help="`/reward help`",
)

Body = dict[str, Any]


def register_bulk(
    app: AsyncApp,
    *,
    recognition: Recognition,
    work: Background,
    users: UserDirectory,
    fetch: FileFetcher,
    locales: SlackLocales | None = None,
) -> None:
    """Listen for CSV files shared in the app's DM (`file_shared`, or a `message` carrying
    files)."""
    listener = _BulkListener(recognition, work, users, fetch, locales or SlackLocales())
    app.event("file_shared")(listener.file_shared)
    app.event({"type": "message", "subtype": "file_share"})(listener.file_message)


class _BulkListener:
    def __init__(
        self,
        recognition: Recognition,
        work: Background,
        users: UserDirectory,
        fetch: FileFetcher,
        locales: SlackLocales,
    ) -> None:
        self._locales = locales
        self._recognition = recognition
        self._work = work
        self._users = users
        self._fetch = fetch
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def file_shared(self, body: Body, event: Body, client: AsyncWebClient) -> None:
        self._start(
            body,
            str(event.get("file_id", "")),
            str(event.get("user_id", "")),
            event.get("channel_id"),
            client,
        )

    async def file_message(self, body: Body, event: Body, client: AsyncWebClient) -> None:
        for file in event.get("files") or ():
            self._start(
                body,
                str(file.get("id", "")),
                str(event.get("user", "")),
                event.get("channel"),
                client,
            )

    def _start(
        self, body: Body, file_id: str, user_id: str, channel: Any, client: AsyncWebClient
    ) -> None:
        team = str(body.get("team_id", ""))
        # Only files shared with the app in its own DM are reward lists; a channel's files are not
        # ours.
        if (
            not file_id
            or not user_id
            or not str(channel or "").startswith("D")
            or self._seen_before(team, file_id)
        ):
            return

        async def tell(exc: BaseException) -> None:
            await _post(client, str(channel), reward_blocks.notice(APOLOGY))

        self._work.spawn(self._process(team, str(channel), user_id, file_id, client), tell)

    def _seen_before(self, team: str, file_id: str) -> bool:
        key = f"{team}:{file_id}"
        if key in self._seen:
            return True
        self._seen[key] = None
        while len(self._seen) > SEEN_FILES:
            self._seen.popitem(last=False)
        return False

    async def _process(
        self, team: str, channel: str, user_id: str, file_id: str, client: AsyncWebClient
    ) -> None:
        file = (await client.files_info(file=file_id))["file"]
        loc = await self._locales.of(client, team, user_id)
        if not is_csv(file):
            await _post(client, channel, reward_blocks.notice(NOT_CSV.said(loc)))
            return
        profile = (await self._users.profiles(client, team, [user_id])).get(user_id)
        giver = ChatUser(PLATFORM, team, user_id, profile.name if profile else "")
        refusal = await admin_refusal(self._recognition.givers, giver, loc)
        if refusal is not None:
            await _post(client, channel, reward_blocks.notice(refusal))
            return
        try:
            rows = parse_rows(await self._fetch(file, str(client.token or "")))
        except (InvalidFile, FileUnavailable) as exc:
            await _post(client, channel, reward_blocks.notice(words.error_text(exc, loc)))
            return
        name = str(file.get("name") or file_id)
        progress = await _post(client, channel, reward_blocks.bulk_progress(name, len(rows), loc))
        report = await self._send_rows(team, file_id, giver, rows, client, name)
        log.info(
            "slack bulk rewards",
            extra={"file": file_id, "sent": len(report.sent), "refused": len(report.refused)},
        )
        await _finish(client, channel, progress, reward_blocks.bulk_report(report, loc))

    async def _send_rows(
        self,
        team: str,
        file_id: str,
        giver: ChatUser,
        rows: list[BulkRow],
        client: AsyncWebClient,
        name: str,
    ) -> BulkReport:
        await self._warm(client, team, rows)
        directory = SlackDirectory(self._users, client, team)
        by_line = {row.line: row for row in rows}

        async def find(row: RewardRow) -> Recipient | str:
            return await _recipient(directory, by_line[row.line])

        wanted = [row.reward_row(row_request_key(team, file_id, row.line)) for row in rows]
        return await send_rows(
            self._recognition, giver, name, wanted, find, dm_address(team, giver.user_id)
        )

    async def _warm(self, client: AsyncWebClient, team: str, rows: list[BulkRow]) -> None:
        """Fill the profile cache once for the whole file (one users.list walk, not a call per
        row)."""
        if any(r.email for r in rows):
            await self._users.refresh(client, team)
        await self._users.profiles(client, team, [r.user_id for r in rows if r.user_id])


async def _recipient(directory: SlackDirectory, row: BulkRow) -> Recipient | str:
    if row.user_id:
        found = await directory.find_by_id(row.user_id)
        return found or f"{row.user_id} is not an active member of this workspace."
    if row.email:
        found = await directory.find_by_email(row.email)
        return found or f"No active member of this workspace has the email {row.email}."
    return "The row has neither an email nor a user_id."


async def _finish(client: AsyncWebClient, channel: str, progress: str, report: Message) -> None:
    """Replace the progress message with the report; if Slack refuses the update, post the report
    anew."""
    try:
        await client.chat_update(
            channel=channel, ts=progress, text=report.text, blocks=report.blocks
        )
    except SlackApiError:
        log.warning(
            "bulk report could not replace its progress message", extra={"channel": channel}
        )
        await _post(client, channel, report)


async def _post(client: AsyncWebClient, channel: str, message: Message) -> str:
    response = await client.chat_postMessage(
        channel=channel, text=message.text, blocks=message.blocks
    )
    return str(response.get("ts", ""))
