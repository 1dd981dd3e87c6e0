"""Provider routing: one product list across providers, and which provider serves an order and why.

A product sold by several providers (same brand, country and currency) is shown once; every
provider's own offer is kept behind it. The route for an order is a ranked list of candidates, each
with the reason it is where it is: an operator's rule (preferred providers for a country or brand),
the cheapest discount, a known balance too low for the amount. The catalog a person sees never
depends on the route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.catalog import Catalog, Product
from core.errors import InvalidAmount, UnknownProduct
from core.money import Money

PREFERRED = "preferred"
CHEAPEST = "cheapest"
STRATEGIES = (PREFERRED, CHEAPEST)

# (provider, currency) -> the provider's balance in that currency's minor units, or None if unknown
BalanceLookup = Callable[[str, str], int | None]


@dataclass(frozen=True)
class Offer:
    """One provider's own product behind a merged catalog entry."""

    provider: str
    product: Product


@dataclass(frozen=True)
class RouteRule:
    """Where orders for some countries and brands go first; empty sets match everything."""

    prefer: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()
    strategy: str = PREFERRED

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, not {self.strategy!r}")

    def matches(self, brand: str, country: str | None) -> bool:
        if self.countries and (country or "").upper() not in self.countries:
            return False
        return not self.brands or brand_key(brand) in self.brands

    def describe(self, number: int) -> str:
        scope = [
            ", ".join(sorted(self.countries)) if self.countries else "",
            ", ".join(sorted(self.brands)),
        ]
        where = " / ".join(s for s in scope if s) or "every order"
        return f"rule {number} ({where})"


@dataclass(frozen=True)
class RoutingRules:
    """The operator's routing rules: first matching rule wins, else the default order and
    strategy."""

    default: tuple[str, ...] = ()
    strategy: str = PREFERRED
    discounts: Mapping[str, float] = field(
        default_factory=dict
    )  # percent off face value, per provider
    rules: tuple[RouteRule, ...] = ()

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, not {self.strategy!r}")

    def rule_for(self, brand: str, country: str | None) -> tuple[int, RouteRule] | None:
        for number, rule in enumerate(self.rules, start=1):
            if rule.matches(brand, country):
                return number, rule
        return None


@dataclass(frozen=True)
class Candidate:
    """A provider that could serve the order, with the provider's own product and why it ranks
    here."""

    provider: str
    product: Product
    reason: str


@dataclass(frozen=True)
class MergedCatalog:
    """The merged product list and, per merged product id, every provider's offer (shown one
    first)."""

    catalog: Catalog
    offers: Mapping[str, tuple[Offer, ...]]


def brand_key(brand: str) -> str:
    return " ".join(brand.casefold().split())


def merge_catalogs(
    by_provider: Mapping[str, Sequence[Product]], order: Sequence[str]
) -> MergedCatalog:
    """One entry per brand, country and currency; the entry shown is the first provider's in
    `order`.

    `order` is the configured provider order (VOUCHER_PROVIDER), not the routing rules, so editing
    the rules never changes what people see.
    """
    rank = {name: i for i, name in enumerate(order)}
    providers = sorted(by_provider, key=lambda name: (rank.get(name, len(rank)), name))
    groups: dict[tuple[str, ...], list[Offer]] = {}
    for provider in providers:
        for product in sorted(by_provider[provider], key=lambda p: p.id):
            key: tuple[str, ...] = _merge_key(product)
            if any(offer.provider == provider for offer in groups.get(key, ())):
                key = (
                    *key,
                    product.id,
                )  # two products of one provider are two products, never merged
            groups.setdefault(key, []).append(Offer(provider, product))
    shown = [offers[0].product for offers in groups.values()]
    return MergedCatalog(
        Catalog(shown), {offers[0].product.id: tuple(offers) for offers in groups.values()}
    )


