"""The catalog a reward opens: the recipient's country and currency, what the reward covers, the
rate shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.catalog import CatalogQuery
from core.errors import InvalidRequest
from core.fx import Quote, RateBook, RateUnavailable, StaleRate, affordable, with_margin
from core.identity import ChatUser
from core.money import Money
from core.rewards import Programme
from core.views import RewardSummary

# The currency a country's vouchers are sold in (ISO 3166-1 alpha-2 → ISO 4217), for the countries a
# voucher catalog usually covers; a country not listed shops in the reward's own currency.
COUNTRY_CURRENCIES = {
    "AT": "EUR",
    "BE": "EUR",
    "CY": "EUR",
    "DE": "EUR",
    "EE": "EUR",
    "ES": "EUR",
    "FI": "EUR",
    "FR": "EUR",
    "GR": "EUR",
    "HR": "EUR",
    "IE": "EUR",
    "IT": "EUR",
    "LT": "EUR",
    "LU": "EUR",
    "LV": "EUR",
    "MT": "EUR",
    "NL": "EUR",
    "PT": "EUR",
    "SI": "EUR",
    "SK": "EUR",
    "US": "USD",
    "GB": "GBP",
    "IN": "INR",
    "JP": "JPY",
    "CH": "CHF",
    "CA": "CAD",
    "AU": "AUD",
    "SG": "SGD",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "PL": "PLN",
    "BR": "BRL",
    "MX": "MXN",
    "AE": "AED",
    "ZA": "ZAR",
    "NZ": "NZD",
    "CZ": "CZK",
    "HU": "HUF",
    "RO": "RON",
}


@dataclass(frozen=True)
class RewardCatalog:
    """The search a reward opens and what its recipient is told about the rate (empty in one
    currency)."""

    query: CatalogQuery
    rate_note: str = ""
    # What the note says, as data for the channels to say in the reader's language: the reward's
    # balance (`charged`) buys up to `target` at `rate`; or why no rate could be used.
    rate: Quote | None = None
    rate_problem: RateUnavailable | StaleRate | None = None


def currency_of(country: str | None) -> str | None:
    return COUNTRY_CURRENCIES.get(country.upper()) if country else None


def reward_catalog(
    reward: RewardSummary,
    programme: Programme,
    country: str | None,
    book: RateBook | None,
    now: datetime,
) -> RewardCatalog:
    """Products for the recipient's country, in its currency when a fresh rate converts the reward.

    Without card top-up, products whose smallest amount the reward cannot cover are hidden. A
    missing or stale rate falls back to the reward's own currency and says why, instead of guessing
    a rate."""
    local = currency_of(country) or reward.amount.currency
    code = country.upper() if country and currency_of(country) else None
    if local == reward.amount.currency:
        return RewardCatalog(_query(code, local, reward.available, programme))
    if book is None:
        return RewardCatalog(_query(None, reward.amount.currency, reward.available, programme))
    try:
        rate = book.rate(local, reward.amount.currency, now)
    except (RateUnavailable, StaleRate) as exc:
        return RewardCatalog(
            _query(None, reward.amount.currency, reward.available, programme), str(exc), None, exc
        )
    effective = with_margin(rate.value, programme.fx_margin_bps)
    covered = affordable(reward.available, effective, local)
    note = (
        f"Your {reward.available} buys up to {covered} at 1 {local} = {effective.normalize():f} "
        f"{reward.amount.currency} ({rate.source}, {rate.as_of:%Y-%m-%d}); the rate is locked when "
        f"you order."
    )
    shown = Quote(reward.available, covered, effective, rate.source, rate.as_of)
    return RewardCatalog(_query(code, local, covered, programme, converted=True), note, shown)


def _query(
    country: str | None,
    currency: str,
    covered: Money,
    programme: Programme,
    *,
    converted: bool = False,
) -> CatalogQuery:
    # Across currencies the reward pays in full or not at all (core.funding): no card top-up there.
    limit = None if programme.card_topup and not converted else covered.minor
    return CatalogQuery(
        country=country,
        currency=currency,
        max_price=limit,
        covers=covered.minor,
        programme=programme.id,
    )


class RecipientCountries(Protocol):
    """Where a recipient said they redeem (their own choice, kept until they change it)."""

    async def get(self, user_key: str) -> str | None: ...

    async def set(self, user_key: str, country: str, source: str, at: datetime) -> None: ...


class RecordedCountries(Protocol):
    """What RecipientCountries and the employee store say of a person's country, read together:
    their own choice, else their employee record's country, else None (a plain browse asks on
    every turn)."""

    async def of(self, user: ChatUser) -> str | None: ...


class UnknownCountry(InvalidRequest):
    """The text is not a two-letter country code."""

    def __init__(self, text: str) -> None:
        super().__init__(
            f"'{text[:20]}' is not a country code. Write two letters, such as DE, FR or US."
        )
        self.typed = text[:20]


def country_code(text: str) -> str:
    """'de' → 'DE'; UnknownCountry for anything that is not two letters."""
    code = text.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise UnknownCountry(text)
    return code
