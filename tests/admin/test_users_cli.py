"""`voucherbot users create`: a dashboard user with an argon2 hash, created from the command
line."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from adapters.db import Database, VoucherCipher
from adapters.db.admin_users import SqlAdminAccounts
from adapters.web.admin.passwords import verify_password
from bot.cli import main
from core.oversight.accounts import AdminRole, AdminUser

KEY = VoucherCipher.generate_key().decode()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VOUCHER_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'voucherbot.db'}")
    return tmp_path


def _stored(path: Path, email: str) -> AdminUser | None:
    async def read() -> AdminUser | None:
        database = Database(
            f"sqlite+aiosqlite:///{path / 'voucherbot.db'}", VoucherCipher(KEY.encode())
        )
        try:
            return await SqlAdminAccounts.of(database).get(email)
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_a_user_is_created_with_a_hashed_password_read_from_stdin(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))

    code = main(
        ["users", "create", "Ops@Quiet-Harbour.Example", "--role", "admin", "--password-stdin"]
    )

    user = _stored(workdir, "ops@quiet-harbour.example")
    assert (
        code == 0
        and "ops@quiet-harbour.example can now sign in to /admin as admin"
        in capsys.readouterr().out
    )
    assert user is not None and user.role is AdminRole.ADMIN
    assert "a long enough passphrase" not in user.password_hash
    assert asyncio.run(verify_password(user.password_hash, "a long enough passphrase"))


def test_the_password_is_asked_for_twice_without_echo(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["viewer passphrase 1", "viewer passphrase 1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    code = main(["users", "create", "auditor@quiet-harbour.example", "--role", "viewer"])

    user = _stored(workdir, "auditor@quiet-harbour.example")
    assert code == 0 and user is not None and user.role is AdminRole.VIEWER


def test_a_short_password_or_an_existing_user_is_refused(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    short = main(
        ["users", "create", "ops@quiet-harbour.example", "--role", "admin", "--password-stdin"]
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    first = main(
        ["users", "create", "ops@quiet-harbour.example", "--role", "admin", "--password-stdin"]
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("another long passphrase\n"))
    again = main(
        ["users", "create", "ops@quiet-harbour.example", "--role", "viewer", "--password-stdin"]
    )

    assert (short, first, again) == (2, 0, 1)
    errors = capsys.readouterr().err
    assert "at least 12 characters" in errors and "already a dashboard user" in errors
    user = _stored(workdir, "ops@quiet-harbour.example")
    assert user is not None and user.role is AdminRole.ADMIN


def test_users_are_listed_with_their_roles(workdir: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    main(["users", "create", "ops@quiet-harbour.example", "--role", "admin", "--password-stdin"])
    capsys.readouterr()

    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out == "ops@quiet-harbour.example\tadmin\tnever signed in\n"
