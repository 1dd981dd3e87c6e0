"""`voucherbot programmes catalog PROGRAMME add|remove KIND VALUE | show`: a programme's curated catalog."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from core.curation import CatalogRule, RuleKind
from core.errors import VoucherbotError

from bot.settings import Settings

KINDS = [kind.value for kind in RuleKind]


def add_catalog_command(programmes: Any, settings: Callable[[], Settings]) -> None:
    catalog = programmes.add_parser(
        "catalog", help="what a programme's recipients may pick (no picks: the whole shop)"
    )
    catalog.add_argument("programme")
    verbs = catalog.add_subparsers()
    for verb, help_text in (("add", "offer a product, brand, country or category"), ("remove", "stop offering it")):
        command = verbs.add_parser(verb, help=help_text)
        command.add_argument("kind", choices=KINDS)
        command.add_argument("value", help="a product id, a brand name, a country code (DE) or a category")
        command.set_defaults(run=lambda args, verb=verb: _run(settings(), args, verb))
    verbs.add_parser("show", help="the programme's picks").set_defaults(
        run=lambda args: _run(settings(), args, "show")
    )


def _run(settings: Settings, args: argparse.Namespace, verb: str) -> int:
    from bot.bootstrap import open_database
    from bot.rewards import build_rewards

    async def run() -> int:
        database = await open_database(settings)
        try:
            programmes = {p.id for p in await build_rewards(settings, database).recognition.programmes()}
            if args.programme not in programmes:
                raise ValueError(f"There is no reward programme '{args.programme}'.")
            store = database.curations()
            if verb == "show":
                return _show(args.programme, await store.rules(args.programme))
            rule = CatalogRule.of(args.programme, args.kind, args.value)
            changed = await (store.add(rule) if verb == "add" else store.remove(rule))
            done = {"add": ("now offers", "already offers"), "remove": ("no longer offers", "did not offer")}[verb]
            print(f"{args.programme} {done[0] if changed else done[1]} {rule.kind} {rule.value}")
            return 0
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except (VoucherbotError, ValueError) as exc:
        print(f"voucherbot: {exc}", file=sys.stderr)
        return 1


def _show(programme: str, rules: Any) -> int:
    if not rules:
        print(f"{programme} offers the whole shop (no picks yet)")
    for rule in rules:
        print(f"{rule.kind}\t{rule.value}")
    return 0
