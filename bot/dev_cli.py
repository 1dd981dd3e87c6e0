"""`voucherbot dev pay ORDER_ID`: pay an order in embedded test mode without a browser (the test
card)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from bot.settings import Settings

TEST_CARD = "4242424242424242"


def add_commands(commands: Any, settings: Callable[[], Settings]) -> None:
    """Register `dev pay` on the `voucherbot` parser."""
    dev = commands.add_parser("dev", help="tools for trying the bot locally")
    dev = dev.add_subparsers(title="dev commands")
    pay = dev.add_parser(
        "pay",
        help="pay an order with a test card in embedded test mode, as the checkout page would "
        "(the bot must be running)",
    )
    pay.add_argument("order_id")
    pay.add_argument(
        "--card",
        default=TEST_CARD,
        help=f"test card number (default {TEST_CARD}; 4000000000000341 is declined)",
    )
    pay.set_defaults(run=lambda args: _pay(args, settings()))


def _pay(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.embedded_payments:
        return _fail(
            "dev pay works in embedded test mode only (no STRIPE_SECRET_KEY); pay on the checkout "
            "page",
            2,
        )
    from adapters.stripe_local import DevPaymentError, pay_with_test_card
    from bot.build.payments import TEST_STRIPE_PREFIX

    order = asyncio.run(_payable_order(settings, args.order_id))
    if isinstance(order, str):
        return _fail(order, 1)
    intent_id, client_secret = order
    base = f"{_local_url(settings)}{TEST_STRIPE_PREFIX}"
    try:
        status = asyncio.run(
            pay_with_test_card(base, intent_id, client_secret, args.card.replace(" ", ""))
        )
    except DevPaymentError as exc:
        return _fail(f"order {args.order_id} was not paid: {exc}", 1)
    if status != "succeeded":
        return _fail(
            f"order {args.order_id}: the payment is {status}; finish it on the checkout page", 1
        )
    print(
        f"order {args.order_id} paid with test card …{args.card[-4:]}; the voucher follows in the "
        f"chat"
    )
    return 0


async def _payable_order(settings: Settings, order_id: str) -> tuple[str, str] | str:
    """The order's PaymentIntent and client secret, or why it cannot be paid."""
    from bot.build.storage import open_database
    from core.errors import OrderNotFound

    local_file = settings.data_dir / "voucherbot.db"
    if not settings.database_url and not local_file.exists():
        return f"no database at {local_file}: start the bot (./dev run) and order something first"
    database = await open_database(settings)
    try:
        async with database.unit_of_work() as uow:
            order = await uow.orders.get(order_id)
    except OrderNotFound:
        return f"no order {order_id} in {settings.resolved_database_url}"
    finally:
        await database.dispose()
    if not order.is_payable or not (order.payment_intent_id and order.payment_client_secret):
        return f"order {order_id} is {order.status}, not awaiting payment"
    return order.payment_intent_id, order.payment_client_secret


def _local_url(settings: Settings) -> str:
    """The running server as seen from this machine."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)
    return f"http://[{host}]:{settings.port}" if ":" in host else f"http://{host}:{settings.port}"


def _fail(message: str, code: int) -> int:
    print(f"voucherbot: {message}", file=sys.stderr)
    return code
