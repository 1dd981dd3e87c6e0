"""What a buyer reads before ordering: catalog pages, product cards, amounts typed, and the search a
reward opens (its programme's curated catalog, in the recipient's country)."""

from __future__ import annotations

from dataclasses import replace

from core.catalog import CatalogQuery
from core.curation import CatalogRule, Curation
from core.errors import InvalidAmount, InvalidRequest
from core.identity import ChatUser
from core.money import Money, TooManyDecimals
from core.redeem import RewardCatalog, country_code, currency_of, reward_catalog
from core.shop import Shop
from core.views import CatalogPage, ProductCard, RewardSummary


class Browsing:
    """Catalog queries; the curated catalogs are cached on the shop (refreshed every minute)."""

    def __init__(self, shop: Shop) -> None:
        self._shop = shop

    def browse(self, query: CatalogQuery, country: str = "") -> CatalogPage:
        """A catalog page; a plain browse by someone whose country is known shows their country's
        first. A reward's programme narrows it to its curated catalog."""
        catalog = self._shop.catalog
        wanted = catalog.for_person(query, country) if country else query
        curation = self._shop.curated.get(query.programme) if query.programme else None
        found = catalog.search(wanted, curation.admits if curation else None)
        return CatalogPage.of(found, catalog.currencies, catalog.countries, catalog.categories)

    def pick_list(self, text: str, country: str, limit: int) -> tuple[ProductCard, ...]:
        """Vouchers matching `text` (all when empty) for a picker where one is chosen among many:
        those for the person's country first, then those in its currency, then the rest."""
        catalog = self._shop.catalog
        query = CatalogQuery(text=text, per_page=limit)
        code = country.upper()
        local = currency_of(code)
        wanted = [replace(query, country=code)] if code in catalog.countries else []
        if local in catalog.currencies:
            wanted.append(replace(query, currency=local))
        listed: dict[str, ProductCard] = {}
        for search in (*wanted, query):
            for card in self.browse(search).cards:
                listed.setdefault(card.product_id, card)
        return tuple(listed.values())[:limit]

    async def curation(self, programme_id: str) -> Curation:
        """The programme's curated catalog, read now (and kept for browsing its pages)."""
        if self._shop.curations is None:
            return Curation(())
        curation = Curation(await self._shop.curations.rules(programme_id))
        self._shop.curated[programme_id] = curation
        return curation

    async def refresh_curations(self) -> int:
        """Read every programme's curated catalog again (a minutely job on each replica)."""
        if self._shop.curations is None:
            return 0
        grouped: dict[str, list[CatalogRule]] = {}
        for rule in await self._shop.curations.all():
            grouped.setdefault(rule.programme_id, []).append(rule)
        self._shop.curated = {pid: Curation(rules) for pid, rules in grouped.items()}
        return len(grouped)

    async def set_country(self, user: ChatUser, text: str) -> str:
        """The recipient says where they redeem (over what their chat platform says); the code
        kept."""
        code = country_code(text)
        if self._shop.countries is None:
            raise InvalidRequest("Choosing a country is not available here.")
        await self._shop.countries.set(user.key, code, "recipient", self._shop.clock.now())
        return code

    async def reward_catalog(
        self, reward: RewardSummary, country: str | None = None, user: ChatUser | None = None
    ) -> RewardCatalog:
        """The search a reward opens for its recipient (core.redeem), and the rate shown. The
        country is the one the recipient chose, else `country` (from their chat platform)."""
        country = await self._recorded_country(user) or country
        async with self._shop.uow() as uow:
            programme = await uow.programmes.get(
                (await uow.rewards.get(reward.reward_id)).programme_id
            )
        book = await self._shop.rates.book() if self._shop.rates is not None else None
        await self.curation(programme.id)
        return reward_catalog(reward, programme, country, book, self._shop.clock.now())

    async def home_country(self, user: ChatUser) -> str | None:
        """Where the person said they redeem, else their employee record's country; a plain browse
        opens there before the chat platform's guess (time zone, locale)."""
        return await self._recorded_country(user)

    async def _recorded_country(self, user: ChatUser | None) -> str | None:
        """The recipient's own choice, else the country on their employee record."""
        if user is None:
            return None
        if self._shop.recorded is not None:
            return await self._shop.recorded.of(user)
        countries, employees = self._shop.countries, self._shop.employees
        chosen = await countries.get(user.key) if countries is not None else None
        if chosen or employees is None:
            return chosen
        employee = await employees.by_user(user.platform, user.tenant, user.user_id)
        return (employee.country or None) if employee is not None else None

    def product_card(self, product_id: str) -> ProductCard:
        return ProductCard.of(self._shop.catalog.get(product_id))

    def amount_for(self, product_id: str, text: str) -> Money:
        """Read an amount a person typed for a product; InvalidAmount with a clear reason."""
        product = self._shop.catalog.get(product_id)
        try:
            amount = Money.parse(text, product.currency)
        except ValueError as exc:
            reason = f"'{text}' is not an amount. Try {product.price_label()}."
            rule = "decimals" if isinstance(exc, TooManyDecimals) else "not_an_amount"
            raise InvalidAmount(product_id, reason, rule=rule, typed=text.strip()) from None
        product.check_amount(amount)
        return amount
