"""`voucherbot` commands for rewards: admins, programmes and budgets, API keys, employees and
milestones."""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.approvals_cli import add_approval_commands, add_programme_commands
from bot.curation_cli import add_catalog_command, add_options_command
from bot.settings import Settings, admin_identity
from core.amounts import read_amount
from core.employees import import_employees
from core.errors import NotFound, VoucherbotError
from core.milestone_calendar import MilestoneKind
from core.milestones import MilestoneRule
from core.money import Money, check_currency
from core.platforms import platform_names
from core.rewards import Programme

if TYPE_CHECKING:
    from bot.rewards import (
        Rewards,
    )  # the wiring (database, adapters) is imported only when a command runs

Work = Callable[["Rewards", argparse.Namespace], Awaitable[int]]


def add_commands(commands: Any, settings: Callable[[], Settings]) -> None:
    """Register the rewards commands on the `voucherbot` parser; `settings` reads (and checks) the
    settings."""
    _reward_admins(
        commands.add_parser("reward-admins", help="who may send rewards").add_subparsers(), settings
    )
    programmes = commands.add_parser("programmes", help="reward programmes").add_subparsers()
    create = programmes.add_parser("create", help="create a programme (its budget starts empty)")
    create.add_argument("id")
    create.add_argument("--name", required=True)
    create.add_argument("--currency", required=True, type=check_currency)
    create.add_argument("--expiry-days", type=int, default=90)
    create.add_argument("--per-reward-limit", help="largest single reward, e.g. 100.00")
    create.add_argument(
        "--monthly-limit", help="most one giver may send in a calendar month, e.g. 500.00"
    )
    _runs(create, settings, _create_programme)
    _runs(
        programmes.add_parser("list", help="programmes and what their budgets have left"),
        settings,
        _programmes,
    )
    add_programme_commands(programmes, settings, _runs)
    add_approval_commands(commands, settings, _runs)
    add_catalog_command(programmes, settings)  # curated catalogs (bot/curation_cli.py)
    add_options_command(programmes, settings)  # FX margin, card top-up
    credit = commands.add_parser("budget", help="programme budgets").add_subparsers()
    add = credit.add_parser("credit", help="add money to a programme's budget")
    add.add_argument("programme")
    add.add_argument("amount", help="in the programme's currency, e.g. 1000.00")
    add.add_argument("--note", default="")
    _runs(add, settings, _credit)
    _api_keys(
        commands.add_parser("apikeys", help="API keys for HR systems").add_subparsers(), settings
    )
    employees = commands.add_parser("employees", help="employees, for milestones").add_subparsers()
    load = employees.add_parser("import", help="add or update employees from a CSV file")
    load.add_argument(
        "file",
        type=Path,
        help="columns: email, name, start_date, birthday, platform, user_id, tenant, country",
    )
    load.add_argument(
        "--tenant", default="", help="Slack team id / Teams tenant id for rows without one"
    )
    _runs(load, settings, _import_employees)
    _milestones(
        commands.add_parser("milestones", help="anniversary and birthday rewards").add_subparsers(),
        settings,
    )


def _reward_admins(admins: Any, settings: Callable[[], Settings]) -> None:
    for verb, help_text in (
        ("add", "allow IDENTITY to send rewards"),
        ("remove", "withdraw that permission"),
    ):
        command = admins.add_parser(verb, help=help_text)
        command.add_argument(
            "identity", type=_identity, help="slack:<user id> or teams:<Entra object id>"
        )
        _runs(command, settings, _grant if verb == "add" else _revoke)
    _runs(
        admins.add_parser("list", help="admins granted at run time and in REWARD_ADMINS"),
        settings,
        _list_admins,
    )


def _api_keys(keys: Any, settings: Callable[[], Settings]) -> None:
    create = keys.add_parser("create", help="create a key for an HR system (printed once)")
    create.add_argument("name")
    _runs(create, settings, _create_key)
    revoke = keys.add_parser("revoke", help="revoke the active key of that name")
    revoke.add_argument("name")
    _runs(revoke, settings, _revoke_key)
    _runs(
        keys.add_parser("list", help="keys, active and revoked (never the keys themselves)"),
        settings,
        _list_keys,
    )


