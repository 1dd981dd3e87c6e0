"""The bulk fan-out's sending side, in a process of its own: the core's outbox Relay + the real
SlackSender.

`python -m bench.fanout_worker --api-url URL --database-url URL --messages N --recipients R` seeds N
issued vouchers (N / R per recipient, each recipient's in a row, as a batch of grants queues them),
each with its voucher-delivery message, then drains the outbox the way bot/workers.py does
(`Relay.run_once()` back to back while it sends, a 0.2 s pause when a batch sends nothing) and
prints one JSON line: timings, the relay's CPU, resident memory before and at its peak, and what is
left.

The sender is built as `voucherbot serve` builds it (bot/build/delivery.py): the SlackSender behind
core.pacing's PacedSender, with the buckets a SQLite deployment uses (this process's memory) set to
`--pace-*` (the limits the fake enforces, as an operator sets SLACK_PACE_*; 0 turns a pace off,
which is how the no-limits run measures the relay's own ceiling).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.providers.catalog_file import SAMPLE_CATALOG, load_catalog
from adapters.slack import build_slack
from adapters.slack.translate import SlackAddress
from bench.measure import rss_bytes
from bench.offline import PUBLIC_BASE_URL, checkout_over
from bench.profiles import in_process
from bench.slack_requests import BOT_TOKEN, SIGNING_SECRET, TEAM
from bot.buckets import open_buckets, paced
from bot.settings import Settings
from core.catalog import Catalog, Product
from core.delivery import Relay
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import Order
from core.outbox import MessageKind, OutboxMessage
from core.ports import SystemClock
from core.vouchers import Voucher, mask

IDLE_PAUSE = 0.2  # bot/workers.py: the outbox loop's pause when a batch delivered nothing
SEED_BATCH = 500


def issued_order(
    n: int, recipient: int, product: Product, at: datetime
) -> tuple[Order, Voucher, OutboxMessage]:
    user = ChatUser("slack", TEAM, f"U{recipient:06d}", f"Recipient {recipient}")
    conversation = ConversationRef("slack", SlackAddress(team=TEAM, user=user.user_id).to_json())
    amount = Money(product.lowest, product.currency)
    order = Order.create(
        order_id=f"ord_F{n:07d}",
        product_id=product.id,
        amount=amount,
        buyer=user,
        conversation=conversation,
        request_key=f"fanout:{n}",
        at=at,
        source="bench",
    )
    order.pay(at=at, source="bench")
    order.start_issuing(at=at, source="bench")
    order.record_voucher(mask(f"BENCH-{n:07d}-CODE"), at=at)
    voucher = Voucher(
        id=f"vch_F{n:07d}",
        order_id=order.id,
        product_id=product.id,
        amount=amount,
        owner=user,
        code=f"BENCH-{n:07d}-CODE",
        expires_on=date(2030, 1, 1),
        issued_at=at,
    )
    message = OutboxMessage(
        id=f"msg_F{n:07d}",
        key=f"{order.id}:voucher",
        kind=MessageKind.VOUCHER_DELIVERY,
        order_id=order.id,
        conversation=conversation,
        created_at=at + timedelta(microseconds=n),
        next_attempt_at=at,
    )
    return order, voucher, message


async def seed(database: Database, product: Product, messages: int, recipients: int) -> None:
    at = datetime.now(UTC) - timedelta(seconds=1)
    per_recipient = max(1, messages // recipients)
    for start in range(0, messages, SEED_BATCH):
        async with database.unit_of_work() as uow:
            for n in range(start, min(messages, start + SEED_BATCH)):
                order, voucher, message = issued_order(n, n // per_recipient, product, at)
                await uow.orders.add(order)
                await uow.vouchers.add(voucher)
                await uow.outbox.add(message)
            await uow.commit()


async def drain(relay: Relay, database: Database, deadline: float) -> dict[str, Any]:
    """Send until the outbox is empty (or the deadline); returns when sending started and ended."""
    first: float | None = None
    peak = rss_bytes()
    while time.monotonic() < deadline:
        results = await relay.run_once()
        peak = max(peak, rss_bytes())
        if any(r.outcome == "sent" for r in results):
            first = first or time.monotonic()
            continue
        async with database.unit_of_work() as uow:
            if not results and await uow.outbox.pending_count() == 0:
                break
        await asyncio.sleep(IDLE_PAUSE)
    return {"first_sent": first, "finished": time.monotonic(), "peak_rss": peak}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    products = load_catalog(SAMPLE_CATALOG, public_base_url=PUBLIC_BASE_URL)
    database = Database(args.database_url, VoucherCipher(VoucherCipher.generate_key()))
    await database.upgrade()
    checkout = checkout_over(Catalog(products), database.unit_of_work)
    slack = build_slack(
        checkout,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        api_url=args.api_url,
        public_base_url=PUBLIC_BASE_URL,
    )
    settings = _pacing(args)
    buckets, _ = open_buckets(settings, database)  # SQLite: this process's memory, as in serve
    relay = Relay(
        uow=database.unit_of_work,
        catalog=lambda: checkout.catalog,
        senders=paced({"slack": slack.sender}, buckets, settings),
        clock=SystemClock(),
        checkout_url=checkout.checkout_url,
    )
    try:
        await seed(database, products[0], args.messages, args.recipients)
        baseline, cpu = rss_bytes(), time.process_time()
        print("seeded", flush=True)
        with in_process(args.profile, "outbox relay, no limits", prefix="relay"):
            timing = await drain(relay, database, time.monotonic() + args.timeout)
        counts = await database.counts_by_status()
        pending = await database.outbox_depth()
        return {
            **timing,
            "baseline_rss": baseline,
            "cpu": time.process_time() - cpu,
            "pending": pending,
            "orders": counts,
        }
    finally:
        await slack.close()
        await database.dispose()


def _pacing(args: argparse.Namespace) -> Settings:
    """The settings `voucherbot serve` would read for this pacing (SLACK_PACE_*), nothing else."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=args.database_url,
        redis_url=None,
        slack_pace_workspace_per_second=args.pace_workspace,
        slack_pace_workspace_burst=args.pace_workspace_burst,
        slack_pace_channel_per_second=args.pace_channel,
        slack_pace_channel_burst=args.pace_channel_burst,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=1_000)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--pace-workspace", type=float, default=0.0, help="messages/s; 0: off")
    parser.add_argument("--pace-workspace-burst", type=int, default=1)
    parser.add_argument("--pace-channel", type=float, default=0.0, help="messages/s; 0: off")
    parser.add_argument("--pace-channel-burst", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="cProfile the sending into this folder")
    return parser


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(main(_parser().parse_args()))), flush=True)
