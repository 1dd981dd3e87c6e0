"""`voucherbot users`: who may sign in to the admin dashboard (passwords kept only as argon2
hashes)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import Any

from bot.settings import Settings
from core.errors import DuplicateRequest, InvalidRequest
from core.oversight.accounts import AdminRole, normalise_email


def add_commands(commands: Any, settings: Callable[[], Settings]) -> None:
    """Register `users create` and `users list` on the `voucherbot` parser."""
    users = commands.add_parser("users", help="admin dashboard users").add_subparsers(
        title="users commands"
    )
    create = users.add_parser("create", help="add a dashboard user (the password is asked for)")
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=[str(role) for role in AdminRole])
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(run=lambda args: _create(args, settings))
    listing = users.add_parser("list", help="dashboard users, their roles and last sign-in")
    listing.set_defaults(run=lambda args: asyncio.run(_list(settings())))


def _create(args: argparse.Namespace, settings: Callable[[], Settings]) -> int:
    from adapters.web.admin import password_problems

    try:
        email = normalise_email(args.email)
    except InvalidRequest as exc:
        print(f"voucherbot: {exc}", file=sys.stderr)
        return 2
    password = _read_password(args.password_stdin)
    problems = password_problems(password)
    if problems:
        print("voucherbot: " + " ".join(problems), file=sys.stderr)
        return 2
    try:
        asyncio.run(_add(settings(), email, AdminRole(args.role), password))
    except DuplicateRequest:
        print(f"voucherbot: {email} is already a dashboard user", file=sys.stderr)
        return 1
    print(f"{email} can now sign in to /admin as {args.role}")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        print("voucherbot: the two passwords differ", file=sys.stderr)
        raise SystemExit(2)
    return password


async def _add(settings: Settings, email: str, role: AdminRole, password: str) -> None:
    from adapters.db.admin_users import SqlAdminAccounts
    from adapters.web.admin import hash_password
    from bot.build.storage import open_database
    from core.oversight.accounts import AdminUser
    from core.oversight.acts import AdminActs
    from core.ports import SystemClock

    database = await open_database(settings)
    try:
        user = AdminUser(email, role, hash_password(password), SystemClock().now())
        await SqlAdminAccounts.of(database).add(user)
        await AdminActs(uow=database.unit_of_work).note(
            "cli", "admin_user.created", email, {"role": str(role)}
        )
    finally:
        await database.dispose()


async def _list(settings: Settings) -> int:
    from adapters.db.admin_users import SqlAdminAccounts
    from bot.build.storage import open_database

    database = await open_database(settings)
    try:
        users = await SqlAdminAccounts.of(database).list()
    finally:
        await database.dispose()
    for user in users:
        seen = (
            user.last_login_at.isoformat(timespec="minutes")
            if user.last_login_at
            else "never signed in"
        )
        print(f"{user.email}\t{user.role}\t{seen}")
    return 0
