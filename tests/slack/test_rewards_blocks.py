"""Block Kit rendering of rewards: snapshots of each message, and Slack's limits under large
inputs."""

from __future__ import annotations

import json

import pytest

from adapters.slack import blocks, reward_blocks
from adapters.slack.kit import Message
from core.bulk import BulkReport, RowOutcome
from core.catalog import Catalog, CatalogQuery
from core.money import Money
from core.orders import OrderStatus
from core.rewards import Programme
from core.views import (
    STATUS_LABELS,
    CatalogPage,
    OrderSummary,
    ProductCard,
    RewardNotice,
    RewardPreview,
    RewardSummary,
    RewardUndeliverable,
    SendReport,
    Wallet,
)
from tests.fake_slack import message_problems, view_problems
from tests.slack.conftest import BOOKS, SAMPLE, TEA
from tests.slack.test_blocks import as_message, assert_matches_snapshot

USD = "USD"


def reward(
    available: int = 2500, reason: str = "Five years of quiet excellence", status: str = "sent"
) -> RewardSummary:
    return RewardSummary(
        reward_id="rwd_7K3M9Q2XH4PL",
        giver_name="Hana from HR",
        recipient_name="Ada Lovelace",
        amount=Money(2500, USD),
        available=Money(available, USD),
        reason=reason,
        status=status,
        expires_on="2027-02-24",
        programme_name="Kudos",
    )


def preview(
    names: tuple[str, ...] = ("Ada Lovelace", "Grace Hopper", "Lin Yutang"),
    problems: tuple[str, ...] = (),
) -> RewardPreview:
    each = Money(2500, USD)
    total = Money(each.minor * len(names), USD)
    return RewardPreview(
        names,
        each,
        total,
        Money(10000, USD),
        Money(max(10000 - total.minor, 0), USD),
        "Kudos",
        problems,
    )


def order(
    paid_by_reward: int | None, status: OrderStatus = OrderStatus.AWAITING_PAYMENT
) -> OrderSummary:
    url = (
        "https://vouchers.example.com/checkout/tok42"
        if status is OrderStatus.AWAITING_PAYMENT
        else None
    )
    covered = Money(paid_by_reward, USD) if paid_by_reward is not None else None
    return OrderSummary(
        "ord_QH7K3M9Q2XH4",
        BOOKS.brand,
        BOOKS.name,
        BOOKS.image_url,
        Money(5000, USD),
        status,
        STATUS_LABELS[status],
        url,
        paid_by_reward=covered,
    )


REPORT = BulkReport(
    "rewards.csv",
    (
        RowOutcome(2, "Ada Lovelace", Money(2500, USD)),
        RowOutcome(3, "grace@harbour.example", reason="'lots' is not an amount."),
        RowOutcome(4, "Grace Hopper", Money(1500, USD)),
    ),
)
REWARD_PAGE = CatalogPage.of(Catalog(SAMPLE).search(CatalogQuery(currency=USD)))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "reward_confirmation",
            reward_blocks.confirmation_message(
                preview(), "Five years of quiet excellence", "c42.1.t"
            ),
        ),
        (
            "reward_confirmation_refused",
            reward_blocks.confirmation_message(
                preview(problems=("The budget has $100 left, not enough for $150.",)),
                "Thanks",
                "c42.1.t",
                ["Left out 1 bot or deactivated account from the groups and channel named."],
            ),
        ),
        ("reward_sent", reward_blocks.sent_message(SendReport((reward(),), (), Money(7500, USD)))),
        ("reward_notice", reward_blocks.reward_notice_message(RewardNotice(reward()))),
        (
            "reward_reminder",
            reward_blocks.reward_notice_message(
                RewardNotice(reward(available=1500), reminder=True)
            ),
        ),
        (
            "reward_undeliverable",
            reward_blocks.undeliverable_message(RewardUndeliverable(reward(), "user_not_found")),
        ),
        ("reward_bulk_report", reward_blocks.bulk_report(REPORT)),
        ("reward_catalog", blocks.catalog_message(REWARD_PAGE, reward())),
        (
            "reward_product",
            blocks.product_message(
                ProductCard.of(BOOKS), CatalogQuery(currency=USD), reward_id="rwd_7"
            ),
        ),
        ("reward_order_top_up", blocks.order_message(order(2500))),
        ("reward_order_covered", blocks.order_message(order(5000, OrderStatus.PAID))),
        (
            "reward_wallet",
            blocks.wallet_message(
                Wallet((), (), (reward(), reward(status="redeemed", available=0)))
            ),
        ),
    ],
)
def test_each_reward_message_matches_its_snapshot_and_slack_accepts_it(
    name: str, message: Message
) -> None:
    assert message_problems(as_message(message)) == []
    assert_matches_snapshot(name, as_message(message))


def test_the_reward_form_matches_its_snapshot_and_slack_accepts_it() -> None:
    programmes = [Programme("kudos", "Kudos", USD), Programme("danke", "Danke", "EUR")]

    view = reward_blocks.reward_modal(
        programmes, '{"c":"C0GENERAL","u":"https://hooks.slack.com/commands/1"}'
    )

    assert view_problems(view) == []
    assert_matches_snapshot("reward_form", view)


def test_an_open_value_product_bought_with_a_reward_keeps_the_reward_in_its_amount_input() -> None:
    message = blocks.product_message(ProductCard.of(TEA), reward_id="rwd_7")

    assert message_problems(as_message(message)) == []
    ids = [b.get("block_id", "") for b in message.blocks]
    assert 'vb_amount:{"p":"lantern-tea","r":"rwd_7"}' in ids


def test_a_confirmation_for_a_whole_channel_stays_within_slack_limits() -> None:
    names = tuple(f"Colleague {n:04d}" for n in range(800))

    message = reward_blocks.confirmation_message(
        preview(names), "x" * 500, "c1", [f"note {n}" for n in range(40)]
    )

    assert message_problems(as_message(message)) == []
    assert "and 760 more" in json.dumps(message.blocks)


def test_a_report_of_thousands_of_rows_stays_within_slack_limits() -> None:
    outcomes = tuple(
        RowOutcome(
            n,
            f"colleague{n:04d}@harbour.example" + "x" * 80,
            reason="No active member has that email.",
        )
        if n % 3 == 0
        else RowOutcome(n, f"Colleague {n:04d}", Money(2500, USD))
        for n in range(2, 3002)
    )

    message = reward_blocks.bulk_report(BulkReport("big.csv", outcomes))

    assert message_problems(as_message(message)) == [] and len(message.blocks) <= 50
    assert "more rows." in json.dumps(message.blocks)


def test_hostile_reasons_and_names_are_escaped() -> None:
    hostile = reward(reason="<!channel> & <https://evil.example|click>")

    for message in (
        reward_blocks.reward_notice_message(RewardNotice(hostile)),
        blocks.wallet_message(Wallet((), (), (hostile,))),
    ):
        rendered = json.dumps(message.blocks)
        assert "<!channel>" not in rendered and "&lt;!channel&gt; &amp;" in rendered


def test_the_notification_text_says_who_and_how_much() -> None:
    message = reward_blocks.reward_notice_message(RewardNotice(reward()))

    assert message.text == "Hana from HR sent you a $25 reward"
