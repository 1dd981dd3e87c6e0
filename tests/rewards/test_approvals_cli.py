"""The approvals, peer and default-programme commands of `voucherbot`, run as subprocesses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rewards.test_cli import Cli

BOSS = "slack:U0BOSS"
AAD = "0A1D2A3E-0000-4000-8000-0000000000AD"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_an_operator_sets_an_approval_policy_a_peer_programme_and_a_default_and_lists_approvals(
    cli: Cli,
) -> None:
    cli("programmes", "create", "kudos", "--name", "Harbour Kudos", "--currency", "USD")
    cli("programmes", "create", "thanks", "--name", "Harbour Thanks", "--currency", "USD")

    policy = cli(
        "programmes", "approvals", "kudos", "--above", "100", "--approvers", f"{BOSS},teams:{AAD}"
    )
    peer = cli(
        "programmes", "peer", "thanks", "--allowance", "50", "--per-recipient", "20", "--shout-out"
    )
    default = cli("programmes", "default", "slack:U0HR", "thanks")
    listing = cli("approvals", "list")

    assert policy.stdout.strip() == (
        f"kudos: sends above the limits wait for {BOSS}, teams:{AAD.lower()} (expire after 48h)"
    )
    assert peer.stdout.strip() == (
        "thanks: everyone may give 50.00 USD a month, at most 20.00 USD to one colleague; "
        "shout-outs on"
    )
    assert "slack:U0HR: rewards come from thanks" in default.stdout
    assert listing.stdout.strip() == "0 approval request(s)"


def test_bad_approval_settings_are_refused_with_a_clear_message(cli: Cli) -> None:
    cli("programmes", "create", "kudos", "--name", "Harbour Kudos", "--currency", "USD")

    no_limit = cli("programmes", "approvals", "kudos", "--approvers", BOSS, ok=False)
    bad_who = cli(
        "programmes", "approvals", "kudos", "--above", "100", "--approvers", "bob", ok=False
    )
    bad_time = cli(
        "programmes",
        "approvals",
        "kudos",
        "--above",
        "100",
        "--approvers",
        BOSS,
        "--expires-after",
        "soon",
        ok=False,
    )
    unknown = cli("programmes", "default", "slack:U0HR", "nope", ok=False)

    assert no_limit.returncode == 1 and "--above" in no_limit.stderr
    assert bad_who.returncode == 1 and "slack:<user id>,teams:<user id>" in bad_who.stderr
    assert bad_time.returncode == 1 and "30m, 48h or 7d" in bad_time.stderr
    assert unknown.returncode == 1 and "no reward programme 'nope'" in unknown.stderr
    assert "Traceback" not in no_limit.stderr + bad_who.stderr + bad_time.stderr + unknown.stderr
