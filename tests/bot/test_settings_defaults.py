"""Settings a new user starts from: a copied .env.example, only PORT, nothing at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.build.storage import voucher_key
from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_settings_from_outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run where no .env is and with none of the settings in the environment."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_copied_env_example_reads_as_the_defaults_with_its_empty_values_unset(
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")

    settings = load_settings()

    assert settings.voucher_encryption_key is None and settings.admin_token is None
    assert settings.stripe_secret_key is None and settings.embedded_payments
    assert settings.database_url == "" and settings.catalog_file is None
    assert settings.public_base_url == "http://localhost:3978"
    assert len(voucher_key(settings)) == 44  # a generated key, not the empty string


def test_an_empty_environment_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "VOUCHER_ENCRYPTION_KEY",
        "PORT",
        "PUBLIC_BASE_URL",
        "STRIPE_SECRET_KEY",
        "DATA_DIR",
    ):
        monkeypatch.setenv(name, "")

    settings = load_settings()

    assert settings.voucher_encryption_key is None and settings.port == 3978
    assert settings.data_dir == Path("var") and settings.embedded_payments


def test_setting_only_the_port_moves_every_link_to_that_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "8080")

    assert load_settings().public_base_url == "http://localhost:8080"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://localhost:4000"),
        ("::", "http://localhost:4000"),
        ("bot.example.internal", "http://bot.example.internal:4000"),
        ("10.1.2.3", "http://10.1.2.3:4000"),
        ("fd00::7", "http://[fd00::7]:4000"),
    ],
)
def test_the_public_url_follows_host_and_port_when_not_set(
    monkeypatch: pytest.MonkeyPatch, host: str, url: str
) -> None:
    monkeypatch.setenv("HOST", host)
    monkeypatch.setenv("PORT", "4000")

    assert load_settings().public_base_url == url


def test_a_public_url_that_is_set_wins_over_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "4000")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://vouchers.example.com/")

    assert load_settings().public_base_url == "https://vouchers.example.com"
