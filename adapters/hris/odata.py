"""OData v2 JSON values as SuccessFactors writes them: `/Date(ms)/`, `/Date(ms+0000)/`, and error
bodies."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")


def odata_datetime(value: object) -> datetime | None:
    """An Edm.DateTime or Edm.DateTimeOffset; None when absent or unreadable (HR data is often
    patchy)."""
    match = _DATE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group("ms")))
    return moment  # the milliseconds are UTC either way; the offset only says where it was written


def odata_date(value: object) -> date | None:
    moment = odata_datetime(value)
    return moment.date() if moment is not None else None


def odata_error(payload: object) -> str:
    """The message of `{"error": {"code": …, "message": {"value": …}}}`, for an operator (no
    personal data)."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        error = payload["error"]
        message = error.get("message")
        text = message.get("value") if isinstance(message, dict) else message
        return f"{error.get('code', '')} {text or ''}".strip()[:300]
    return "no OData error body"
