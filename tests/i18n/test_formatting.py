"""Amounts and dates as each person reads them (Babel/CLDR), and locale tags as the platforms send
them."""

from datetime import date

import pytest

from adapters.i18n import localizer
from adapters.i18n.tags import from_accept_language
from core.money import Money

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("tag", "money", "shown"),
    [
        ("en-US", Money(2_000_000, "INR"), "₹20,000"),
        ("hi-IN", Money(1_000_000_00, "INR"), "₹10,00,000"),
        ("en-US", Money(10_000, "JPY"), "¥10,000"),
        ("en-US", Money(100_000, "USD"), "$1,000"),
        ("en-US", Money(2_550, "USD"), "$25.50"),
        ("de-DE", Money(123_450, "EUR"), f"1.234,50{NBSP}€"),
        ("en-US", Money(6_000, "AUD"), "A$60"),
    ],
)
def test_amounts_have_the_locales_separators_and_symbols(
    tag: str, money: Money, shown: str
) -> None:
    assert localizer(tag).money(money) == shown


def test_us_dollars_are_named_as_such_outside_the_united_states() -> None:
    assert localizer("en-CA").money(Money(2_500, "USD")) == "US$25"
    assert localizer("en-CA").money(Money(2_500, "CAD")) == "$25"
    assert localizer("de-DE").money(Money(2_500, "USD")) == f"25{NBSP}US$"
    assert localizer("hi-IN").money(Money(2_500, "USD")) == "US$25"


def test_dates_are_written_the_way_each_locale_writes_them() -> None:
    day = date(2027, 12, 6)
    assert localizer("en-GB").date(day) == "6 Dec 2027"
    assert localizer("en-US").date(day) == "Dec 6, 2027"
    assert localizer("de-DE").date("2027-12-06") == "06.12.2027"


def test_an_unknown_region_falls_back_to_its_language_and_nothing_falls_back_to_english() -> None:
    assert localizer("es-LA").language == "es"
    assert localizer("xx-YY").tag == "en_US"
    assert localizer(None).tag == "en_US"


def test_a_locale_without_translations_still_formats_numbers_its_own_way() -> None:
    japanese = localizer("ja-JP")
    assert japanese.language == "en"
    assert japanese.date(date(2027, 12, 6)) == "2027/12/06"


def test_the_browsers_first_choice_is_read_by_its_weight() -> None:
    assert from_accept_language("en;q=0.5, de-DE, fr;q=0.8") == "de-DE"
    assert from_accept_language("") == ""
    assert from_accept_language("*") == ""


def test_country_names_are_in_the_persons_language() -> None:
    assert localizer("de-DE").country_name("DE") == "Deutschland"
    assert localizer("en-US").country_name("IN") == "India"
    assert localizer("de").country == "DE"


def test_a_time_zone_says_the_country_better_than_the_locale() -> None:
    assert localizer("en-US", "Europe/Berlin").country == "DE"
    assert localizer("en-US", "Europe/Berlin").money(Money(2500, "USD")) == "$25"
    assert localizer(None, "Asia/Kolkata").country == "IN"
    assert localizer(None).country == ""
