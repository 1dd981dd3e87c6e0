"""Reading a bulk-reward CSV: one row per reward, checked for shape here, for meaning by the core.

Columns (any order, case-insensitive): `email` or `user_id`, `amount`, `reason`, and optionally
`currency` and `programme`. Excel's semicolon-separated exports and a UTF-8 byte order mark are
fine.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from adapters.i18n.phrases import Phrase, later
from core.bulk import RewardRow

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DELIMITERS = ",;\t"
HEADER_ALIASES = {
    "user": "user_id",
    "userid": "user_id",
    "slack_id": "user_id",
    "program": "programme",
}


class InvalidFile(ValueError):
    """The file as a whole cannot be read as a reward CSV; the message says what to fix, in the
    sharer's language (`phrase`, said by `words.error_text`)."""

    def __init__(self, phrase: Phrase | str) -> None:
        super().__init__(str(phrase))
        self.phrase = phrase if isinstance(phrase, Phrase) else None


@dataclass(frozen=True)
class BulkRow:
    """One data row, as typed; `line` is its row number in a spreadsheet (the header is row 1)."""

    line: int
    email: str = ""
    user_id: str = ""
    amount: str = ""
    reason: str = ""
    currency: str = ""
    programme: str = ""

    @property
    def who(self) -> str:
        return self.email or self.user_id or "(nobody)"

    def reward_row(self, request_key: str) -> RewardRow:
        """The row in the core's terms, for core.bulk.send_rows."""
        return RewardRow(
            self.line,
            self.who,
            self.amount,
            self.reason,
            request_key,
            self.currency,
            self.programme,
        )


def parse_rows(data: bytes, max_rows: int = MAX_ROWS) -> list[BulkRow]:
    """The file's rows, blank lines skipped; InvalidFile when the file itself is unusable."""
    if len(data) > MAX_BYTES:
        raise InvalidFile(
            later(
                "The file is larger than {megabytes} MB; split it into smaller files.",
                megabytes=MAX_BYTES // (1024 * 1024),
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile(
            later("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from None
    reader = csv.reader(io.StringIO(text), dialect=_dialect(text))
    header = [_column(name) for name in next(reader, [])]
    _check_header(header)
    rows = [
        _row(line, header, values)
        for line, values in enumerate(reader, start=2)
        if any(v.strip() for v in values)
    ]
    if not rows:
        raise InvalidFile(later("The file has a header but no rows."))
    if len(rows) > max_rows:
        raise InvalidFile(
            later(
                "The file has {rows} rows; send at most {limit} per file.",
                rows=f"{len(rows):,}",
                limit=f"{max_rows:,}",
            )
        )
    return rows


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return HEADER_ALIASES.get(key, key)


def _check_header(header: list[str]) -> None:
    missing = [c for c in ("amount", "reason") if c not in header]
    if "email" not in header and "user_id" not in header:
        missing.insert(0, "email (or user_id)")
    if missing:
        raise InvalidFile(
            later(
                "The first row must name the columns; missing: {columns}. Example: "
                "`email,amount,reason` then one reward per row.",
                columns=", ".join(missing),
            )
        )


def _row(line: int, header: list[str], values: list[str]) -> BulkRow:
    cells = {name: value.strip() for name, value in zip(header, values, strict=False)}
    return BulkRow(
        line=line,
        email=cells.get("email", "").lower(),
        user_id=_user_id(cells.get("user_id", "")),
        amount=cells.get("amount", ""),
        reason=cells.get("reason", ""),
        currency=cells.get("currency", "").upper(),
        programme=cells.get("programme", ""),
    )


def _user_id(cell: str) -> str:
    # People paste mentions too: `<@U123|ada>` or `@U123`.
    return cell.strip("<>@ ").split("|", 1)[0]
