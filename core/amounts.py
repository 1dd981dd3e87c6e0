"""Amounts as people type them, read one way for every channel: `25`, `$25`, `€25`, `25 EUR`, `EUR
25`, `₹1,000`."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from core.money import AmountNotRead, Money, plain_number, without_symbol
from core.refusals import Reason

_WORD = re.compile(r"\s*(\S+)")
_CODE = re.compile(r"^[A-Za-z]{3}$")
# What could only be meant as an amount: digits with separators, a currency symbol at either end.
_NUMBER_LIKE = re.compile(r"^[$€£¥₹]?[0-9][0-9.,]*[$€£¥₹]?$")


class AmountRefused(ValueError):
    """The text names an amount, but not one that can be read safely; the message says how to write
    it."""


class TwoCurrencies(AmountRefused):
    """A symbol and a code (or two codes) next to the amount name different currencies: `$25
    EUR`."""


@dataclass(frozen=True)
class TypedAmount:
    """An amount as typed: its digits (commas removed) and the currency it names, if it names
    one."""

    number: str
    currency: str | None = None

    def money(self, default_currency: str) -> Money:
        """In the currency typed, else in `default_currency` (the programme's)."""
        try:
            return Money.parse(self.number, self.currency or default_currency)
        except ValueError as exc:
            raise AmountRefused(_refused(exc)) from None


def take_amount(text: str, currencies: Collection[str] = ()) -> tuple[TypedAmount | None, str]:
    """The amount that starts `text`, and the text after it; (None, text) if it does not start with
    one.

    A 3-letter word next to the number is its currency when written like a code (`EUR`) or when
    it names a currency a programme pays in (`eur`); otherwise it belongs to what follows (`25
    for …`)."""
    known = {c.upper() for c in currencies}
    first, after_first = _next_word(text)
    code_first = _code(first, known)
    number, rest = _next_word(after_first) if code_first else (first, after_first)
    if not _NUMBER_LIKE.match(number):
        return None, text
    digits, symbol = without_symbol(number)
    try:
        digits = plain_number(digits)
    except ValueError as exc:
        raise AmountRefused(_refused(exc)) from None
    named = [c for c in (code_first, symbol) if c]
    if not code_first:
        code_after, after_code = _next_word(rest)
        if _code(code_after, known):
            named.append(code_after.upper())
            rest = after_code
    if len(set(named)) > 1:
        typed = text[: len(text) - len(rest)].strip()
        raise TwoCurrencies(
            Reason("two_currencies", typed=typed, currencies=" and ".join(dict.fromkeys(named)))
        )
    return TypedAmount(digits, named[0] if named else None), rest.strip()


def read_amount(text: str, currencies: Collection[str] = ()) -> TypedAmount:
    """A field that holds only an amount (a form, the HR API): all of `text` must be read."""
    amount, rest = take_amount(text, currencies)
    if amount is None or rest:
        raise AmountRefused(Reason("not_an_amount", typed=text.strip()))
    return amount


def read_amount_with(text: str, currency: str | None) -> TypedAmount:
    """A field that holds an amount, next to a currency field (a CSV column, a form's picker, the HR
    API's `currency`): the two must agree when both name one; either may name it."""
    named = currency.strip().upper() if currency and currency.strip() else None
    typed = read_amount(text, {named} if named else ())
    if named and typed.currency not in (None, named):
        raise TwoCurrencies(
            Reason(
                "other_currency", typed=text.strip(), typed_currency=typed.currency, currency=named
            )
        )
    return TypedAmount(typed.number, typed.currency or named)


def amount_in(text: str, currency: str) -> Money:
    """A field that holds an amount in a known currency (a CSV row, a form with a currency
    picked)."""
    typed = read_amount(text, {currency})
    if typed.currency not in (None, currency):
        raise AmountRefused(
            Reason("paid_in", typed=text.strip(), typed_currency=typed.currency, currency=currency)
        )
    return typed.money(currency)


def _next_word(text: str) -> tuple[str, str]:
    found = _WORD.match(text)
    return (found.group(1), text[found.end() :]) if found else ("", "")


def _code(word: str, known: Collection[str]) -> str | None:
    if _CODE.match(word) and (word.isupper() or word.upper() in known):
        return word.upper()
    return None


def _refused(error: ValueError) -> str:
    """Why core.money could not read an amount: a `Reason` (the same English sentence) when the
    error says why as data."""
    if isinstance(error, AmountNotRead):
        return Reason(error.rule, **error.values)
    return _sentence(str(error))


def _sentence(text: str) -> str:
    text = text.strip()
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"
