"""The catalog in Teams: browsing it, a product's card, the order placed from it, and the country it
opens on; checkout calls only."""

from __future__ import annotations

from botbuilder.schema import Activity

from adapters.i18n import Localizer, localizer, words
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer
from adapters.teams.cards import order_card, product_card
from adapters.teams.catalog_cards import CatalogCards
from adapters.teams.country import client_country
from adapters.teams.reward_spending import RewardSpending
from adapters.teams.translate import Browse, Buy, ChooseProduct, from_card, request_key, user_of
from core.checkout import Checkout, PlaceOrder
from core.errors import InvalidAmount
from core.identity import ChatUser


class Shop:
    """Catalog requests into checkout calls, and the views they return into cards."""

    def __init__(self, checkout: Checkout, spending: RewardSpending) -> None:
        self._checkout = checkout
        self._spending = spending
        self._catalog_cards = CatalogCards()

    async def browse(self, activity: Activity, intent: Browse, loc: Localizer) -> Answer:
        reward = (
            await self._spending.summary(intent.reward_id, user_of(activity))
            if intent.reward_id
            else None
        )
        # A typed "vouchers" opens on the person's country; a card's buttons say what they want.
        country = (
            "" if from_card(activity) or not intent.query.is_bare else await self._home(activity)
        )
        page = self._checkout.browse(intent.query, country)
        return Answer(self._catalog_cards(page, reward, loc))

    def product(self, intent: ChooseProduct, loc: Localizer) -> Answer:
        card = self._checkout.product_card(intent.product_id)
        return Answer(product_card(card, intent.back, reward_id=intent.reward_id, loc=loc))

    async def buy(self, activity: Activity, intent: Buy) -> Answer:
        loc = localizer(activity.locale)
        try:
            amount = self._checkout.amount_for(intent.product_id, intent.amount)
        except InvalidAmount as exc:
            product = self._checkout.product_card(intent.product_id)
            error = words.amount_error(exc, product, loc)
            return Answer(
                product_card(
                    product, intent.back, error, intent.reward_id, loc, typed=intent.amount
                )
            )
        # The card being replaced becomes the order card, so the address remembers it for later
        # updates.
        address = TeamsAddress.of(activity, card_id=activity.reply_to_id)
        command = PlaceOrder(
            user_of(activity),
            intent.product_id,
            amount,
            address.to_ref(),
            request_key(activity),
            reward_id=intent.reward_id or None,
        )
        return Answer(order_card(await self._checkout.place_order(command), loc))

    async def retry(self, order_id: str, user: ChatUser, loc: Localizer) -> Answer:
        return Answer(order_card(await self._checkout.retry_payment(order_id, user), loc))

    async def set_country(self, user: ChatUser, text: str, loc: Localizer) -> Answer:
        code = await self._checkout.set_country(user, text)
        note = loc._(
            "Your rewards now open the catalog for {country}, in its currency where a rate allows.",
            country=loc.country_name(code),
        )
        return Answer(text=note, replaces=False)

    async def _home(self, activity: Activity) -> str:
        """The person's chosen or employee-record country, else what Teams says (clientInfo,
        locale)."""
        recorded = await self._checkout.home_country(user_of(activity))
        zone = str(getattr(activity, "local_timezone", "") or "")
        return recorded or client_country(activity) or localizer(activity.locale, zone).country
