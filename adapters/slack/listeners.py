"""Bolt listeners: ack first, translate the payload, call one checkout use case, render its view.

The app runs with `process_before_response=True`, so Slack's HTTP response is written when a
listener returns. Listeners therefore only do in-memory work before `ack()` (catalog search, amount
checks) and hand anything that touches the database, the payment provider or the Slack Web API to
`Background`.

The listeners live in small groups, one concept each: the `/vouchers` command (`command_listener`),
catalog browsing (`catalog_listeners`), ordering and payment retry (`order_listeners`), gifts
(`gift_actions`), a person's wallet and App Home (`home_listeners`). They share the checkout, the
work after the ack and the locale lookups through one `Listening`.
"""

from __future__ import annotations

import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from adapters.chatkit import APOLOGY, Background
from adapters.slack import action_ids as ids
from adapters.slack import collection_listeners
from adapters.slack.catalog_listeners import CatalogListeners, RewardLookup
from adapters.slack.command_listener import CommandListener
from adapters.slack.gift_actions import GiftActions
from adapters.slack.gift_listeners import GiftListeners
from adapters.slack.home_listeners import HomeListeners
from adapters.slack.listening import Ack, Body, Listening
from adapters.slack.locales import SlackLocales
from adapters.slack.order_listeners import OrderListeners
from adapters.slack.replies import Respond, apologise
from core.checkout import Checkout
from core.gifting import Gifts
from core.group_gifts import GroupGifts

log = logging.getLogger(__name__)


def register(
    app: AsyncApp,
    checkout: Checkout,
    background: Background | None = None,
    rewards: RewardLookup | None = None,
    locales: SlackLocales | None = None,
    gifts: Gifts | None = None,
    group_gifts: GroupGifts | None = None,
) -> Background:
    """Attach every voucherbot listener to `app`; returns the tracker of work done after the ack."""
    work = background or Background("slack")
    locales = locales or SlackLocales()
    shared = Listening(checkout, work, locales)
    catalog = CatalogListeners(shared, rewards)
    orders = OrderListeners(shared)
    home = HomeListeners(shared)
    gift = GiftActions(shared, GiftListeners(checkout, gifts, locales) if gifts else None)
    vouchers = CommandListener(shared, catalog, orders, home, gift)
    # Bolt tries listeners in the order they were added, each costing a matcher call: the busiest
    # (the command, Choose) go first. Their ids never overlap, so the order changes nothing else.
    app.command("/vouchers")(vouchers.command)
    app.action(_ids(ids.CHOOSE))(catalog.choose)
    app.action(ids.PICK_PRODUCT)(catalog.choose)
    app.action(_ids(ids.PAGE))(catalog.page)
    app.action(_ids(ids.FILTER))(catalog.page)
    app.action(ids.BACK_TO_CATALOG)(catalog.page)
    app.action(_ids(ids.DENOMINATION))(orders.denomination)
    app.action(ids.DENOMINATION_SELECT)(orders.denomination)
    app.action(ids.AMOUNT_INPUT)(orders.amount)
    app.action(ids.AMOUNT_SUBMIT)(orders.amount)
    app.action(ids.RETRY_PAYMENT)(orders.retry)
    app.action(ids.BROWSE)(home.browse)
    app.action(_ids(ids.REVEAL))(home.reveal)
    app.action(_ids(ids.GIFT_CANCEL))(gift.cancel)
    app.action(ids.GIFT_OPEN)(gift.open_form)
    app.view(ids.GIFT_MODAL)(gift.submit_form)
    app.action(re.compile(rf"^({'|'.join(ids.URL_BUTTONS)})(:\w+)?$"))(link)
    app.options(ids.PICK_PRODUCT)(catalog.options)
    app.event("app_home_opened")(home.home)
    if group_gifts is not None:
        vouchers.collections = collection_listeners.register(app, group_gifts, work, locales)
    app.error(on_error)
    return work


def _ids(prefix: str) -> re.Pattern[str]:
    """`vb_choose` and its indexed twins `vb_choose:3` (action ids must be unique in a message)."""
    return re.compile(rf"^{re.escape(prefix)}(:\w+)?$")


async def link(ack: Ack) -> None:
    """URL buttons open the browser; Slack still sends the click, which only needs an ack."""
    await ack()


async def on_error(error: Exception, body: Body, respond: Respond | None) -> BoltResponse | None:
    """Bolt's global handler for failures before the ack: log with the traceback, apologise."""
    log.error(
        "slack listener failed",
        exc_info=error,
        extra={"payload_type": body.get("type", "command")},
    )
    if "command" in body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": APOLOGY})
    if body.get("response_url") and respond is not None:
        await apologise(respond)
        return BoltResponse(status=200)  # the user has our apology; Slack need not add its own
    return None
