"""Production refuses a dashboard API token short enough to guess: one clear line, exit status 2."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings

# Everything production needs, so that ADMIN_TOKEN is the only thing judged.
PRODUCTION = {
    "_env_file": None,
    "environment": "production",
    "stripe_secret_key": "sk_live_quiet_harbour_0123456789",
    "stripe_publishable_key": "pk_live_quiet_harbour_0123456789",
    "stripe_webhook_secret": "whsec_quiet_harbour_0123456789",
    "voucher_encryption_key": "a-real-key-would-be-fernet-but-any-non-placeholder-will-do",
    "microsoft_app_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "public_base_url": "https://vouchers.quiet-harbour.example",
}


def test_production_refuses_an_admin_token_of_31_characters_with_one_line() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(**PRODUCTION, admin_token="q" * 31)  # type: ignore[arg-type]

    lines = str(refused.value).splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith("ADMIN_TOKEN")
        and "at least 32 characters" in lines[0]
    )
    assert "q" * 31 not in str(refused.value)


def test_production_accepts_an_admin_token_of_32_characters() -> None:
    settings = load_settings(**PRODUCTION, admin_token="q" * 32)  # type: ignore[arg-type]

    assert settings.admin_token is not None and len(settings.admin_token.get_secret_value()) == 32


def test_development_keeps_accepting_a_short_admin_token() -> None:
    settings = load_settings(_env_file=None, admin_token="short-but-local")

    assert settings.admin_token is not None


def test_serve_with_a_short_admin_token_in_production_exits_2_with_that_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no .env of the developer's is read
    for name, value in PRODUCTION.items():
        if not name.startswith("_"):
            monkeypatch.setenv(name.upper(), value)
    monkeypatch.setenv("ADMIN_TOKEN", "too-short-for-production")

    with pytest.raises(SystemExit) as exited:
        main(["serve"])

    err = capsys.readouterr().err
    assert exited.value.code == 2
    token_lines = [line for line in err.splitlines() if line.startswith("ADMIN_TOKEN")]
    assert len(token_lines) == 1 and "at least 32 characters" in token_lines[0]
    assert "too-short-for-production" not in err and "Traceback" not in err
