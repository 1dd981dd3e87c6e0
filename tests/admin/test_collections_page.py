"""The dashboard's Gifts page lists group gifts: organiser, recipient, goal, total, status,
deadline, each contribution's order (paid or refunded) and the reward the collection became."""

from __future__ import annotations

from core.funded import Funded
from core.group_gifts import GroupGifts, StartCollection, parse_collect
from core.identity import ChatUser, ConversationRef
from core.rewards import Recipient
from tests.admin.conftest import (
    ADA,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ALAN,
    BOOKS,
    GRACE,
    KATHERINE,
    MARGARET,
    Console,
)
from tests.fakes import SequentialIds
from tests.localstripe_server import confirm_server_side

CARD = ConversationRef("slack", '{"team":"T0HARBOUR","user":"U0ADA","channel":"C1","ts":"1.2"}')


def group_gifts(console: Console) -> GroupGifts:
    ids = SequentialIds()
    funded = Funded(
        uow=console.database.unit_of_work,
        ids=ids,
        clock=console.clock,
        refund=console.checkout.refund,
    )
    console.checkout.absorb = funded.absorb  # as bot.bootstrap wires it
    return GroupGifts(
        uow=console.database.unit_of_work, checkout=console.checkout, funded=funded,
        clock=console.clock, ids=ids, default_currency=BOOKS.currency,
    )  # fmt: skip


async def chip_in(
    console: Console, gifts: GroupGifts, collection: str, who: ChatUser, amount: str
) -> str:
    dm = ConversationRef(who.platform, f'{{"user": "{who.user_id}"}}')
    summary = await gifts.chip_in(collection, who, amount, False, dm, f"chip-{who.user_id}")
    return summary.order_id


async def test_the_gifts_page_shows_a_collection_its_contributions_and_the_reward(
    console: Console,
) -> None:
    gifts = group_gifts(console)
    to_grace = Recipient(GRACE, ConversationRef("teams", '{"user": "29:1grace"}'))
    card = await gifts.start(StartCollection(ADA, to_grace, parse_collect('"Farewell Grace" 60')))
    await gifts.card_posted(card.collection_id, CARD)
    katherine = await chip_in(console, gifts, card.collection_id, KATHERINE, "20")
    alan = await chip_in(console, gifts, card.collection_id, ALAN, "15")
    late = await chip_in(console, gifts, card.collection_id, MARGARET, "5")
    await console.pay_by_card(katherine)  # counted: the order moves on to issued, no voucher
    await console.pay_by_card(alan)
    await gifts.close(card.collection_id, ADA)
    order = await console.order(late)
    assert await confirm_server_side(console.local, order.payment_intent_id or "") == "succeeded"
    await console.wait_for_status(late, "refunded")  # paid after the close: given back
    await console.relay.run_once()  # Grace's Choose your gift goes out
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/gifts")

    assert status == 200
    row = html.split(f'id="collection-{card.collection_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Farewell Grace" in row and "Ada Lovelace" in row and "Grace Hopper" in row
    assert "60.00 USD" in row and "35.00 USD" in row and "Closed" in row  # goal, total, status
    for order_id in (katherine, alan, late):
        assert f'href="/admin/orders/{order_id}"' in row
    assert "Katherine Johnson" in row and "Alan Turing" in row and "Margaret Hamilton" in row
    assert row.count("· counted") == 2 and row.count("Paid") == 2
    assert "· refunded" in row and "badge-refunded" in row
    async with console.database.unit_of_work() as uow:
        collection = await uow.collections.get(card.collection_id)
    assert collection.reward_id and collection.reward_id in row
    assert "notice sent" in row
    status, page = await browser.get(f"/admin/orders/{katherine}")
    assert status == 200 and KATHERINE.name in page
