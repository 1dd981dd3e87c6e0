"""The Teams bot: activities in, one checkout call each, Adaptive Cards out; no business rules
here."""

from __future__ import annotations

import logging
from http import HTTPStatus
from ssl import SSLContext

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, ChannelAccount
from botbuilder.schema.teams import (
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
    TaskModuleTaskInfo,
    TeamInfo,
)
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.serialization import Model

from adapters.chatkit import APOLOGY
from adapters.i18n import Localizer, localizer, words
from adapters.i18n.phrases import later
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer
from adapters.teams.approval_cards import decide
from adapters.teams.approval_translate import ApproveRequest, RejectRequest
from adapters.teams.bulk import SharedFile, shared_file
from adapters.teams.cards import (
    card_part,
    help_card,
    order_card,
    product_card,
    sent_attachment,
)
from adapters.teams.catalog_cards import CatalogCards
from adapters.teams.collection_translate import (
    ChipIn,
    CloseCollection,
    OpenChipIn,
    StartCollect,
    ToggleAmount,
)
from adapters.teams.collections import CollectionDesk
from adapters.teams.conversations import open_personal
from adapters.teams.country import client_country
from adapters.teams.errors import connector_errors
from adapters.teams.extension import RewardExtension
from adapters.teams.gift_cards import PRODUCTS_DATASET, wallet_with_gifts
from adapters.teams.gift_extension import COMMAND_ID as GIFT_COMMAND
from adapters.teams.gift_extension import GiftExtension
from adapters.teams.gift_translate import CancelGift, OpenGiftForm, SendGift
from adapters.teams.gifts import GiftDesk, refusal
from adapters.teams.reward_translate import (
    AskReward,
    CancelReward,
    RedeemReward,
    ReviewReward,
    SendReward,
)
from adapters.teams.rewards import RewardDesk
from adapters.teams.search import NAME as SEARCH
from adapters.teams.search import SearchResponse, search_query
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
    UnreadableCommand,
    execute_data,
    from_card,
    intent_of_data,
    intent_of_message,
    request_key,
    task_data,
    user_of,
)
from core.approvals import Approvals
from core.checkout import Checkout, PlaceOrder
from core.errors import DeliveryError, InvalidAmount, InvalidRequest, NotFound
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.identity import ChatUser
from core.ports import Directory, PendingConfirmations
from core.recognition import Recognition
from core.views import OrderSummary

log = logging.getLogger(__name__)

CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
AFTER_PAYMENT = "Thanks! Your voucher arrives as soon as the payment is confirmed."


