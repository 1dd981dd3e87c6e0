"""Paying for an order in Teams: its checkout page as a dialog inside Teams, or as a link for a
client without dialogs."""

from __future__ import annotations

from botbuilder.schema import Activity
from botbuilder.schema.teams import (
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
    TaskModuleTaskInfo,
)

from adapters.i18n import Localizer, localizer, words
from adapters.teams.answer import Answer
from adapters.teams.cards import card_part
from adapters.teams.translate import user_of
from core.checkout import Checkout
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser
from core.views import OrderSummary

AFTER_PAYMENT = "Thanks! Your voucher arrives as soon as the payment is confirmed."


class Payment:
    """The buyer's own order, opened for paying when it can be paid, else its status."""

    def __init__(self, checkout: Checkout) -> None:
        self._checkout = checkout

    async def dialog(self, activity: Activity, order_id: str) -> TaskModuleResponse:
        """The Pay button: open the order's checkout page as a dialog inside Teams."""
        loc = localizer(activity.locale)
        try:
            summary = await self._checkout.buyer_order(order_id, user_of(activity))
        except (NotFound, InvalidRequest) as exc:
            return told(words.error_text(exc, loc))
        if not (summary.can_pay and summary.checkout_url):
            return told(order_status(summary, loc))
        dialog = TaskModuleTaskInfo(
            title=loc._(
                "Pay {amount} for {brand}",
                amount=loc.money(card_part(summary)),
                brand=summary.brand,
            ),
            url=summary.checkout_url,
            fallback_url=summary.checkout_url,
            height="large",
            width="medium",
        )
        return TaskModuleResponse(task=TaskModuleContinueResponse(value=dialog))

    async def link(self, order_id: str, user: ChatUser, loc: Localizer) -> Answer:
        # Clients without dialogs (the Emulator) send the Pay button as a plain Action.Submit.
        summary = await self._checkout.buyer_order(order_id, user)
        if summary.can_pay and summary.checkout_url:
            text = loc._("Pay on the checkout page: {url}", url=summary.checkout_url)
            return Answer(text=text, replaces=False)
        return Answer(text=order_status(summary, loc), replaces=False)


def told(text: str) -> TaskModuleResponse:
    """A dialog's answer that is a line of text rather than a page or a card."""
    return TaskModuleResponse(task=TaskModuleMessageResponse(value=text))


def order_status(summary: OrderSummary, loc: Localizer) -> str:
    return loc._(
        "Order {order}: {status}.",
        order=summary.order_id,
        status=words.status_label(summary.status, loc),
    )
