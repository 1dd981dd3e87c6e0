"""The bot's answer to each intent, typed or tapped: the desk that handles it, and a refusal as a
line of text."""

from __future__ import annotations

from botbuilder.core import TurnContext

from adapters.i18n import localizer
from adapters.teams.answer import Answer
from adapters.teams.approval_cards import decide
from adapters.teams.approval_translate import ApproveRequest, RejectRequest
from adapters.teams.bulk import SharedFile
from adapters.teams.cards import help_card
from adapters.teams.collection_translate import (
    ChipIn,
    CloseCollection,
    OpenChipIn,
    StartCollect,
    ToggleAmount,
)
from adapters.teams.country import client_country
from adapters.teams.desks import Desks
from adapters.teams.gift_translate import CancelGift, OpenGiftForm, SendGift
from adapters.teams.gifts import refusal
from adapters.teams.reward_translate import (
    AskReward,
    CancelReward,
    RedeemReward,
    ReviewReward,
    SendReward,
)
from adapters.teams.translate import (
    Browse,
    Buy,
    ChooseProduct,
    Intent,
    OpenCheckout,
    RetryPayment,
    SetCountry,
    ShowHelp,
    ShowWallet,
    user_of,
)
from core.errors import InvalidRequest, NotFound


class Answers:
    """`answers(intent, turn_context)`: what to show for it; the desks hold the work, this only
    routes."""

    def __init__(self, desks: Desks) -> None:
        self._desks = desks

    async def __call__(self, intent: Intent | SharedFile, turn_context: TurnContext) -> Answer:
        try:
            return await self._answer_or_raise(intent, turn_context)
        except (NotFound, InvalidRequest) as exc:
            return Answer(
                text=refusal(exc, localizer(turn_context.activity.locale)), replaces=False
            )

    async def _answer_or_raise(
        self, intent: Intent | SharedFile, turn_context: TurnContext
    ) -> Answer:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        desks = self._desks
        match intent:
            case Browse():
                return await desks.shop.browse(activity, intent, loc)
            case ChooseProduct():
                return desks.shop.product(intent, loc)
            case Buy():
                return await desks.shop.buy(activity, intent)
            case RetryPayment(order_id):
                return await desks.shop.retry(order_id, user_of(activity), loc)
            case OpenCheckout(order_id):
                return await desks.payment.link(order_id, user_of(activity), loc)
            case ShowWallet():
                return await desks.wallet.show(turn_context)
            case ShowHelp(note):
                return Answer(help_card(note, loc), replaces=False)
            case SetCountry(text):
                return await desks.shop.set_country(user_of(activity), text, loc)
            case AskReward():
                return await desks.rewards.ask(turn_context, intent)
            case SendReward(key):
                return await desks.rewards.send_from_card(activity, key)
            case CancelReward(key):
                return await desks.rewards.cancel(activity, key)
            case ApproveRequest() | RejectRequest():
                return await decide(desks.approvals, intent, user_of(activity), loc)
            case RedeemReward(reward_id):
                return await desks.spending.redeem(
                    reward_id,
                    user_of(activity),
                    client_country(activity) or loc.country or None,
                    loc,
                )
            case ReviewReward():
                return Answer(
                    text=loc._("Open Send a reward again from the message box."), replaces=False
                )
            case SharedFile():
                return await desks.bulk.send(turn_context, intent)
            case SendGift():
                return await desks.gifts.send(turn_context, intent)
            case CancelGift(gift_id):
                return await desks.gifts.cancel(user_of(activity), gift_id, loc)
            case OpenGiftForm(product_id, amount):
                return desks.gifts.form(product_id, amount, loc)
            case StartCollect():
                return await desks.collections.start(turn_context, intent)
            case CloseCollection():
                return await desks.collections.close(turn_context, intent)
            case ToggleAmount():
                return await desks.collections.toggle_amount(turn_context, intent)
            case OpenChipIn() | ChipIn():
                return Answer(text=loc._("Press Chip in on the group gift's card."), replaces=False)
