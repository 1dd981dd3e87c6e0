"""The `voucherbot` command line: serve, database, catalog, provider and manifest tools."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.dev_cli import add_commands as add_dev_commands
from bot.fx_cli import add_commands as add_rate_commands
from bot.providers_cli import add_commands as add_provider_commands
from bot.rewards_cli import add_commands as add_reward_commands
from bot.settings import Settings, SettingsError, load_settings
from bot.users_cli import add_commands as add_user_commands


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voucherbot", description="Gift-voucher checkout for Slack and Teams."
    )
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser(
        "serve", help="run the bot server (settings from the environment / .env)"
    )
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database tools").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="apply database migrations").set_defaults(run=_db_upgrade)

    catalog = commands.add_parser("catalog", help="catalog tools").add_subparsers(
        title="catalog commands"
    )
    check = catalog.add_parser("check", help="report every problem in a catalog file")
    check.add_argument("file", type=Path)
    check.set_defaults(run=_catalog_check)
    catalog.add_parser("sync", help="sync the Plum and Tango catalogs now").set_defaults(
        run=_catalog_sync
    )

    manifest = commands.add_parser("manifest", help="app manifests").add_subparsers(
        title="manifest commands"
    )
    slack = manifest.add_parser("slack", help="print the Slack app manifest filled in")
    slack.add_argument("--base-url", required=True)
    slack.add_argument("--socket-mode", action="store_true")
    slack.set_defaults(run=_manifest_slack)
    teams = manifest.add_parser("teams", help="build the Teams app package (zip)")
    teams.add_argument("--app-id", required=True)
    teams.add_argument("--base-url", required=True)
    teams.add_argument("--out", type=Path, default=Path("app.zip"))
    teams.set_defaults(run=_manifest_teams)
    add_provider_commands(commands, _settings)
    hris = commands.add_parser("hris", help="HR systems").add_subparsers(title="hris commands")
    sync = hris.add_parser(
        "sync", help="sync SuccessFactors / Darwinbox now (from the last cursor)"
    )
    sync.add_argument(
        "--dry-run", action="store_true", help="print what would change; change nothing"
    )
    sync.set_defaults(run=_hris_sync)
    add_reward_commands(commands, _settings)
    add_user_commands(commands, _settings)
    add_dev_commands(commands, _settings)
    add_rate_commands(commands, _settings)
    return parser


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"voucherbot: invalid settings\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _serve(args: argparse.Namespace) -> int:
    from bot.logs import configure_logging
    from bot.server import serve

    settings = _settings()
    if settings.emulator_exposed:
        print(f"voucherbot: {settings.emulator_exposed}", file=sys.stderr)
        return 2
    if settings.embedded_payments and importlib.util.find_spec("localstripe") is None:
        # Checked before anything is created: no data folder, database or key file for a run that
        # fails.
        print(
            "voucherbot: no payments configured: set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and "
            "STRIPE_WEBHOOK_SECRET, or install embedded test payments with: "
            "pip install 'voucherbot[testpay]'",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings.log_level)
    asyncio.run(serve(settings))
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.build.storage import open_database

    async def upgrade() -> None:
        database = await open_database(_settings())
        await database.dispose()

    asyncio.run(upgrade())
    print("database is up to date")
    return 0


def _catalog_check(args: argparse.Namespace) -> int:
    from adapters.providers.catalog_file import check_catalog

    problems = check_catalog(args.file)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.file}", file=sys.stderr)
        return 1
    print(f"{args.file}: OK")
    return 0


def _catalog_sync(args: argparse.Namespace) -> int:
    from bot.bootstrap import sync_catalog_now

    settings = _settings()
    if not {"xoxoday", "tango"} & set(settings.voucher_provider):
        print(
            "VOUCHER_PROVIDER includes neither xoxoday nor tango: nothing to sync", file=sys.stderr
        )
        return 2
    print(asyncio.run(sync_catalog_now(settings)))
    return 0


def _hris_sync(args: argparse.Namespace) -> int:
    from bot.hris import sync_now

    settings = _settings()
    if not (settings.successfactors_enabled or settings.darwinbox_enabled):
        print(
            "no HR system is configured (SUCCESSFACTORS_API_URL or DARWINBOX_BASE_URL)",
            file=sys.stderr,
        )
        return 2
    from bot.logs import configure_logging
    from core.hris import HrUnavailable

    configure_logging(settings.log_level)
    try:
        reports = asyncio.run(sync_now(settings, args.dry_run))
    except HrUnavailable as exc:
        print(f"voucherbot: {exc}", file=sys.stderr)
        return 1
    for report in reports:
        print("\n".join(report.lines()))
    if args.dry_run:
        print("dry run: nothing was changed")
    return 0


def _manifest_slack(args: argparse.Namespace) -> int:
    from adapters.slack.manifest import render_manifest

    print(render_manifest(args.base_url.rstrip("/"), socket_mode=args.socket_mode))
    return 0


def _manifest_teams(args: argparse.Namespace) -> int:
    from adapters.teams.manifest import build_package

    path = build_package(args.app_id, args.base_url.rstrip("/"), args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
