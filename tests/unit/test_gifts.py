"""Gifts in the core: the voucher goes to the colleague, the buyer gets a receipt, never the
code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.delivery import Relay
from core.errors import DeliveryError, PaymentGatewayError
from core.gifting import Gifts
from core.gifts import (
    GiftNotCancellable,
    GiftRequest,
    GiftStatus,
    InvalidGift,
    NotGiftBuyer,
    delivery_time,
)
from core.identity import ChatUser, ConversationRef
from core.orders import OrderStatus
from core.outbox import MessageKind, MessageStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.rewards import Recipient
from core.views import GiftDelivery, GiftReceipt, OrderSummary, VoucherDelivery
from tests.fakes import FakeSender
from tests.unit.conftest import ADA, GRACE, World

GRACE_DM = ConversationRef("slack", '{"team": "T0001", "user": "U0GRACE"}')


def gift_order(
    world: World,
    message: str = "Happy birthday!",
    deliver_at: datetime | None = None,
    key: str = "g-1",
):
    return replace(world.order_for(key=key), gift=GiftRequest(GRACE, GRACE_DM, message, deliver_at))


async def paid_gift(world: World, **kwargs: object) -> str:
    summary = await world.checkout.place_order(gift_order(world, **kwargs))  # type: ignore[arg-type]
    order = world.store.orders[summary.order_id]
    event = PaymentEvent(
        f"evt-{order.id}",
        PaymentEventKind.SUCCEEDED,
        order.payment_intent_id or "",
        order.id,
        order.amount,
    )
    await world.checkout.handle_payment_event(event)
    return order.id


def codes_seen_by(world: World, conversation: ConversationRef) -> list[str]:
    shown = []
    for where, notice in world.sender.sent:
        if where != conversation:
            continue
        if isinstance(notice, GiftDelivery):
            shown.append(notice.voucher.code)
        if isinstance(notice, VoucherDelivery):
            shown.append(notice.code)
    return shown


async def test_a_paid_gift_sends_the_voucher_and_note_to_the_recipient_and_a_receipt_to_the_buyer(
    world: World,
) -> None:
    order_id = await paid_gift(world)
    await world.relay.run_once()

    voucher = world.store.vouchers[order_id]
    assert voucher.owner == GRACE
    (delivery,) = [n for c, n in world.sender.sent if isinstance(n, GiftDelivery)]
    assert delivery.voucher.code == voucher.code and delivery.message == "Happy birthday!"
    assert delivery.from_name == "Ada"
    (receipt,) = [n for c, n in world.sender.sent if isinstance(n, GiftReceipt)]
    assert (
        receipt.recipient_name == "Grace"
        and receipt.paid.minor == 2500
        and receipt.deliver_at is None
    )
    buyer_conversation = world.store.orders[order_id].conversation
    assert codes_seen_by(world, buyer_conversation) == []
    assert voucher.code not in repr([n for c, n in world.sender.sent if c == buyer_conversation])
    assert world.store.orders[order_id].status is OrderStatus.DELIVERED
    assert world.store.gifts[next(iter(world.store.gifts))].status is GiftStatus.DELIVERED


async def test_the_buyers_wallet_lists_the_gift_without_its_code_and_the_recipients_wallet_has_it(
    world: World,
) -> None:
    order_id = await paid_gift(world)
    await world.relay.run_once()

    ada = await world.checkout.wallet(ADA)
    grace = await world.checkout.wallet(GRACE)

    code = world.store.vouchers[order_id].code
    assert ada.entries == () and code not in repr(ada)
    assert [g.recipient_name for g in ada.gifts_sent] == ["Grace"]
    assert [e.code for e in grace.entries] == [code]


async def test_a_scheduled_gift_is_not_delivered_before_its_time_and_is_delivered_at_it(
    world: World,
) -> None:
    at = world.clock.now() + timedelta(days=3)
    order_id = await paid_gift(world, deliver_at=at)

    await world.relay.run_once()
    assert [type(n) for _, n in world.sender.sent if not isinstance(n, OrderSummary)] == [
        GiftReceipt
    ]
    assert (await world.checkout.wallet(GRACE)).entries == ()  # a surprise until then

    world.clock.advance(days=3, seconds=-1)
    await world.relay.run_once()
    assert not any(isinstance(n, GiftDelivery) for _, n in world.sender.sent)

    world.clock.advance(seconds=1)
    await world.relay.run_once()
    assert [n.voucher.order_id for _, n in world.sender.sent if isinstance(n, GiftDelivery)] == [
        order_id
    ]
    world.clock.advance(days=1)
    await world.relay.run_once()
    assert len([n for _, n in world.sender.sent if isinstance(n, GiftDelivery)]) == 1


async def test_cancelling_a_scheduled_gift_refunds_it_and_nothing_reaches_the_recipient(
    world: World,
) -> None:
    order_id = await paid_gift(world, deliver_at=world.clock.now() + timedelta(days=3))
    gifts = Gifts(uow=world.checkout._uow, checkout=world.checkout, clock=world.clock)
    (gift_id,) = world.store.gifts

    receipt = await gifts.cancel(gift_id, ADA)

    assert receipt.status == "cancelled" and receipt.refunded
    assert world.gateway.refunds == [f"{order_id}:refund"]
    assert world.store.orders[order_id].status is OrderStatus.REFUNDED
    world.clock.advance(days=4)
    await world.relay.run_once()
    assert not any(isinstance(n, GiftDelivery) for _, n in world.sender.sent)
    delivery = next(m for m in world.store.outbox.values() if m.kind is MessageKind.GIFT_DELIVERY)
    assert delivery.status is MessageStatus.DEAD


async def test_only_the_buyer_may_cancel_and_only_before_delivery(world: World) -> None:
    await paid_gift(world, deliver_at=world.clock.now() + timedelta(hours=1))
    gifts = Gifts(uow=world.checkout._uow, checkout=world.checkout, clock=world.clock)
    (gift_id,) = world.store.gifts

    with pytest.raises(NotGiftBuyer):
        await gifts.cancel(gift_id, GRACE)
    world.clock.advance(hours=1)
    await world.relay.run_once()
    with pytest.raises(GiftNotCancellable):
        await gifts.cancel(gift_id, ADA)
    assert world.gateway.refunds == []


async def test_a_gift_to_oneself_is_refused(world: World) -> None:
    own_dm = ConversationRef("slack", '{"team": "T0001", "user": "U0ADA"}')
    command = replace(world.order_for(), gift=GiftRequest(ADA, own_dm, "for me"))
    with pytest.raises(InvalidGift) as refused:
        await world.checkout.place_order(command)
    assert refused.value.rule == "to_self" and "/vouchers" not in str(refused.value)
    assert world.store.orders == {}


def test_a_delivery_time_is_read_in_the_recipients_time_zone() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    at = delivery_time("2026-12-24 09:30", "Asia/Tokyo", now)
    assert at.astimezone(UTC) == datetime(2026, 12, 24, 0, 30, tzinfo=UTC)
    assert delivery_time("2026-12-24", "", now) == datetime(2026, 12, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("tomorrow", "not_a_date"),
        ("2026-11-30 10:00", "past"),
        ("2026-02-30", "not_a_real_date"),
        ("2028-01-01", "too_far_ahead"),
    ],
)
def test_a_delivery_time_that_is_not_a_future_date_within_a_year_is_refused_saying_why(
    text: str, rule: str
) -> None:
    with pytest.raises(InvalidGift) as refused:
        delivery_time(text, "Europe/London", datetime(2026, 12, 1, tzinfo=UTC))
    assert (refused.value.rule, refused.value.typed) == (rule, text)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidGift, match="time zone") as refused:
        delivery_time("2026-12-24", "Mars/Olympus", datetime(2026, 12, 1, tzinfo=UTC))
    assert (refused.value.rule, refused.value.typed) == ("unknown_zone", "Mars/Olympus")


class OneColleague:
    """A Directory that knows one person by email (as imported employees or a workspace would)."""

    def __init__(self, email: str, recipient: Recipient) -> None:
        self._email, self._recipient = email, recipient

    async def find_by_email(self, email: str) -> Recipient | None:
        return self._recipient if email.strip().lower() == self._email else None


async def test_a_slack_buyer_gifts_a_teams_colleague_found_by_email_and_teams_delivers_it(
    world: World,
) -> None:
    lin = ChatUser("teams", "tenant-1", "aad-lin", "Lin Wei")
    lin_chat = ConversationRef("teams", '{"reference": {}, "tenant": "tenant-1"}')
    people = OneColleague("lin@harbour.example", Recipient(lin, lin_chat))
    gifts = Gifts(
        uow=world.checkout._uow, checkout=world.checkout, clock=world.clock, people=people
    )
    teams = FakeSender("teams")
    relay = Relay(
        uow=world.checkout._uow,
        catalog=lambda: world.checkout.catalog,
        senders={"slack": world.sender, "teams": teams},
        clock=world.clock,
        checkout_url=world.checkout.checkout_url,
    )

    found = await gifts.recipient_by_email("Lin@Harbour.example")
    command = replace(
        world.order_for(key="x-1"), gift=GiftRequest(found.user, found.conversation, "Welcome!")
    )
    summary = await world.checkout.place_order(command)
    order = world.store.orders[summary.order_id]
    event = PaymentEvent(
        "evt-x", PaymentEventKind.SUCCEEDED, order.payment_intent_id or "", order.id, order.amount
    )
    await world.checkout.handle_payment_event(event)
    await relay.run_once()

    (delivered,) = teams.sent
    assert delivered[0] == lin_chat and isinstance(delivered[1], GiftDelivery)
    assert world.store.vouchers[order.id].owner == lin
    assert [type(n) for _, n in world.sender.sent if not isinstance(n, OrderSummary)] == [
        GiftReceipt
    ]


async def test_an_email_nobody_answers_to_is_refused_with_a_clear_reason(world: World) -> None:
    gifts = Gifts(uow=world.checkout._uow, checkout=world.checkout, clock=world.clock, people=None)
    with pytest.raises(InvalidGift, match=r"nobody@harbour\.example") as refused:
        await gifts.recipient_by_email("nobody@harbour.example")
    assert (refused.value.rule, refused.value.typed) == ("unknown_email", "nobody@harbour.example")


async def test_a_cancel_whose_refund_fails_keeps_the_gift_held_and_cancelling_again_refunds_it(
    world: World,
) -> None:
    order_id = await paid_gift(world, deliver_at=world.clock.now() + timedelta(days=1))
    gifts = Gifts(uow=world.checkout._uow, checkout=world.checkout, clock=world.clock)
    (gift_id,) = world.store.gifts
    world.gateway.refunds_failing = 1

    with pytest.raises(PaymentGatewayError):
        await gifts.cancel(gift_id, ADA)
    world.clock.advance(days=2)
    await world.relay.run_once()
    assert not any(isinstance(n, GiftDelivery) for _, n in world.sender.sent)

    receipt = await gifts.cancel(gift_id, ADA)

    assert receipt.refunded and world.gateway.refunds == [f"{order_id}:refund"]
    with pytest.raises(GiftNotCancellable):
        await gifts.cancel(gift_id, ADA)


async def test_cancelling_a_scheduled_gift_never_paid_cancels_its_order_and_refunds_nothing(
    world: World,
) -> None:
    summary = await world.checkout.place_order(
        gift_order(world, deliver_at=world.clock.now() + timedelta(days=2))
    )
    gifts = Gifts(uow=world.checkout._uow, checkout=world.checkout, clock=world.clock)
    (gift_id,) = world.store.gifts

    receipt = await gifts.cancel(gift_id, ADA)

    assert receipt.status == "cancelled" and world.gateway.refunds == []
    assert world.store.orders[summary.order_id].status is OrderStatus.CANCELLED


async def test_cancelling_a_scheduled_gift_whose_checkout_expired_refunds_nothing(
    world: World,
) -> None:
    summary = await world.checkout.place_order(
        gift_order(world, deliver_at=world.clock.now() + timedelta(days=2))
    )
    world.clock.advance(hours=1)
    await world.checkout.recover()
    assert world.store.orders[summary.order_id].status is OrderStatus.EXPIRED
    gifts = Gifts(uow=world.checkout._uow, checkout=world.checkout, clock=world.clock)
    (gift_id,) = world.store.gifts

    receipt = await gifts.cancel(gift_id, ADA)

    assert receipt.status == "cancelled" and world.gateway.refunds == []


async def test_an_admin_resend_of_a_gift_goes_to_the_recipient_again_never_to_the_buyer(
    world: World,
) -> None:
    order_id = await paid_gift(world)
    await world.relay.run_once()

    await world.checkout.resend(order_id, "admin:ops@example.com")
    await world.relay.run_once()

    deliveries = [
        (c, n) for c, n in world.sender.sent if isinstance(n, GiftDelivery | VoucherDelivery)
    ]
    assert [c for c, _ in deliveries] == [GRACE_DM, GRACE_DM]
    assert codes_seen_by(world, world.store.orders[order_id].conversation) == []


class Unreachable(FakeSender):
    """Refuses one conversation for good, as Teams does for someone without the app."""

    def __init__(self, refused: ConversationRef) -> None:
        super().__init__("slack")
        self.refused = refused

    async def send(self, conversation: ConversationRef, notice: object) -> None:
        if conversation == self.refused:
            raise DeliveryError("403 BotNotInConversationRoster")
        await super().send(conversation, notice)  # type: ignore[arg-type]


async def test_a_gift_that_cannot_reach_its_recipient_is_told_to_the_buyer_without_the_code(
    world: World,
) -> None:
    sender = Unreachable(GRACE_DM)
    relay = Relay(uow=world.checkout._uow, catalog=lambda: world.checkout.catalog, senders={"slack": sender},
                  clock=world.clock, checkout_url=world.checkout.checkout_url)  # fmt: skip
    order_id = await paid_gift(world)

    await relay.run_once()
    await relay.run_once()

    problems = [n for _, n in sender.sent if isinstance(n, GiftReceipt) and n.problem]
    assert len(problems) == 1 and "BotNotInConversationRoster" in problems[0].problem
    assert world.store.vouchers[order_id].code not in repr(sender.sent)
