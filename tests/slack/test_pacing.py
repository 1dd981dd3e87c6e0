"""Which of Slack's limits each outgoing message is paced by (adapters/slack/pacing.py)."""

from __future__ import annotations

from adapters.slack.pacing import SlackPaces
from adapters.slack.translate import SlackAddress
from core.identity import ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.views import OrderSummary, ShoutOut

PACES = SlackPaces(
    workspace_per_second=50, workspace_burst=10, channel_per_second=1, channel_burst=3
)
SHOP = SlackAddress(team="T0HARBOUR", user="U0ADA", channel="C0SHOP", response_url="https://r/1")


def slack(address: SlackAddress) -> ConversationRef:
    return ConversationRef("slack", address.to_json())


def card(status: OrderStatus = OrderStatus.PAID) -> OrderSummary:
    return OrderSummary(
        order_id="ord_QUIETHARBOUR",
        brand="Quiet Harbour Books",
        product_name="Book token",
        image_url="",
        amount=Money(2500, "USD"),
        status=status,
        status_label="Paid",
        checkout_url=None,
    )


def keys(conversation: ConversationRef, notice: object) -> list[str]:
    return [bucket.key for bucket in PACES(conversation, notice)]  # type: ignore[arg-type]


def test_an_order_card_edited_in_a_busy_channel_counts_against_the_workspace_only() -> None:
    # chat.update / response_url edits are not new messages: a shop channel's one-a-second limit
    # must not queue every buyer's card behind each other
    assert keys(slack(SHOP), card()) == ["slack:T0HARBOUR"]


def test_a_shout_out_posted_in_a_channel_is_paced_by_that_channel() -> None:
    shout = ShoutOut(giver_name="Hana", recipient_name="Grace", reason="Shipped the harbour map")

    assert keys(slack(SHOP), shout) == ["slack:T0HARBOUR", "slack:T0HARBOUR:C0SHOP"]


def test_a_message_to_a_persons_dm_is_paced_by_that_person() -> None:
    dm = SlackAddress(team="T0HARBOUR", user="U0GRACE")
    shout = ShoutOut(giver_name="Hana", recipient_name="Grace", reason="Shipped the harbour map")

    assert keys(slack(dm), shout) == ["slack:T0HARBOUR", "slack:T0HARBOUR:dm:U0GRACE"]


def test_an_enterprise_grid_workspace_is_its_own_bucket() -> None:
    grid = SlackAddress(team="T0HARBOUR", user="U0GRACE", enterprise="E0FLEET")

    assert keys(slack(grid), card())[0] == "slack:E0FLEET/T0HARBOUR"
