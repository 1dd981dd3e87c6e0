"""Reading the ECB's daily reference-rate XML (eurofxref-daily.xml) into core.fx rates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from core.fx import PIVOT, Rate
from core.money import check_currency

SOURCE = "ecb"
_NS = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
# The ECB publishes around 16:00 CET (15:00 UTC in winter, 14:00 in summer): the earlier hour, so a
# rate never looks fresher than it is.
PUBLISHED_AT = time(14, 0, tzinfo=UTC)
MAX_BYTES = 1_000_000


class RatesFileError(ValueError):
    """The text is not an ECB reference-rate file we can trust."""


def parse_ecb(data: bytes) -> list[Rate]:
    """Every `1 EUR = x CUR` rate of the newest day in the file; RatesFileError for anything
    else."""
    if len(data) > MAX_BYTES:
        raise RatesFileError("the rates file is larger than 1 MB")
    try:
        root = SafeTree.fromstring(data)
    except (SafeTree.ParseError, DefusedXmlException) as exc:
        raise RatesFileError(f"the rates file is not ECB XML: {exc}") from exc
    days = [cube for cube in root.iter(f"{_NS}Cube") if cube.get("time")]
    if not days:
        raise RatesFileError("the rates file has no <Cube time='YYYY-MM-DD'> element")
    newest = max(days, key=lambda cube: cube.get("time", ""))
    as_of = datetime.combine(_day(newest.get("time", "")), PUBLISHED_AT)
    rates = [_rate(cube.get("currency", ""), cube.get("rate", ""), as_of) for cube in newest]
    if not rates:
        raise RatesFileError(f"the rates file has no rates for {newest.get('time')}")
    return rates


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RatesFileError(f"'{text}' is not a date") from exc


def _rate(currency: str, value: str, as_of: datetime) -> Rate:
    try:
        return Rate(PIVOT, check_currency(currency), Decimal(value), SOURCE, as_of)
    except (ValueError, InvalidOperation) as exc:
        raise RatesFileError(f"bad rate {currency!r}={value!r}: {exc}") from exc
