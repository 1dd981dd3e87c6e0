"""Bulk rewards from a CSV file sent to the bot: the file attachment, its download, and its rows,
checked."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from ssl import SSLContext
from typing import Any

import aiohttp
from botbuilder.schema import Activity

from adapters.i18n.phrases import Phrase, later
from adapters.teams.unreadable import UnreadableCommand
from core.money import Money
from core.views import RewardSummary

FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DOWNLOAD_TIMEOUT_SECONDS = 30
COLUMNS_HINT = later(
    "columns {email} or {user_id} (Entra object id), {amount}, {reason}, and optionally "
    "{currency}, {name}",
    email="“email”",
    user_id="“user_id”",
    amount="“amount”",
    reason="“reason”",
    currency="“currency”",
    name="“name”",
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ALIASES = {
    "userid": "user_id",
    "aad_object_id": "user_id",
    "aadobjectid": "user_id",
    "e-mail": "email",
}


@dataclass(frozen=True)
class SharedFile:
    """A file someone sent the bot in a personal chat (Teams uploads it to their OneDrive first)."""

    name: str
    download_url: str
    unique_id: str
    file_type: str

    @property
    def is_csv(self) -> bool:
        return self.file_type.lower() == "csv" or self.name.lower().endswith(".csv")


@dataclass(frozen=True)
class Row:
    """One recipient line of the file, checked for shape (the core checks amounts, reasons and
    budgets)."""

    number: int
    email: str
    user_id: str
    amount: str
    reason: str
    currency: str | None = None
    name: str = ""

    @property
    def who(self) -> str:
        return self.name or self.email or self.user_id


@dataclass(frozen=True)
class BadRow:
    """A refused row: what the file got wrong (a Phrase), or the core's refusal (a Reason, or the
    error it was refused with)."""

    number: int
    who: str
    problem: str | Phrase
    error: Exception | None = None


@dataclass
class BulkReport:
    """What happened to each row: sent, sent before (the same file again), or refused and why."""

    file_name: str
    sent: list[RewardSummary] = field(default_factory=list)
    already_sent: int = 0
    refused: list[BadRow] = field(default_factory=list)
    budget_left: list[Money] = field(default_factory=list)


def shared_file(activity: Activity) -> SharedFile | None:
    for attachment in activity.attachments or []:
        content: Any = attachment.content
        if (
            attachment.content_type == FILE_DOWNLOAD
            and isinstance(content, dict)
            and content.get("downloadUrl")
        ):
            return SharedFile(
                name=attachment.name or "file",
                download_url=str(content["downloadUrl"]),
                unique_id=str(content.get("uniqueId") or attachment.name or ""),
                file_type=str(content.get("fileType") or ""),
            )
    return None


async def download(file: SharedFile, ssl: SSLContext | None = None) -> bytes:
    """The file's bytes; the download URL is pre-authorised by Teams and short-lived, so fetch it
    now."""
    if not file.download_url.startswith(("https://", "http://")):
        raise UnreadableCommand(later("That file has no download link I can use."))
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(file.download_url, ssl=ssl if ssl is not None else True) as response,
        ):
            if response.status != 200:
                raise UnreadableCommand(
                    later(
                        "I couldn't download {file} (HTTP {status}); send it again.",
                        file=file.name,
                        status=response.status,
                    )
                )
            data = await response.content.read(MAX_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError):
        raise UnreadableCommand(
            later("I couldn't download {file}; send it again in a moment.", file=file.name)
        ) from None
    if len(data) > MAX_BYTES:
        raise UnreadableCommand(
            later(
                "{file} is larger than {size} MB; split it up.",
                file=file.name,
                size=MAX_BYTES // (1024 * 1024),
            )
        )
    return data


def read_rows(data: bytes) -> tuple[list[Row], list[BadRow]]:
    """Good rows to send and malformed rows to report; UnreadableCommand if the file is not such a
    CSV."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableCommand(later("Save the file as CSV (UTF-8) and send it again.")) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_column(name) for name in next(reader, [])]
    if "amount" not in header or "reason" not in header or not {"email", "user_id"} & set(header):
        raise UnreadableCommand(
            later("The first line of the CSV must name its {columns}.", columns=COLUMNS_HINT)
        )
    rows: list[Row] = []
    bad: list[BadRow] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        number = reader.line_num
        if len(rows) + len(bad) >= MAX_ROWS:
            bad.append(
                BadRow(
                    number,
                    "",
                    later(
                        "more than {rows} rows in one file; send the rest separately",
                        rows=MAX_ROWS,
                    ),
                )
            )
            break
        checked = _row(number, header, values)
        (rows if isinstance(checked, Row) else bad).append(checked)  # type: ignore[arg-type]
    return rows, bad


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_")
    return _ALIASES.get(key, key)


def _row(number: int, header: list[str], values: list[str]) -> Row | BadRow:
    if len(values) != len(header):
        return BadRow(
            number,
            "",
            later(
                "it has {fields} fields, the header has {columns}",
                fields=len(values),
                columns=len(header),
            ),
        )
    cells = {name: value.strip() for name, value in zip(header, values, strict=True)}
    email, user_id = cells.get("email", ""), cells.get("user_id", "")
    who = cells.get("name") or email or user_id
    if not email and not user_id:
        return BadRow(number, who, later("no email or user_id"))
    if user_id and not _GUID.match(user_id):
        return BadRow(number, who, later("{typed} is not an Entra object id", typed=f"“{user_id}”"))
    if not user_id and not _EMAIL.match(email):
        return BadRow(number, who, later("{typed} is not an email address", typed=f"“{email}”"))
    if not cells.get("amount"):
        return BadRow(number, who, later("no amount"))
    currency = cells.get("currency") or None
    return Row(
        number,
        email,
        user_id,
        cells["amount"],
        cells.get("reason", ""),
        currency,
        cells.get("name", ""),
    )
