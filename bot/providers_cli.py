"""`voucherbot providers balances` and `voucherbot providers route PRODUCT COUNTRY`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from bot.settings import Settings
from core.errors import InvalidAmount, UnknownProduct
from core.money import Money


def add_commands(commands: Any, settings: Callable[[], Settings]) -> None:
    group = commands.add_parser("providers", help="voucher providers: balances and routing")
    sub = group.add_subparsers(title="providers commands")
    balances = sub.add_parser(
        "balances", help="each provider's balance per currency (LOW under the threshold)"
    )
    balances.set_defaults(run=lambda args: _balances(settings()))
    route = sub.add_parser(
        "route", help="which provider an order for PRODUCT in COUNTRY would go to, and why"
    )
    route.add_argument("product")
    route.add_argument("country")
    route.add_argument(
        "--amount", help="the voucher value, e.g. 25 (default: the lowest the product takes)"
    )
    route.set_defaults(run=lambda args: _route(settings(), args))


def _balances(settings: Settings) -> int:
    async def run() -> list[str]:
        from bot.bootstrap import open_provider_set

        found, close = await open_provider_set(settings)
        try:
            return await found.check_balances()
        finally:
            await close()

    lines = asyncio.run(run())
    print(
        "\n".join(lines)
        if lines
        else "no provider reports a balance (the built-in provider has none)"
    )
    return 1 if any(line.endswith("LOW") or "unavailable" in line for line in lines) else 0


def _route(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> list[str]:
        from bot.bootstrap import open_provider_set

        found, close = await open_provider_set(settings)
        try:
            await found.check_balances()  # a known short balance moves a provider back; show it
            product = found.checkout.catalog.get(args.product)
            amount = (
                Money.parse(args.amount, product.currency)
                if args.amount
                else product.price(product.lowest)
            )
            plan = found.route(args.product, args.country.upper(), amount)
        finally:
            await close()
        if not plan:
            return [f"no provider sells {product.name} for {amount.label()}"]
        head = [f"{product.name} ({product.id}) for {amount.label()} in {args.country.upper()}:"]
        return head + [f"{n}. {c.provider}: {c.reason}" for n, c in enumerate(plan, start=1)]

    try:
        print("\n".join(asyncio.run(run())))
    except (UnknownProduct, InvalidAmount, ValueError) as exc:
        print(f"voucherbot: {exc}", file=sys.stderr)
        return 2
    return 0
