"""What a catalog entry's amounts and expiry policy say, read from its raw mapping and noting every
problem in them rather than stopping at the first."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from core.catalog import ExpiryPolicy, ValueRange
from core.money import Money

MAX_EXPIRY_DAYS = 36500

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Note = Callable[[str, str], None]


class AmountReader:
    """An entry's amounts: fixed denominations or an open value range, in integer minor units."""

    def __init__(self, raw: dict[Any, Any], note: Note) -> None:
        self._raw = raw
        self._note = note

    def read(self, currency: str | None) -> tuple[tuple[int, ...], ValueRange | None]:
        has_list, has_range = "denominations" in self._raw, "value_range" in self._raw
        if has_list and has_range:
            self._note("denominations", "give either denominations or a value_range, not both")
        elif not has_list and not has_range:
            self._note(
                "denominations", "give denominations (fixed amounts) or a value_range (open amount)"
            )
        denominations = self._denominations(currency) if has_list else ()
        value_range = self._value_range(currency) if has_range else None
        return denominations, value_range

    def _denominations(self, currency: str | None) -> tuple[int, ...]:
        value = self._raw["denominations"]
        if not isinstance(value, list) or not value:
            self._note("denominations", "must be a non-empty list of amounts, e.g. [10, 25, 50]")
            return ()
        amounts: list[int] = []
        for position, amount in enumerate(value):
            minor = self._amount(f"denominations[{position}]", amount, currency)
            if minor is not None and minor in amounts:
                self._note(f"denominations[{position}]", f"{amount} is listed twice")
            elif minor is not None:
                amounts.append(minor)
        return tuple(sorted(amounts))

    def _value_range(self, currency: str | None) -> ValueRange | None:
        value = self._raw["value_range"]
        if not isinstance(value, dict):
            self._note("value_range", "must be a mapping: {min: 10, max: 500, step: 5}")
            return None
        for key in value:
            if key not in ("min", "max", "step"):
                self._note(f"value_range.{key}", "unknown field (min, max and step are read)")
        for key in ("min", "max"):
            if key not in value:
                self._note(f"value_range.{key}", "missing required field")
        low = (
            self._amount("value_range.min", value.get("min"), currency) if "min" in value else None
        )
        high = (
            self._amount("value_range.max", value.get("max"), currency) if "max" in value else None
        )
        step = self._amount("value_range.step", value.get("step", 1), currency)
        return self._checked_range(low, high, step)

    def _checked_range(
        self, low: int | None, high: int | None, step: int | None
    ) -> ValueRange | None:
        if low is None or high is None or step is None:
            return None
        if low > high:
            self._note("value_range.min", "min is more than max")
            return None
        if (high - low) % step:
            self._note("value_range.step", "max must be min plus a whole number of steps")
            return None
        return ValueRange(low, high, step)

    def _amount(self, field: str, value: object, currency: str | None) -> int | None:
        if currency is None:
            return None
        text = format(value, "f") if isinstance(value, Decimal) else value
        if isinstance(text, bool) or not isinstance(text, str | int):
            self._note(field, f"{value!r} is not an amount")
            return None
        try:
            minor = Money.parse(str(text), currency).minor
        except ValueError as exc:
            self._note(field, str(exc))
            return None
        if minor <= 0:
            self._note(field, "must be more than zero")
            return None
        return minor


class ExpiryReader:
    """An entry's expiry: a number of days after issue or a fixed date."""

    def __init__(self, raw: dict[Any, Any], note: Note) -> None:
        self._raw = raw
        self._note = note

    def read(self) -> ExpiryPolicy:
        value = self._raw.get("expiry")
        if "expiry" not in self._raw:
            return ExpiryPolicy()
        if (
            not isinstance(value, dict)
            or len(value) != 1
            or not value.keys() <= {"days_after_issue", "fixed_date"}
        ):
            self._note("expiry", "give one of {days_after_issue: 365} or {fixed_date: YYYY-MM-DD}")
            return ExpiryPolicy()
        if "fixed_date" in value:
            return ExpiryPolicy(days_after_issue=None, fixed_date=self._date(value["fixed_date"]))
        return ExpiryPolicy(days_after_issue=self._days(value["days_after_issue"]))

    def _date(self, value: object) -> date:
        if isinstance(value, date):
            return value
        try:
            if isinstance(value, str) and _ISO_DATE.match(value):
                return date.fromisoformat(value)
        except ValueError:
            pass
        self._note("expiry.fixed_date", f"'{value}' is not a valid date written YYYY-MM-DD")
        return date.max

    def _days(self, value: object) -> int:
        days = _whole_number(value)
        if days is not None and 1 <= days <= MAX_EXPIRY_DAYS:
            return days
        self._note(
            "expiry.days_after_issue", f"must be a whole number of days from 1 to {MAX_EXPIRY_DAYS}"
        )
        return 365


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return None
    number = Decimal(value)
    return int(number) if number.is_finite() and number == number.to_integral_value() else None