def _merge_key(product: Product) -> tuple[str, str, str]:
    country = product.countries[0] if product.countries else ""
    return brand_key(product.brand), country, product.currency


class Router:
    """Ranks the providers that can serve a product at an amount; pure, so it explains as it
    decides."""

    def __init__(
        self,
        offers: Mapping[str, Sequence[Offer]],
        rules: RoutingRules,
        balances: BalanceLookup | None = None,
    ) -> None:
        self._offers = offers
        self.rules = rules
        self._balances = balances or (lambda provider, currency: None)

    def offers(self, product_id: str) -> tuple[Offer, ...]:
        found = tuple(self._offers.get(product_id, ()))
        if not found:
            raise UnknownProduct(product_id)
        return found

    def offer(self, product_id: str, provider: str) -> Product:
        for offer in self.offers(product_id):
            if offer.provider == provider:
                return offer.product
        raise UnknownProduct(f"{product_id} at {provider}")

    def plan(
        self,
        product_id: str,
        amount: Money,
        country: str | None = None,
        *,
        exclude: Iterable[str] = (),
    ) -> tuple[Candidate, ...]:
        """The candidates in the order they should be tried; empty when no provider can serve it."""
        skipped = set(exclude)
        every = tuple(
            self._offers.get(product_id, ())
        )  # a product gone from every catalog: no candidate
        offers = [o for o in every if o.provider not in skipped and _admits(o.product, amount)]
        if not offers:
            return ()
        shown = every[0].product
        country = country or (shown.countries[0] if shown.countries else None)
        ranked = self._ranked(offers, shown.brand, country)
        return self._balance_checked(ranked, amount)

    def _ranked(self, offers: list[Offer], brand: str, country: str | None) -> list[Candidate]:
        found = self.rules.rule_for(brand, country)
        prefer, strategy, why = self.rules.default, self.rules.strategy, "default order"
        if found is not None:
            number, rule = found
            prefer, strategy, why = (
                rule.prefer or self.rules.default,
                rule.strategy,
                rule.describe(number),
            )
        if strategy == CHEAPEST:
            ordered = sorted(
                offers, key=lambda o: (-self._discount(o.provider), _position(prefer, o.provider))
            )
            return [
                Candidate(
                    o.provider,
                    o.product,
                    f"cheapest by discount ({self._discount(o.provider):g}%), {why}",
                )
                for o in ordered
            ]
        ordered = sorted(offers, key=lambda o: _position(prefer, o.provider))
        return [
            Candidate(
                o.provider,
                o.product,
                f"preferred by {why}" if o.provider in prefer else f"not named by {why}",
            )
            for o in ordered
        ]

    def _balance_checked(self, ranked: list[Candidate], amount: Money) -> tuple[Candidate, ...]:
        # A known balance below the amount sends the provider to the back rather than out: the
        # balance may be stale, and a provider that will say "insufficient funds" is a definite no
        # anyway.
        funded, short = [], []
        for candidate in ranked:
            balance = self._balances(candidate.provider, amount.currency)
            if balance is not None and balance < amount.minor:
                short.append(
                    Candidate(
                        candidate.provider,
                        candidate.product,
                        f"balance {Money(balance, amount.currency)} is below the amount",
                    )
                )
            else:
                funded.append(candidate)
        return tuple(funded + short)

    def _discount(self, provider: str) -> float:
        return float(self.rules.discounts.get(provider, 0.0))


def _position(prefer: Sequence[str], provider: str) -> int:
    return prefer.index(provider) if provider in prefer else len(prefer)


def _admits(product: Product, amount: Money) -> bool:
    try:
        product.check_amount(amount)
    except InvalidAmount:
        return False
    return not product.skus or product.sku_for(amount.minor) is not None


def single_provider_offers(catalog: Catalog) -> dict[str, tuple[Offer, ...]]:
    """Every product served only by the provider named on it (no merge, no routing choices)."""
    return {product.id: (Offer(product.provider, product),) for product in catalog}
