"""`voucherbot rates load FILE | set BASE QUOTE RATE | show`: the exchange rates rewards convert
with."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bot.settings import Settings
from core.errors import VoucherbotError
from core.fx import Rates
from core.money import check_currency

Work = Callable[[Rates, argparse.Namespace], Awaitable[int]]


def add_commands(commands: Any, settings: Callable[[], Settings]) -> None:
    rates = commands.add_parser(
        "rates", help="exchange rates for rewards spent in another currency"
    )
    verbs = rates.add_subparsers()
    load = verbs.add_parser(
        "load", help="load an ECB daily reference-rate XML file (eurofxref-daily.xml)"
    )
    load.add_argument("file", type=Path)
    _runs(load, settings, _load)
    put = verbs.add_parser(
        "set", help="set a rate by hand: `rates set EUR USD 1.0850` (1 EUR = 1.0850 USD)"
    )
    put.add_argument("base", type=check_currency)
    put.add_argument("quote", type=check_currency)
    put.add_argument("rate", type=_decimal)
    _runs(put, settings, _set)
    _runs(verbs.add_parser("show", help="every rate kept, its source and age"), settings, _show)


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number; write it like 1.0850"
        ) from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError("a rate is a positive number, like 1.0850")
    return value


def _runs(parser: argparse.ArgumentParser, settings: Callable[[], Settings], work: Work) -> None:
    parser.set_defaults(run=lambda args: _run(settings(), work, args))


def _run(settings: Settings, work: Work, args: argparse.Namespace) -> int:
    from bot.build.storage import open_database
    from bot.fx import build_rates
    from core.ports import SystemClock

    async def run() -> int:
        database = await open_database(settings)
        try:
            return await work(build_rates(settings, database, SystemClock()), args)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except (VoucherbotError, ValueError) as exc:
        print(f"voucherbot: {exc}", file=sys.stderr)
        return 1


async def _load(rates: Rates, args: argparse.Namespace) -> int:
    from adapters.fx.ecb import parse_ecb

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {args.file}: {exc.strerror}") from None
    loaded = parse_ecb(data)
    await rates.load(loaded)
    print(f"loaded {len(loaded)} rates from {args.file} (ECB, {loaded[0].as_of:%Y-%m-%d})")
    return 0


async def _set(rates: Rates, args: argparse.Namespace) -> int:
    rate = await rates.set(args.base, args.quote, args.rate, f"cli:{getpass.getuser()}")
    print(f"set {rate.label()}")
    return 0


async def _show(rates: Rates, args: argparse.Namespace) -> int:
    book = await rates.book()
    shown = 0
    for rate in book:
        print(f"{rate.label()}\t{rate.source}\t{rate.as_of:%Y-%m-%d %H:%M} UTC")
        shown += 1
    if not shown:
        print("no rates yet: voucherbot rates load FILE, or voucherbot rates set EUR USD 1.0850")
    print(f"rates older than {rates.max_age.total_seconds() / 3600:g} hours stop conversion")
    return 0
