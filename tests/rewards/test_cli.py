"""The rewards commands of `voucherbot`, run as subprocesses on a temporary DATA_DIR."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # A clean environment: no .env is read (cwd is the temporary folder), nothing leaks in.
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(folder),
            "DATA_DIR": str(folder / "var"),
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
            "USER": "operator",
        }

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if ok:
            assert done.returncode == 0, done.stderr
        return done


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_an_operator_sets_up_a_programme_admins_keys_employees_and_milestones(cli: Cli) -> None:
    cli(
        "programmes",
        "create",
        "kudos",
        "--name",
        "Harbour Kudos",
        "--currency",
        "usd",
        "--per-reward-limit",
        "100",
        "--monthly-limit",
        "500",
    )
    credited = cli("budget", "credit", "kudos", "1000.00", "--note", "Q4 budget")
    cli("reward-admins", "add", "slack:U0HR")
    cli("reward-admins", "add", "teams:8F1C0D2E-1111-2222-3333-444455556666")
    cli("reward-admins", "remove", "slack:U0HR")
    admins = cli("reward-admins", "list")
    (cli.folder / "people.csv").write_text(
        "Email,Name,Start_Date,Birthday,Platform,User_Id,Tenant\n"
        "ada@example.com,Ada Lovelace,2021-11-26,12-10,slack,U0ADA,T0HARBOUR\n"
        "not-an-email,Bob,2020-01-01,,,,\n",
        encoding="utf-8-sig",
    )
    imported = cli("employees", "import", "people.csv")
    cli(
        "milestones",
        "rule",
        "anniversary",
        "--programme",
        "kudos",
        "--amount",
        "50",
        "--template",
        "Happy {years}-year anniversary, {name}!",
    )
    preview = cli("milestones", "preview", "--days", "366")
    programmes = cli("programmes", "list")

    assert credited.stdout.strip() == "kudos: 1000.00 USD available"
    assert admins.stdout.split() == ["teams:8f1c0d2e-1111-2222-3333-444455556666", "granted"]
    assert imported.stdout.strip() == "imported 1 employee(s), refused 1 row(s)"
    assert "line 3: 'not-an-email' is not an email address" in imported.stderr
    assert "Ada Lovelace <ada@example.com>" in preview.stdout and "50.00 USD" in preview.stdout
    assert "-year anniversary, Ada Lovelace!" in preview.stdout
    assert programmes.stdout.split("\t")[:3] == ["kudos", "Harbour Kudos", "1000.00 USD left"]


def test_an_api_key_is_printed_once_listed_by_hint_and_revoked(cli: Cli) -> None:
    created = cli("apikeys", "create", "workday")
    twice = cli("apikeys", "create", "workday", ok=False)
    revoked = cli("apikeys", "revoke", "workday")
    listed = cli("apikeys", "list")

    key = created.stdout.strip()
    assert key.startswith("vbk_") and len(key) > 40
    assert "not shown again" in created.stderr
    assert twice.returncode == 1 and "already named 'workday'" in twice.stderr
    assert revoked.stdout.strip() == "revoked the API key 'workday'"
    assert (
        key not in listed.stdout and f"…{key[-4:]}" in listed.stdout and "revoked" in listed.stdout
    )
    stored = b"".join(p.read_bytes() for p in (cli.folder / "var").glob("voucherbot.db*"))
    assert key.encode() not in stored  # only its SHA-256 is kept


def test_wrong_input_is_refused_with_a_clear_message(cli: Cli) -> None:
    bad_admin = cli("reward-admins", "add", "bob", ok=False)
    no_programme = cli("budget", "credit", "moonshot", "10", ok=False)

    assert bad_admin.returncode == 2 and "not slack:<user id>" in bad_admin.stderr
    assert no_programme.returncode == 1 and "no reward programme 'moonshot'" in no_programme.stderr
