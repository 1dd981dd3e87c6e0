"""The test-only clock: moved by a file in development, refused in production."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ShiftedClock, process_clock
from bot.settings import SettingsError, load_settings
from core.ports import SystemClock
from tests.admin.test_production_settings import PRODUCTION


def test_the_shifted_clock_adds_the_seconds_written_in_its_file(tmp_path: Path) -> None:
    offset = tmp_path / "clock"
    clock = ShiftedClock(offset)
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5  # no file: no shift

    offset.write_text("86400")

    assert 86395 < (clock.now() - datetime.now(UTC)).total_seconds() < 86405


def test_without_a_file_the_process_runs_on_the_system_clock() -> None:
    assert isinstance(process_clock(None), SystemClock)


def test_production_refuses_a_test_clock(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="TEST_CLOCK_FILE"):
        load_settings(**PRODUCTION, admin_token="q" * 32, test_clock_file=tmp_path / "clock")  # type: ignore[arg-type]
