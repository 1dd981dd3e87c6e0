"""One object per locale that formats amounts and dates and translates texts for the person
reading."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from gettext import NullTranslations

from babel import Locale
from babel.core import get_global
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, get_currency_name

from adapters.i18n.catalogs import translations
from adapters.i18n.money import format_money
from adapters.i18n.tags import parse, territory
from core.money import Money

LANGUAGES = ("en", "de", "fr", "es", "hi")


@dataclass(frozen=True)
class Localizer:
    """Amounts, dates and words for one locale; built by `localizer(tag)`, never by hand."""

    locale: Locale
    language: str
    _texts: NullTranslations
    stated: bool = True  # False for the fallback used when nobody said which locale they read
    home: str = (
        ""  # the person's country when something better than the locale says it (their time zone)
    )

    @property
    def tag(self) -> str:
        return str(self.locale)

    @property
    def country(self) -> str:
        """The person's country as far as the locale tells (ISO 3166 alpha-2), '' when it does
        not."""
        if self.home:
            return self.home
        return territory(self.locale) if self.stated else ""

    def money(self, money: Money) -> str:
        return format_money(money, self.locale)

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: date | datetime | str) -> str:
        """'Dec 6, 2027', '6 Dec 2027', '06.12.2027': the locale's medium date (ISO text
        accepted)."""
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        if isinstance(day, datetime):
            day = day.date()
        return format_date(day, format="medium", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        """'Dec 8, 2026, 9:00 AM', '08.12.2026, 09:00': a medium date and a short time, as UTC."""
        pattern = str(self.locale.datetime_formats["medium"])
        day = format_date(value.astimezone(UTC), format="medium", locale=self.locale)
        time = format_time(value.astimezone(UTC), format="short", locale=self.locale)
        return pattern.replace("{1}", day).replace("{0}", time)

    def country_name(self, code: str) -> str:
        """'Germany' / 'Deutschland' for 'DE'; the code itself when CLDR has no name for it."""
        return _country_name(code, self.locale)

    def currency_name(self, code: str) -> str:
        """'US dollars', 'Euro', 'indische Rupien': a currency as a sentence names it."""
        return _currency_name(code.upper(), self.locale)

    def _(self, message: str, **values: object) -> str:
        """The message in the person's language, with `{name}` placeholders filled in."""
        text = self._texts.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._texts.ngettext(singular, plural, count)
        return text.format(count=self.number(count), **values)


@lru_cache(maxsize=256)
def localizer(tag: str | None, time_zone: str = "") -> Localizer:
    """The localizer for a platform's locale tag ('en-US', 'de_DE', 'es-LA'); English (US) by
    default.

    A time zone ('Europe/Berlin') says the person's country better than a locale does: many people
    everywhere keep their client in en-US."""
    home = str(get_global("zone_territories").get(time_zone, "")) if time_zone else ""
    if not (tag or "").strip():
        return replace(ENGLISH, home=home) if home else ENGLISH
    locale = parse(tag)
    language = locale.language if locale.language in LANGUAGES else "en"
    return Localizer(locale, language, translations(language), home=home)


# Whoever has not said which locale they read gets US English, but no assumption about their
# country.
ENGLISH = Localizer(parse(None), "en", translations("en"), stated=False)


# CLDR look-ups a catalog answer makes for every product it shows: kept per locale.
@lru_cache(maxsize=4096)
def _country_name(code: str, locale: Locale) -> str:
    return str(locale.territories.get(code.upper(), code))


@lru_cache(maxsize=4096)
def _currency_name(code: str, locale: Locale) -> str:
    return get_currency_name(code, count=2, locale=locale)
