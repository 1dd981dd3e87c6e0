"""Rewards settings and wiring: REWARD_ADMINS, reminders, scheduled jobs and the development
programme."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.db import Database, VoucherCipher
from bot.build.channels import PLATFORMS
from bot.rewards import build_rewards, seed_development_programme
from bot.settings import Environment, Settings, SettingsError, load_settings
from core.identity import ChatUser
from core.money import Money


def test_reward_admins_are_read_comma_separated_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REWARD_ADMINS", " slack:U0HR , teams:8F1C0D2E-1111-2222-3333-444455556666,")
    settings = load_settings(_env_file=None)
    monkeypatch.setenv("REWARD_ADMINS", "slack:U0HR,hr@example.com,slack:lowercase")
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None)

    assert settings.reward_admins == ["slack:U0HR", "teams:8f1c0d2e-1111-2222-3333-444455556666"]
    assert settings.reward_reminder_days == 7
    assert str(refused.value) == (
        "REWARD_ADMINS: not slack:<user id> or teams:<Entra object id>: hr@example.com, "
        "slack:lowercase"
    )


def test_reward_jobs_are_named_for_their_leases(tmp_path: Path) -> None:
    rewards = build_rewards(
        load_settings(_env_file=None, data_dir=tmp_path), _database(tmp_path), platforms=PLATFORMS
    )

    assert [job.__name__ for _, job in rewards.jobs()] == [
        "expire_due",
        "remind_due",
        "send_due_milestones",
        "expire_approvals",
    ]


async def test_development_gets_a_recognition_programme_with_a_test_budget_once_and_production_none(
    tmp_path: Path,
) -> None:
    development, production = await _opened(tmp_path / "dev"), await _opened(tmp_path / "prod")
    try:
        settings = load_settings(_env_file=None, data_dir=tmp_path, reward_admins=["slack:U0HR"])
        rewards = build_rewards(settings, development, platforms=PLATFORMS)
        await seed_development_programme(settings, rewards.recognition)
        await seed_development_programme(settings, rewards.recognition)  # a restart
        # Production settings need real secrets to validate; only the environment matters here.
        live = Settings.model_construct(environment=Environment.PRODUCTION)
        live_rewards = build_rewards(live, production, platforms=PLATFORMS)
        await seed_development_programme(live, live_rewards.recognition)

        assert [p.id for p in await rewards.recognition.budgets.programmes()] == ["recognition"]
        assert await rewards.recognition.budgets.budget("recognition") == Money(100_000, "USD")
        assert await rewards.recognition.givers.is_admin(ChatUser("slack", "T1", "U0HR"))
        assert await live_rewards.recognition.budgets.programmes() == []
    finally:
        await development.dispose()
        await production.dispose()


def _database(folder: Path) -> Database:
    return Database(
        f"sqlite+aiosqlite:///{folder / 'voucherbot.db'}",
        VoucherCipher(VoucherCipher.generate_key()),
    )


async def _opened(folder: Path) -> Database:
    database = _database(folder)
    await database.upgrade()
    return database
