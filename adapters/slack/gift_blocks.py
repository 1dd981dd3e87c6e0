"""Block Kit for gifts: the recipient's voucher with the sender's note, and the buyer's receipt (no code)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack import action_ids as ids
from adapters.slack.blocks import voucher_message, wallet_message
from adapters.slack.kit import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    button,
    context,
    escape,
    header,
    mrkdwn_field,
    section,
)
from core.views import GiftDelivery, GiftReceipt, Wallet

MAX_GIFT_ROWS = 10


def gift_message(gift: GiftDelivery) -> Message:
    """The voucher's own blocks, introduced by who sent it and what they wrote."""
    voucher = voucher_message(gift.voucher)
    intro: list[Block] = [section(f":gift: *{escape(gift.from_name)}* sent you a gift")]
    if gift.message:
        intro.append(section(f">{escape(gift.message)}"))
    # The notification preview names the sender, never the code.
    text = f"{gift.from_name} sent you a {gift.voucher.brand} voucher ({gift.voucher.amount})"
    return Message(text, [*intro, *voucher.blocks])


def receipt_message(receipt: GiftReceipt) -> Message:
    fields = [
        mrkdwn_field("Gift", f"{escape(receipt.brand)} · {receipt.amount}"),
        mrkdwn_field("To", escape(receipt.recipient_name)),
        mrkdwn_field("Delivery", _when(receipt)),
        mrkdwn_field("Paid", f"{receipt.paid}{' (refunded)' if receipt.refunded else ''}"),
        mrkdwn_field("Order", f"`{receipt.order_id}`"),
    ]
    blocks: list[Block] = [{"type": "section", "fields": fields}]
    if receipt.problem:
        blocks.insert(
            0, section(f":warning: I couldn't deliver your gift to {escape(receipt.recipient_name)}.")
        )
        blocks.append(context(f"Why: {escape(receipt.problem)}. An admin can resend it or refund it."))
    elif receipt.can_cancel:
        blocks.append(context("Changed your mind? Cancel it from `/vouchers mine` until it is sent."))
    return Message(f"Receipt: your gift to {receipt.recipient_name} ({receipt.amount})", blocks)


def wallet_with_gifts(wallet: Wallet) -> Message:
    """`/vouchers mine`, with the gifts the person sent after their own vouchers."""
    base = wallet_message(wallet)
    if not wallet.gifts_sent:
        return base
    rows = [sent_gift_row(i, g) for i, g in enumerate(wallet.gifts_sent[:MAX_GIFT_ROWS])]
    room = MESSAGE_BLOCKS - len(rows) - 1
    return Message(base.text, [*base.blocks[: room - 1], base.blocks[-1], header("Gifts you sent"), *rows])


def sent_gift_row(index: int, receipt: GiftReceipt) -> Block:
    """A gift in the buyer's wallet: what, to whom, when; a Cancel button while it waits for its time."""
    text = (
        f"*{escape(receipt.brand)}* · {receipt.amount} to {escape(receipt.recipient_name)}\n"
        f"{_when(receipt)} · `{receipt.order_id}`"
    )
    cancel = None
    if receipt.can_cancel:
        cancel = button(
            "Cancel and refund", f"{ids.GIFT_CANCEL}:{index}", value=receipt.gift_id, style="danger"
        )
    return section(text, accessory=cancel)


def _when(receipt: GiftReceipt) -> str:
    if receipt.status == "cancelled":
        return "Cancelled"
    if receipt.status == "delivered":
        return "Delivered"
    if receipt.deliver_at is None:
        return "Now, once paid"
    return f"Scheduled for {_time(receipt.deliver_at)}"


def _time(at: datetime) -> str:
    # Slack shows a <!date> token in each reader's own time zone; the fallback is UTC.
    fallback = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
