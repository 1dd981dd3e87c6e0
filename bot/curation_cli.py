"""`voucherbot programmes catalog PROGRAMME add|remove KIND VALUE | show` and `programmes options
PROGRAMME`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.settings import Settings
from core.curation import CatalogRule, RuleKind
from core.errors import VoucherbotError
from core.fx import MAX_MARGIN_BPS
from core.programme_options import set_options

KINDS = [kind.value for kind in RuleKind]


def add_options_command(programmes: Any, settings: Callable[[], Settings]) -> None:
    options = programmes.add_parser(
        "options", help="a programme's FX margin and card top-up (a new programme has neither)"
    )
    options.add_argument("programme")
    options.add_argument(
        "--fx-margin", type=_percent, help="percent added to exchange rates, e.g. 1.5"
    )
    topup = options.add_mutually_exclusive_group()
    topup.add_argument(
        "--card-topup",
        dest="card_topup",
        action="store_const",
        const=True,
        help="recipients may pay by card for a voucher worth more than the reward",
    )
    topup.add_argument("--no-card-topup", dest="card_topup", action="store_const", const=False)
    options.set_defaults(run=lambda args: _run(settings(), args, "options"))


def _percent(text: str) -> int:
    """'1.5' (percent) as 150 basis points."""
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a percentage; write it like 1.5"
        ) from None
    bps = value * 100
    if not value.is_finite() or bps != bps.to_integral_value() or not 0 <= bps <= MAX_MARGIN_BPS:
        raise argparse.ArgumentTypeError(
            f"an FX margin is 0 to {MAX_MARGIN_BPS / 100:g} percent, in 0.01 steps"
        )
    return int(bps)


def add_catalog_command(programmes: Any, settings: Callable[[], Settings]) -> None:
    catalog = programmes.add_parser(
        "catalog", help="what a programme's recipients may pick (no picks: the whole shop)"
    )
    catalog.add_argument("programme")
    verbs = catalog.add_subparsers()
    for verb, help_text in (
        ("add", "offer a product, brand, country or category"),
        ("remove", "stop offering it"),
    ):
        command = verbs.add_parser(verb, help=help_text)
        command.add_argument("kind", choices=KINDS)
        command.add_argument(
            "value", help="a product id, a brand name, a country code (DE) or a category"
        )
        command.set_defaults(run=lambda args, verb=verb: _run(settings(), args, verb))
    verbs.add_parser("show", help="the programme's picks").set_defaults(
        run=lambda args: _run(settings(), args, "show")
    )


def _run(settings: Settings, args: argparse.Namespace, verb: str) -> int:
    from bot.build.channels import PLATFORMS
    from bot.build.storage import open_database
    from bot.rewards import build_rewards

    async def run() -> int:
        database = await open_database(settings)
        try:
            programmes = {
                p.id
                for p in await build_rewards(
                    settings, database, platforms=PLATFORMS
                ).recognition.budgets.programmes()
            }
            if args.programme not in programmes:
                raise ValueError(f"There is no reward programme '{args.programme}'.")
            if verb == "options":
                return await _options(database, args)
            store = database.curations()
            if verb == "show":
                return _show(args.programme, await store.rules(args.programme))
            rule = CatalogRule.of(args.programme, args.kind, args.value)
            changed = await (store.add(rule) if verb == "add" else store.remove(rule))
            done = {
                "add": ("now offers", "already offers"),
                "remove": ("no longer offers", "did not offer"),
            }[verb]
            print(f"{args.programme} {done[0] if changed else done[1]} {rule.kind} {rule.value}")
            return 0
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except (VoucherbotError, ValueError) as exc:
        print(f"voucherbot: {exc}", file=sys.stderr)
        return 1


async def _options(database: Any, args: argparse.Namespace) -> int:
    changed = await set_options(
        database.unit_of_work,
        args.programme,
        f"cli:{getpass.getuser()}",
        fx_margin_bps=args.fx_margin,
        card_topup=args.card_topup,
    )
    topup = "may top up by card" if changed.card_topup else "no card top-up"
    print(f"{changed.id}: FX margin {changed.fx_margin_bps / 100:g}%, {topup}")
    return 0


def _show(programme: str, rules: Any) -> int:
    if not rules:
        print(f"{programme} offers the whole shop (no picks yet)")
    for rule in rules:
        print(f"{rule.kind}\t{rule.value}")
    return 0