def _milestones(milestones: Any, settings: Callable[[], Settings]) -> None:
    preview = milestones.add_parser(
        "preview", help="milestones of the coming days and their rewards"
    )
    preview.add_argument("--days", type=int, default=30)
    _runs(preview, settings, _preview)
    rule = milestones.add_parser("rule", help="set what is sent for a kind of milestone")
    rule.add_argument("kind", choices=[str(k) for k in MilestoneKind])
    rule.add_argument("--programme", required=True)
    rule.add_argument("--amount", required=True)
    rule.add_argument(
        "--template", required=True, help="the message; {name} and, for anniversaries, {years}"
    )
    rule.add_argument("--off", action="store_true", help="keep the rule but send nothing")
    rule.add_argument(
        "--from-manager",
        action="store_true",
        help="name the employee's manager (from the HR system) as the giver",
    )
    _runs(rule, settings, _set_rule)
    _runs(milestones.add_parser("rules", help="what is sent for each kind"), settings, _rules)
    _runs(
        milestones.add_parser("send", help="send today's milestone rewards now"),
        settings,
        _send_now,
    )


def _runs(parser: argparse.ArgumentParser, settings: Callable[[], Settings], work: Work) -> None:
    parser.set_defaults(run=lambda args: _run(settings(), work, args))


def _run(settings: Settings, work: Work, args: argparse.Namespace) -> int:
    from bot.build.channels import PLATFORMS
    from bot.build.storage import open_database
    from bot.rewards import build_rewards

    async def run() -> int:
        database = await open_database(settings)
        try:
            return await work(build_rewards(settings, database, platforms=PLATFORMS), args)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except (VoucherbotError, ValueError) as exc:
        print(f"voucherbot: {exc}", file=sys.stderr)
        return 1


def _identity(text: str) -> str:
    try:
        return admin_identity(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


# --- the commands ---------------------------------------------------------------------------------


async def _grant(rewards: Rewards, args: argparse.Namespace) -> int:
    await rewards.recognition.givers.grant_admin(args.identity, _actor())
    print(f"{args.identity} may send rewards")
    return 0


async def _revoke(rewards: Rewards, args: argparse.Namespace) -> int:
    await rewards.recognition.givers.revoke_admin(args.identity, _actor())
    print(f"{args.identity} may no longer send rewards (unless named in REWARD_ADMINS)")
    return 0


async def _list_admins(rewards: Rewards, args: argparse.Namespace) -> int:
    for identity, source in (await rewards.recognition.givers.admins()).items():
        print(f"{identity}\t{source}")
    return 0


async def _create_programme(rewards: Rewards, args: argparse.Namespace) -> int:
    def minor(text: str | None) -> int | None:
        return Money.parse(text, args.currency).minor if text else None

    if not 1 <= args.expiry_days <= 3650:
        raise ValueError("--expiry-days must be from 1 to 3650")
    programme = Programme(
        args.id,
        args.name,
        args.currency,
        args.expiry_days,
        minor(args.per_reward_limit),
        minor(args.monthly_limit),
    )
    await rewards.recognition.budgets.create_programme(programme, _actor())
    print(
        f"created programme {programme.id} ({programme.name}, {programme.currency}); "
        f"add money with: voucherbot budget credit {programme.id} AMOUNT"
    )
    return 0


async def _programmes(rewards: Rewards, args: argparse.Namespace) -> int:
    for programme in await rewards.recognition.budgets.programmes():
        left = await rewards.recognition.budgets.budget(programme.id)
        print(
            f"{programme.id}\t{programme.name}\t{left.label()} left\texpires after "
            f"{programme.expiry_days} days"
        )
    return 0


async def _credit(rewards: Rewards, args: argparse.Namespace) -> int:
    programme = next(
        (p for p in await rewards.recognition.budgets.programmes() if p.id == args.programme), None
    )
    if programme is None:
        raise NotFound(f"There is no reward programme '{args.programme}'.")
    await rewards.recognition.budgets.credit(
        programme.id, Money.parse(args.amount, programme.currency), _actor(), args.note
    )
    print(
        f"{programme.id}: {(await rewards.recognition.budgets.budget(programme.id)).label()} "
        f"available"
    )
    return 0


async def _create_key(rewards: Rewards, args: argparse.Namespace) -> int:
    key = await rewards.api_keys.create(args.name, _actor())
    print(key)
    print(
        f"API key for '{args.name}': store it now, it is not shown again "
        "(send it as Authorization: Bearer <key>).",
        file=sys.stderr,
    )
    return 0


async def _revoke_key(rewards: Rewards, args: argparse.Namespace) -> int:
    if not await rewards.api_keys.revoke(args.name, _actor()):
        print(f"voucherbot: no active API key is named '{args.name}'", file=sys.stderr)
        return 1
    print(f"revoked the API key '{args.name}'")
    return 0


async def _list_keys(rewards: Rewards, args: argparse.Namespace) -> int:
    for key in await rewards.api_keys.list():
        state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d}"
        print(f"{key.name}\t…{key.hint}\tcreated {key.created_at:%Y-%m-%d}\t{state}")
    return 0


