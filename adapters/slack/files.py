"""Downloading a file shared with the app (a bulk-reward CSV) from Slack, with the bot token.

The token goes only to Slack's file host (or the configured API host, for tests and proxies): a file
object's URL comes from Slack, but the token must never follow a URL anywhere else.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from ssl import SSLContext
from typing import Any
from urllib.parse import urlparse

import aiohttp

from adapters.i18n.phrases import Phrase, later
from adapters.slack.bulk import MAX_BYTES

SLACK_FILE_HOSTS = frozenset({"files.slack.com"})
TIMEOUT_SECONDS = 30


class FileUnavailable(Exception):
    """The file could not be downloaded; the message is for the person who shared it, in their
    language (`phrase`, said by `words.error_text`)."""

    def __init__(self, phrase: Phrase | str) -> None:
        super().__init__(str(phrase))
        self.phrase = phrase if isinstance(phrase, Phrase) else None


def is_csv(file: Mapping[str, Any]) -> bool:
    name = str(file.get("name") or "").lower()
    return (
        file.get("filetype") == "csv" or name.endswith(".csv") or file.get("mimetype") == "text/csv"
    )


class FileFetcher:
    """Fetches `url_private_download` with the bot token, refusing other hosts and oversized
    files."""

    def __init__(self, extra_hosts: Collection[str] = (), ssl: SSLContext | None = None) -> None:
        self._hosts = SLACK_FILE_HOSTS | frozenset(h for h in extra_hosts if h)
        self._ssl = ssl

    async def __call__(self, file: Mapping[str, Any], token: str) -> bytes:
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        if urlparse(url).hostname not in self._hosts:
            raise FileUnavailable(later("Slack did not give me a download link for that file."))
        if int(file.get("size") or 0) > MAX_BYTES:
            raise FileUnavailable(
                later(
                    "The file is larger than {megabytes} MB; split it up.",
                    megabytes=MAX_BYTES // (1024 * 1024),
                )
            )
        try:
            return await _download(url, token, self._ssl)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FileUnavailable(
                later("I could not reach Slack to download the file; please share it again.")
            ) from exc


async def _download(url: str, token: str, ssl: SSLContext | None) -> bytes:
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers=headers, ssl=ssl if ssl is not None else True) as response,
    ):
        # Without access Slack answers with its sign-in page (HTML), not an error status.
        if response.status != 200 or response.content_type == "text/html":
            raise FileUnavailable(
                later("I could not download the file from Slack; please share it again.")
            )
        return await response.content.read(MAX_BYTES + 1)
