"""Which programme pays for a giver's reward (core.programmes.choose_programme over what they may
give from), and the amount as typed in that programme's currency."""

from __future__ import annotations

from core.amounts import TypedAmount
from core.budgets import Budgets
from core.givers import Givers
from core.identity import ChatUser, identity_of
from core.money import Money
from core.programmes import choose_programme
from core.rewards import Programme


class Pricing:
    """Every channel and the HR API price a typed reward here."""

    def __init__(self, budgets: Budgets, givers: Givers) -> None:
        self._budgets = budgets
        self._givers = givers

    async def programme_for(
        self,
        currency: str | None = None,
        programme_id: str | None = None,
        giver: ChatUser | None = None,
    ) -> Programme:
        """The programme a reward comes from (see core.programmes.choose_programme)."""
        default = None
        if giver is not None:
            default = await self._budgets.default_programme(identity_of(giver))
        programmes = await self._budgets.programmes()
        if giver is not None and not await self._givers.is_admin(giver):
            peer = (
                await self._givers.peer_programme_ids()
            )  # everyone else gives from peer ones only
            programmes = [p for p in programmes if p.id in peer]
        return choose_programme(
            programmes, programme_id=programme_id, currency=currency, default=default
        )

    async def priced(
        self, typed: TypedAmount, programme_id: str | None = None, giver: ChatUser | None = None
    ) -> tuple[Programme, Money]:
        """The programme that pays for an amount as typed (by `giver`: their default counts), and
        the amount."""
        programme = await self.programme_for(typed.currency, programme_id, giver)
        return programme, typed.money(programme.currency)