class VoucherBot(TeamsActivityHandler):
    """Overrides only messages, the invokes our cards and message extension cause, and
    installation."""

    def __init__(
        self,
        checkout: Checkout,
        app_id: str = "",
        recognition: Recognition | None = None,
        directory: Directory | None = None,
        ssl: SSLContext | None = None,
        confirmations: PendingConfirmations | None = None,
        gifts: Gifts | None = None,
        approvals: Approvals | None = None,
        group_gifts: GroupGifts | None = None,
    ) -> None:
        self._checkout = checkout
        self._gifts = GiftDesk(checkout, gifts)
        self._collections = CollectionDesk(group_gifts, gifts, app_id)
        self._approvals = approvals
        self._app_id = app_id
        self._rewards = RewardDesk(checkout, recognition, directory, ssl, confirmations)
        self._extension = RewardExtension(self._rewards)
        self._gift_extension = GiftExtension(self._gifts, checkout, app_id)
        self._catalog_cards = CatalogCards()

    # --- activities -------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        # A file sent to the bot (personal chat) arrives as a message whose attachment links to it.
        intent: Intent | SharedFile | None = shared_file(turn_context.activity)
        try:
            intent = intent or intent_of_message(turn_context.activity)
        except UnreadableCommand as exc:
            loc = localizer(turn_context.activity.locale)
            await turn_context.send_activity(words.error_text(exc, loc))
            return
        await self._show(turn_context, await self._answer(intent, turn_context))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Answered here rather than through the SDK's helpers: those pre-serialise the body into a
        # dict, which CloudAdapter then fails to serialise again (HTTP 500). A model body goes
        # through.
        handlers = {
            "adaptiveCard/action": self._on_card_action,
            "task/fetch": self._on_task_fetch,
            "task/submit": self._on_task_submit,
            "composeExtension/fetchTask": self._on_extension_fetch,
            "composeExtension/submitAction": self._on_extension_submit,
            SEARCH: self._on_search,
        }
        handler = handlers.get(turn_context.activity.name or "")
        if handler is None:
            return await super().on_invoke_activity(turn_context)
        return await handler(turn_context)

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        # Overridden instead of on_teams_members_added: the SDK would look up every added member in
        # the roster (one Connector call each) only for us to ignore everyone but the bot itself.
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in members_added):
            card = help_card(loc=localizer(turn_context.activity.locale))
            await turn_context.send_activity(MessageFactory.attachment(sent_attachment(card)))

    # --- invokes ----------------------------------------------------------------------------------

    async def _on_card_action(self, turn_context: TurnContext) -> InvokeResponse:
        """Action.Execute: the card in the response replaces the one that was tapped."""
        try:
            intent = intent_of_data(execute_data(turn_context.activity))
        except UnreadableCommand as exc:
            return _invoke(
                AdaptiveCardMessage(
                    status_code=200,
                    type=MESSAGE_RESPONSE,
                    value=words.error_text(exc, localizer(turn_context.activity.locale)),
                )
            )
        answer = await self._answer(intent, turn_context)
        if answer.card is not None and answer.replaces:
            return _invoke(
                AdaptiveCardInvokeResponse(status_code=200, type=CARD_RESPONSE, value=answer.card)
            )
        if answer.card is not None:
            await turn_context.send_activity(
                MessageFactory.attachment(sent_attachment(answer.card))
            )
        return _invoke(
            AdaptiveCardMessage(
                status_code=200, type=MESSAGE_RESPONSE, value=answer.text or "Done."
            )
        )

    async def _on_task_fetch(self, turn_context: TurnContext) -> InvokeResponse:
        """The Pay button: open the order's checkout page as a dialog inside Teams."""
        try:
            intent = intent_of_data(task_data(turn_context.activity))
            if isinstance(intent, OpenChipIn):
                return _invoke(
                    await self._collections.chip_in_dialog(turn_context, intent.collection_id)
                )
            if not isinstance(intent, OpenCheckout):
                raise UnreadableCommand(later("That button does not open a dialog."))
            summary = await self._checkout.buyer_order(
                intent.order_id, user_of(turn_context.activity)
            )
        except (UnreadableCommand, NotFound, InvalidRequest) as exc:
            text = words.error_text(exc, localizer(turn_context.activity.locale))
            return _invoke(TaskModuleResponse(task=TaskModuleMessageResponse(value=text)))
        loc = localizer(turn_context.activity.locale)
        if not (summary.can_pay and summary.checkout_url):
            text = _order_status(summary, loc)
            return _invoke(TaskModuleResponse(task=TaskModuleMessageResponse(value=text)))
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
        return _invoke(TaskModuleResponse(task=TaskModuleContinueResponse(value=dialog)))

    async def _on_task_submit(self, turn_context: TurnContext) -> InvokeResponse:
        """The chip-in dialog submitted; or the checkout dialog closed itself after paying (the
        webhook, not the page, moves the order on)."""
        try:
            intent = intent_of_data(task_data(turn_context.activity))
        except UnreadableCommand:
            intent = None
        if isinstance(intent, ChipIn):
            return _invoke(await self._collections.chip_in(turn_context, intent))
        return _invoke(TaskModuleResponse(task=TaskModuleMessageResponse(value=AFTER_PAYMENT)))

    async def _on_extension_fetch(self, turn_context: TurnContext) -> InvokeResponse:
        """The message extension's "Send a reward" or "Send a gift": the form, as a dialog."""
        if _command_id(turn_context) == GIFT_COMMAND:
            return _invoke(await self._gift_extension.fetch_task(turn_context))
        return _invoke(await self._extension.fetch_task(turn_context))

    async def _on_extension_submit(self, turn_context: TurnContext) -> InvokeResponse:
        if _command_id(turn_context) == GIFT_COMMAND:
            return _invoke(await self._gift_extension.submit_action(turn_context))
        return _invoke(await self._extension.submit_action(turn_context))

    async def _on_search(self, turn_context: TurnContext) -> InvokeResponse:
        """Typeahead in a card's choice set: the gift dialog's voucher picker; other datasets,
        nothing."""
        query = search_query(turn_context.activity)
        found = (
            self._gift_extension.search(turn_context, query)
            if query.dataset == PRODUCTS_DATASET
            else []
        )
        return _invoke(SearchResponse(found))

    # --- answers ----------------------------------------------------------------------------------

    async def _answer(self, intent: Intent | SharedFile, turn_context: TurnContext) -> Answer:
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
        match intent:
            case Browse(query, reward_id):
                reward = (
                    await self._rewards.summary(reward_id, user_of(activity)) if reward_id else None
                )
                # A typed "vouchers" opens on the person's country; a card's buttons say what they
                # want.
                country = (
                    "" if from_card(activity) or not query.is_bare else await self._home(activity)
                )
                page = self._checkout.browse(query, country)
                return Answer(self._catalog_cards(page, reward, loc))
            case ChooseProduct(product_id, back, reward_id):
                card = self._checkout.product_card(product_id)
                return Answer(product_card(card, back, reward_id=reward_id, loc=loc))
            case Buy():
                return await self._buy(intent, turn_context)
            case RetryPayment(order_id):
                user = user_of(turn_context.activity)
                return Answer(order_card(await self._checkout.retry_payment(order_id, user), loc))
            case OpenCheckout(order_id):
                return await self._checkout_link(order_id, user_of(activity), loc)
            case ShowWallet():
                return await self._wallet(turn_context)
            case ShowHelp(note):
                return Answer(help_card(note, loc), replaces=False)
            case SetCountry(text):
                code = await self._checkout.set_country(user_of(activity), text)
                note = loc._(
                    "Your rewards now open the catalog for {country}, in its currency where a rate "
                    "allows.",
                    country=loc.country_name(code),
                )
                return Answer(text=note, replaces=False)
            case AskReward():
                return await self._rewards.ask(turn_context, intent)
            case SendReward(key):
                return await self._rewards.send_from_card(activity, key)
            case CancelReward(key):
                return await self._rewards.cancel(activity, key)
            case ApproveRequest() | RejectRequest():
                return await decide(self._approvals, intent, user_of(activity), loc)
            case RedeemReward(reward_id):
                return await self._rewards.redeem(
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
                return await self._rewards.bulk(turn_context, intent)
            case SendGift():
                return await self._gifts.send(turn_context, intent)
            case CancelGift(gift_id):
                return await self._gifts.cancel(user_of(activity), gift_id, loc)
            case OpenGiftForm(product_id, amount):
                return self._gifts.form(product_id, amount, loc)
            case StartCollect():
                return await self._collections.start(turn_context, intent)
            case CloseCollection():
                return await self._collections.close(turn_context, intent)
            case ToggleAmount():
                return await self._collections.toggle_amount(turn_context, intent)
            case OpenChipIn() | ChipIn():
                return Answer(text=loc._("Press Chip in on the group gift's card."), replaces=False)

    async def _home(self, activity: Activity) -> str:
        """The person's chosen or employee-record country, else what Teams says (clientInfo,
        locale)."""
        recorded = await self._checkout.home_country(user_of(activity))
        zone = str(getattr(activity, "local_timezone", "") or "")
        return recorded or client_country(activity) or localizer(activity.locale, zone).country

    async def _buy(self, intent: Buy, turn_context: TurnContext) -> Answer:
        activity = turn_context.activity
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

    async def _checkout_link(self, order_id: str, user: ChatUser, loc: Localizer) -> Answer:
        # Clients without dialogs (the Emulator) send the Pay button as a plain Action.Submit.
        summary = await self._checkout.buyer_order(order_id, user)
        if summary.can_pay and summary.checkout_url:
            text = loc._("Pay on the checkout page: {url}", url=summary.checkout_url)
            return Answer(text=text, replaces=False)
        return Answer(text=_order_status(summary, loc), replaces=False)

    async def _wallet(self, turn_context: TurnContext) -> Answer:
        """Codes are shown only in a personal chat; asked for in a channel, they go there
        privately."""
        loc = localizer(turn_context.activity.locale)
        card = wallet_with_gifts(await self._checkout.wallet(user_of(turn_context.activity)), loc)
        address = TeamsAddress.of(turn_context.activity)
        if address.is_personal:
            return Answer(card, replaces=False)

        async def send_card(personal: TurnContext) -> None:
            await personal.send_activity(MessageFactory.attachment(sent_attachment(card)))

        try:
            with connector_errors():
                await open_personal(turn_context.adapter, self._app_id, address, send_card)
        except DeliveryError:
            text = loc._(
                "I can't message you privately yet: open a chat with me and type “{command}”.",
                command="vouchers mine",
            )
            return Answer(text=text, replaces=False)
        return Answer(
            text=loc._("I sent your vouchers to you in a personal chat with me."), replaces=False
        )

    async def _show(self, turn_context: TurnContext, answer: Answer) -> None:
        activity = turn_context.activity
        if answer.is_empty:
            return
        message = (
            MessageFactory.attachment(sent_attachment(answer.card))
            if answer.card
            else MessageFactory.text(answer.text)
        )
        if answer.replaces and from_card(activity):
            # Replacing the tapped card is what stops a double tap from submitting the same step
            # twice.
            message.id = activity.reply_to_id
            await turn_context.update_activity(message)
        else:
            await turn_context.send_activity(message)


class AdaptiveCardMessage(Model):
    """An adaptiveCard/action answer that is a message; the SDK's model types `value` as a dict
    only."""

    _attribute_map = {  # noqa: RUF012 (msrest reads this class attribute; the SDK's models do the same)
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "str"},
    }

    def __init__(self, *, status_code: int, type: str, value: str) -> None:
        super().__init__()
        self.status_code = status_code
        self.type = type
        self.value = value


def _command_id(turn_context: TurnContext) -> str:
    value = turn_context.activity.value
    return str(value.get("commandId", "")) if isinstance(value, dict) else ""


def _invoke(body: Model) -> InvokeResponse:
    return InvokeResponse(status=int(HTTPStatus.OK), body=body)


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """The one error handler: log with the traceback, tell the person briefly."""
    activity = turn_context.activity
    log.error(
        "Teams turn failed",
        exc_info=error,
        extra={
            "activity_type": activity.type,
            "activity_name": activity.name,
            "activity_id": activity.id,
        },
    )
    try:
        await turn_context.send_activity(APOLOGY)
    except (HttpOperationError, ClientRequestError, OSError) as exc:
        log.warning("could not send the apology", extra={"error": type(exc).__name__})


def _order_status(summary: OrderSummary, loc: Localizer) -> str:
    return loc._(
        "Order {order}: {status}.",
        order=summary.order_id,
        status=words.status_label(summary.status, loc),
    )
