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

from adapters.teams.unreadable import UnreadableCommand
from core.money import Money
from core.views import RewardSummary

FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DOWNLOAD_TIMEOUT_SECONDS = 30
COLUMNS_HINT = (
    "columns “email” or “user_id” (Entra object id), “amount”, “reason”, and optionally "
    "“currency”, “name”"
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
    number: int
    who: str
    problem: str


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
        raise UnreadableCommand("That file has no download link I can use.")
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(file.download_url, ssl=ssl if ssl is not None else True) as response,
        ):
            if response.status != 200:
                raise UnreadableCommand(
                    f"I couldn't download {file.name} (HTTP {response.status}); send it again."
                )
            data = await response.content.read(MAX_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError):
        raise UnreadableCommand(
            f"I couldn't download {file.name}; send it again in a moment."
        ) from None
    if len(data) > MAX_BYTES:
        raise UnreadableCommand(
            f"{file.name} is larger than {MAX_BYTES // (1024 * 1024)} MB; split it up."
        )
    return data


def read_rows(data: bytes) -> tuple[list[Row], list[BadRow]]:
    """Good rows to send and malformed rows to report; UnreadableCommand if the file is not such a
    CSV."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableCommand("Save the file as CSV (UTF-8) and send it again.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_column(name) for name in next(reader, [])]
    if "amount" not in header or "reason" not in header or not {"email", "user_id"} & set(header):
        raise UnreadableCommand(f"The first line of the CSV must name its {COLUMNS_HINT}.")
    rows: list[Row] = []
    bad: list[BadRow] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        number = reader.line_num
        if len(rows) + len(bad) >= MAX_ROWS:
            bad.append(
                BadRow(
                    number, "", f"more than {MAX_ROWS} rows in one file; send the rest separately"
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
        return BadRow(number, "", f"it has {len(values)} fields, the header has {len(header)}")
    cells = {name: value.strip() for name, value in zip(header, values, strict=True)}
    email, user_id = cells.get("email", ""), cells.get("user_id", "")
    who = cells.get("name") or email or user_id
    if not email and not user_id:
        return BadRow(number, who, "no email or user_id")
    if user_id and not _GUID.match(user_id):
        return BadRow(number, who, f"“{user_id}” is not an Entra object id")
    if not user_id and not _EMAIL.match(email):
        return BadRow(number, who, f"“{email}” is not an email address")
    if not cells.get("amount"):
        return BadRow(number, who, "no amount")
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
