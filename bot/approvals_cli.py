"""`voucherbot` commands for approvals, peer programmes and givers' default programmes."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.settings import Settings, admin_identity
from core.approval_requests import ApprovalPolicy, ApprovalStatus, parse_approvers
from core.money import Money
from core.peer import PeerPolicy
from core.platforms import platform_names

if TYPE_CHECKING:
    from bot.rewards import Rewards

Runs = Callable[[argparse.ArgumentParser, Callable[[], Settings], Any], None]
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def add_programme_commands(programmes: Any, settings: Callable[[], Settings], runs: Runs) -> None:
    """`programmes approvals …` and `programmes default …` (on the `programmes` sub-parsers)."""
    policy = programmes.add_parser(
        "approvals", help="require approval of large sends, and name the approvers"
    )
    policy.add_argument("programme")
    policy.add_argument(
        "--above", help="approve any reward above this amount per recipient, e.g. 100.00"
    )
    policy.add_argument("--above-total", help="approve any send above this total, e.g. 1000.00")
    policy.add_argument(
        "--people-above", type=int, help="approve any send to more than this many people"
    )
    policy.add_argument("--approvers", required=True, help="slack:U…,teams:<Entra object id>")
    policy.add_argument(
        "--expires-after", default="48h", help="pending requests expire: 30m, 48h, 7d"
    )
    runs(policy, settings, _set_policy)
    default = programmes.add_parser(
        "default", help="the programme a giver's rewards come from by default"
    )
    default.add_argument("giver", help="slack:<user id> or teams:<Entra object id>")
    default.add_argument("programme")
    runs(default, settings, _set_default)
    peer = programmes.add_parser(
        "peer", help="make a programme one everyone may give from, within an allowance"
    )
    peer.add_argument("programme")
    peer.add_argument(
        "--allowance", required=True, help="what each person may give a month, e.g. 50.00"
    )
    peer.add_argument(
        "--per-recipient", help="the most one person may give one colleague a month, e.g. 20.00"
    )
    peer.add_argument(
        "--shout-out",
        action="store_true",
        help="thank them publicly where it was given (no amounts)",
    )
    runs(peer, settings, _set_peer)


def add_approval_commands(commands: Any, settings: Callable[[], Settings], runs: Runs) -> None:
    approvals = commands.add_parser(
        "approvals", help="reward sends waiting for an approver"
    ).add_subparsers()
    listing = approvals.add_parser("list", help="approval requests, newest first")
    listing.add_argument("--status", choices=[str(s) for s in ApprovalStatus])
    runs(listing, settings, _list)


def duration(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d{1,6})\s*([smhd])\s*", text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"Give a duration such as 30m, 48h or 7d, not {text!r}.")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def _actor() -> str:
    from bot.rewards_cli import _actor as actor

    return actor()


async def _set_policy(rewards: Rewards, args: argparse.Namespace) -> int:
    assert rewards.approvals is not None
    programme = next(
        (p for p in await rewards.recognition.budgets.programmes() if p.id == args.programme), None
    )
    if programme is None:
        raise ValueError(f"There is no reward programme '{args.programme}'.")

    def minor(text: str | None) -> int | None:
        return Money.parse(text, programme.currency).minor if text else None

    if args.above is None and args.above_total is None and args.people_above is None:
        raise ValueError(
            "Say when approval is needed: --above, --above-total and/or --people-above."
        )
    if args.people_above is not None and args.people_above < 1:
        raise ValueError("--people-above must be 1 or more.")
    approvers = tuple(
        admin_identity(a)
        for a in parse_approvers(args.approvers, platform_names(rewards.platforms))
    )
    policy = ApprovalPolicy(
        programme.id,
        approvers,
        minor(args.above),
        minor(args.above_total),
        args.people_above,
        duration(args.expires_after),
    )
    await rewards.approvals.set_policy(policy, _actor())
    print(
        f"{programme.id}: sends above the limits wait for {', '.join(approvers)} "
        f"(expire after {args.expires_after.strip()})"
    )
    return 0


async def _set_default(rewards: Rewards, args: argparse.Namespace) -> int:
    giver = admin_identity(args.giver)
    await rewards.recognition.budgets.set_default_programme(giver, args.programme, _actor())
    print(
        f"{giver}: rewards come from {args.programme} unless another programme or currency is named"
    )
    return 0


async def _set_peer(rewards: Rewards, args: argparse.Namespace) -> int:
    programme = next(
        (p for p in await rewards.recognition.budgets.programmes() if p.id == args.programme), None
    )
    if programme is None:
        raise ValueError(f"There is no reward programme '{args.programme}'.")
    allowance = Money.parse(args.allowance, programme.currency)
    per_recipient = (
        Money.parse(args.per_recipient, programme.currency) if args.per_recipient else None
    )
    if allowance.minor <= 0 or (per_recipient is not None and per_recipient.minor <= 0):
        raise ValueError("Allowances must be more than zero.")
    policy = PeerPolicy(
        programme.id,
        allowance.minor,
        per_recipient.minor if per_recipient else None,
        args.shout_out,
    )
    await rewards.recognition.budgets.set_peer_policy(policy, _actor())
    limit = f", at most {per_recipient.label()} to one colleague" if per_recipient else ""
    print(
        f"{programme.id}: everyone may give {allowance.label()} a month{limit}"
        f"{'; shout-outs on' if args.shout_out else ''}"
    )
    return 0


async def _list(rewards: Rewards, args: argparse.Namespace) -> int:
    assert rewards.approvals is not None
    found = await rewards.approvals.list(args.status)
    for a in found:
        decided = f"\t{a.decided_by}" + (f": {a.note}" if a.note else "") if a.decided_by else ""
        print(
            f"{a.approval_id}\t{a.status}\t{a.programme_name}\t{a.giver_name} → "
            f"{', '.join(a.recipients)}"
            f"\t{a.amount.label()} each, {a.total.label()}\t{a.reason}\texpires "
            f"{a.expires_at}{decided}"
        )
    print(f"{len(found)} approval request(s)")
    return 0
