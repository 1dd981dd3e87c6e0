"""Spending a reward in Teams: the reward, shown to its recipient only, and the catalog to choose
a voucher from."""

from __future__ import annotations

from adapters.i18n import ENGLISH, Localizer, words
from adapters.teams.answer import Answer
from adapters.teams.cards import catalog_card
from adapters.teams.rewards import RewardAccess
from core.checkout import Checkout
from core.identity import ChatUser
from core.views import RewardSummary


class RewardSpending:
    """A recipient's reward and the catalog it opens; the reward follows every step after."""

    def __init__(self, checkout: Checkout, access: RewardAccess) -> None:
        self._checkout = checkout
        self._access = access

    async def summary(self, reward_id: str, user: ChatUser) -> RewardSummary:
        """The reward, for its recipient only: ids in card data can be forged by anyone in the
        tenant."""
        return await self._access.recognition.rewards.recipient_reward(reward_id, user)

    async def redeem(
        self, reward_id: str, user: ChatUser, country: str | None = None, loc: Localizer = ENGLISH
    ) -> Answer:
        """Choose your voucher: the catalog for the recipient's country (its currency at a shown
        rate, else the reward's own); the reward follows every step."""
        reward = await self.summary(reward_id, user)
        if not reward.spendable:
            return Answer(text=_not_spendable(reward.status, loc), replaces=False)
        shop = await self._checkout.reward_catalog(reward, country, user)
        page = self._checkout.browse(shop.query)
        note = words.rate_note(shop.rate, shop.rate_problem, loc)
        return Answer(catalog_card(page, reward, loc, rate_note=note), replaces=False)


def _not_spendable(status: str, loc: Localizer) -> str:
    command = "“vouchers mine”"
    if status == "expired":
        return loc._("This reward has expired; type {command} for your others.", command=command)
    if status == "cancelled":
        return loc._("This reward is cancelled; type {command} for your others.", command=command)
    return loc._("This reward is used up; type {command} for your others.", command=command)
