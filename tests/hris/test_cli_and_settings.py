"""`voucherbot hris sync [--dry-run]` against the SuccessFactors fake, and settings groups set by
halves."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.fake_successfactors import FakeSuccessFactors
from tests.hris.keys import key_pair
from tests.hris.test_successfactors import API_USER, CLIENT, COMPANY, people

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def sf() -> AsyncIterator[FakeSuccessFactors]:
    fake = FakeSuccessFactors(COMPANY, CLIENT, API_USER, key_pair()[1])
    for person in people():
        fake.add(person)
    await fake.start()
    yield fake
    await fake.close()


async def voucherbot(folder: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


def environment(folder: Path, **more: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "DATA_DIR": str(folder / "var"),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
        **more,
    }


async def test_a_dry_run_prints_what_would_change_and_changes_nothing_then_a_sync_applies_it(
    sf: FakeSuccessFactors, tmp_path: Path
) -> None:
    env = environment(
        tmp_path,
        SUCCESSFACTORS_API_URL=sf.url,
        SUCCESSFACTORS_COMPANY_ID=COMPANY,
        SUCCESSFACTORS_CLIENT_ID=CLIENT,
        SUCCESSFACTORS_USER_ID=API_USER,
        SUCCESSFACTORS_PRIVATE_KEY=key_pair()[0],
    )

    dry = await voucherbot(tmp_path, env, "hris", "sync", "--dry-run")
    dry_again = await voucherbot(tmp_path, env, "hris", "sync", "--dry-run")
    real = await voucherbot(tmp_path, env, "hris", "sync")
    after = await voucherbot(tmp_path, env, "hris", "sync", "--dry-run")

    assert dry[0] == 0, dry[2]
    assert (
        dry[1].splitlines()[0]
        == "successfactors: 4 new, 0 changed, 1 leaving, 0 unchanged, 0 refused"
    )
    assert "  add aroha.ngata@harbour.example" in dry[1] and dry[1].rstrip().endswith(
        "nothing was changed"
    )
    assert dry_again[1] == dry[1]
    assert real[0] == 0 and real[1].splitlines()[0] == dry[1].splitlines()[0]
    assert after[1].splitlines()[0].startswith("successfactors: 0 new, 0 changed, 0 leaving")
    # Logs (stderr) carry counts, never who: no email, name or birthday from the HR system.
    assert "hr directory synced" in real[2]
    for _, _, log in (dry, real, after):
        assert "harbour.example" not in log and "Aroha" not in log and "Ngata" not in log


async def test_without_an_hr_system_configured_the_sync_says_so(tmp_path: Path) -> None:
    code, _, err = await voucherbot(tmp_path, environment(tmp_path), "hris", "sync")

    assert code == 2 and "no HR system is configured" in err


async def test_a_half_set_group_refuses_to_start_with_one_line_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    env = environment(
        tmp_path, DARWINBOX_BASE_URL="https://harbour.darwinbox.in", DARWINBOX_API_KEY="k"
    )

    code, _, err = await voucherbot(tmp_path, env, "hris", "sync")

    assert code == 2
    assert err.splitlines()[1:] == [
        "Darwinbox is partly configured: set DARWINBOX_USERNAME, DARWINBOX_PASSWORD, "
        "DARWINBOX_DATASET_KEY"
    ]


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"graph_tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47", "graph_client_id": "app"},
            "Microsoft Graph is partly configured: set GRAPH_CLIENT_SECRET, TEAMS_APP_CATALOG_ID",
        ),
        (
            {
                "successfactors_api_url": "https://api4.successfactors.com",
                "successfactors_company_id": "HarbourCo",
                "successfactors_client_id": "N2Fi",
                "successfactors_user_id": "sfapi",
            },
            "SuccessFactors SAML bearer is partly configured: set SUCCESSFACTORS_PRIVATE_KEY",
        ),
        (
            {"scim_token": "too-short"},
            "SCIM_TOKEN must be at least 32 characters (e.g. `openssl rand -hex 32`)",
        ),
    ],
)
def test_each_half_set_group_is_named_in_one_line(settings: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(**settings)

    assert str(refused.value).splitlines() == [line]


def test_complete_groups_turn_their_connectors_on_and_unset_ones_leave_them_off() -> None:
    on = load_settings(
        successfactors_api_url="https://api4.successfactors.com",
        successfactors_company_id="HarbourCo",
        successfactors_username="apiadmin",
        successfactors_password="a-password",
        graph_tenant_id="t",
        graph_client_id="c",
        graph_client_secret="s",
        teams_app_catalog_id="app",
    )
    off = load_settings()

    assert on.successfactors_enabled and on.graph_enabled and not on.darwinbox_enabled
    assert on.resolved_graph_token_url == "https://login.microsoftonline.com/t/oauth2/v2.0/token"
    assert not (off.successfactors_enabled or off.darwinbox_enabled or off.graph_enabled)
    assert off.scim_token is None and off.hris_sync_minutes == 60


def test_the_example_env_file_with_its_empty_values_leaves_every_hr_connector_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    monkeypatch.chdir(tmp_path)

    settings = load_settings()

    assert settings.scim_token is None and settings.successfactors_private_key is None
    assert not (
        settings.successfactors_enabled or settings.darwinbox_enabled or settings.graph_enabled
    )


async def test_an_unreachable_hr_system_fails_the_sync_with_one_plain_line(tmp_path: Path) -> None:
    from tests.e2e.bot_process import free_port

    env = environment(
        tmp_path,
        SUCCESSFACTORS_API_URL=f"http://127.0.0.1:{free_port()}",
        SUCCESSFACTORS_COMPANY_ID=COMPANY,
        SUCCESSFACTORS_USERNAME="apiadmin",
        SUCCESSFACTORS_PASSWORD="a-password",
    )

    code, out, err = await voucherbot(tmp_path, env, "hris", "sync", "--dry-run")

    assert code == 1 and out == ""
    assert (
        err.strip().splitlines()[-1]
        == "voucherbot: SuccessFactors could not be read: ClientConnectorError"
    )
    assert "Traceback" not in err
