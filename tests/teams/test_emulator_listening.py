"""Emulator mode has no authentication, so `voucherbot serve` refuses to listen beyond this
machine."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.teams import build_teams
from bot.settings import load_settings
from tests.teams.conftest import TeamsWorld

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def _serve(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "DATA_DIR": str(folder / "var"),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=folder,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "bot.example.com"])
def test_serve_without_an_app_id_on_a_non_loopback_host_exits_2_with_one_line_and_creates_nothing(
    tmp_path: Path, host: str
) -> None:
    done = _serve(tmp_path, HOST=host, PORT="0")

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "MICROSOFT_APP_ID is empty" in line and repr(host) in line and "loopback" in line
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_are_fine_for_emulator_mode(host: str) -> None:
    assert load_settings(host=host, microsoft_app_id="").emulator_exposed is None


def test_with_an_app_id_any_host_is_fine() -> None:
    settings = load_settings(host="0.0.0.0", microsoft_app_id=APP_ID)

    assert settings.emulator_exposed is None


def test_emulator_mode_says_at_start_that_it_is_loopback_only(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters.teams"):
        build_teams(teams.checkout, public_base_url="http://localhost:3978")
        build_teams(
            teams.checkout,
            app_id=APP_ID,
            app_password="pw",
            public_base_url="https://bot.example.com",
        )

    (said,) = [r.getMessage() for r in caplog.records if "Emulator mode" in r.getMessage()]
    assert "listens on loopback only" in said and "only loopback serviceUrls" in said
