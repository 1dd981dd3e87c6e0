"""Block Kit for gifts: the recipient's voucher with the sender's note, and the buyer's receipt (no
code)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.i18n import ENGLISH, Localizer
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


def gift_message(gift: GiftDelivery, loc: Localizer = ENGLISH) -> Message:
    """The voucher's own blocks, introduced by who sent it and what they wrote."""
    voucher = voucher_message(gift.voucher, loc)
    sent = loc._("{name} sent you a gift", name=f"*{escape(gift.from_name)}*")
    intro: list[Block] = [section(f":gift: {sent}")]
    if gift.message:
        intro.append(section(f">{escape(gift.message)}"))
    # The notification preview names the sender, never the code.
    text = loc._(
        "{name} sent you a {brand} voucher ({amount})",
        name=gift.from_name,
        brand=gift.voucher.brand,
        amount=loc.money(gift.voucher.amount),
    )
    return Message(text, [*intro, *voucher.blocks])


def receipt_message(receipt: GiftReceipt, loc: Localizer = ENGLISH) -> Message:
    paid = loc.money(receipt.paid)
    fields = [
        mrkdwn_field(loc._("Gift"), f"{escape(receipt.brand)} · {loc.money(receipt.amount)}"),
        mrkdwn_field(loc._("To"), escape(receipt.recipient_name)),
        mrkdwn_field(loc._("Delivery"), _when(receipt, loc)),
        mrkdwn_field(
            loc._("Paid"), loc._("{paid} (refunded)", paid=paid) if receipt.refunded else paid
        ),
        mrkdwn_field(loc._("Order"), f"`{receipt.order_id}`"),
    ]
    blocks: list[Block] = [{"type": "section", "fields": fields}]
    name = escape(receipt.recipient_name)
    if receipt.problem:
        warning = loc._("I couldn't deliver your gift to {name}.", name=name)
        blocks.insert(0, section(f":warning: {warning}"))
        why = loc._(
            "Why: {problem}. An admin can resend it or refund it.", problem=escape(receipt.problem)
        )
        blocks.append(context(why))
    elif receipt.can_cancel:
        blocks.append(
            context(
                loc._(
                    "Changed your mind? Cancel it from {command} until it is sent.",
                    command="`/vouchers mine`",
                )
            )
        )
    text = loc._(
        "Receipt: your gift to {name} ({amount})",
        name=receipt.recipient_name,
        amount=loc.money(receipt.amount),
    )
    return Message(text, blocks)


def wallet_with_gifts(wallet: Wallet, loc: Localizer = ENGLISH) -> Message:
    """`/vouchers mine`, with the gifts the person sent after their own vouchers."""
    base = wallet_message(wallet, loc)
    if not wallet.gifts_sent:
        return base
    rows = [sent_gift_row(i, g, loc) for i, g in enumerate(wallet.gifts_sent[:MAX_GIFT_ROWS])]
    room = MESSAGE_BLOCKS - len(rows) - 1
    # A long wallet gives up its last entries, never its closing line (which must not appear twice).
    own = base.blocks if len(base.blocks) <= room else [*base.blocks[: room - 1], base.blocks[-1]]
    return Message(base.text, [*own, header(loc._("Gifts you sent")), *rows])


def sent_gift_row(index: int, receipt: GiftReceipt, loc: Localizer = ENGLISH) -> Block:
    """A gift in the buyer's wallet: what, to whom, when; a Cancel button while it waits for its
    time."""
    what = loc._(
        "{brand} · {amount} to {name}",
        brand=f"*{escape(receipt.brand)}*",
        amount=loc.money(receipt.amount),
        name=escape(receipt.recipient_name),
    )
    text = f"{what}\n{_when(receipt, loc)} · `{receipt.order_id}`"
    cancel = None
    if receipt.can_cancel:
        cancel = button(
            loc._("Cancel and refund"),
            f"{ids.GIFT_CANCEL}:{index}",
            value=receipt.gift_id,
            style="danger",
        )
    return section(text, accessory=cancel)


def _when(receipt: GiftReceipt, loc: Localizer) -> str:
    if receipt.status == "cancelled":
        return loc._("Cancelled")
    if receipt.status == "delivered":
        return loc._("Delivered")
    if receipt.deliver_at is None:
        return loc._("Now, once paid")
    return loc._("Scheduled for {time}", time=_time(receipt.deliver_at, loc))


def _time(at: datetime, loc: Localizer) -> str:
    # Slack shows a <!date> token in each reader's own time zone; the fallback is UTC, in their
    # locale.
    fallback = f"{loc.datetime(at.astimezone(UTC))} UTC"
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