async def _import_employees(rewards: Rewards, args: argparse.Namespace) -> int:
    with args.file.open(newline="", encoding="utf-8-sig") as handle:  # -sig: Excel writes a BOM
        rows = [
            {(k or "").strip().lower(): v for k, v in row.items()} for row in csv.DictReader(handle)
        ]
    names = platform_names(rewards.platforms)
    report = await import_employees(rewards.employees, rows, _actor(), args.tenant, platforms=names)
    for row, reason in report.refused:
        print(f"line {row + 1}: {reason}", file=sys.stderr)  # line 1 is the header
    print(f"imported {report.imported} employee(s), refused {len(report.refused)} row(s)")
    return 1 if report.refused and not report.imported else 0


async def _preview(rewards: Rewards, args: argparse.Namespace) -> int:
    if not 1 <= args.days <= 366:
        raise ValueError("--days must be from 1 to 366")
    upcoming = await rewards.milestones.preview(args.days)
    for m in upcoming:
        what = f"{m.years} year(s)" if m.years else str(m.kind)
        reward = m.amount.label() if m.amount else "no rule: nothing sent"
        print(f"{m.on}\t{m.kind}\t{m.name} <{m.email}>\t{what}\t{reward}\t{m.message}")
    print(f"{len(upcoming)} milestone(s) in the next {args.days} days")
    return 0


async def _set_rule(rewards: Rewards, args: argparse.Namespace) -> int:
    programme, amount = await rewards.recognition.pricing.priced(
        read_amount(args.amount), args.programme
    )
    rule = MilestoneRule(
        MilestoneKind(args.kind),
        programme.id,
        amount,
        args.template,
        enabled=not args.off,
        from_manager=args.from_manager,
    )
    await rewards.milestones.set_rule(rule, _actor())
    print(f"{rule.kind}: {amount.label()} from {programme.id}{' (off)' if args.off else ''}")
    return 0


async def _rules(rewards: Rewards, args: argparse.Namespace) -> int:
    for rule in await rewards.milestones.rules():
        state = "on" if rule.enabled else "off"
        print(f"{rule.kind}\t{rule.amount.label()}\t{rule.programme_id}\t{state}\t{rule.template}")
    return 0


async def _send_now(rewards: Rewards, args: argparse.Namespace) -> int:
    report = await rewards.milestones.send_due_milestones()
    for email, reason in report.refused:
        print(f"refused {email}: {reason}", file=sys.stderr)
    for email in report.unreachable:
        print(f"cannot reach {email} in chat", file=sys.stderr)
    print(
        f"sent {len(report.sent)}, already sent {report.already_sent}; messages go out when the "
        f"server runs"
    )
    return 0
