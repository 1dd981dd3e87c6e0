"""`./dev` on first use: pip's minutes of work are summarised as progress lines, and a failure shows
why."""

from __future__ import annotations

import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIP_OUTPUT = [
    "Obtaining file:///src/voucherbot\n",
    "Collecting aiohttp<4,>=3.10 (from voucherbot==0.1.0)\n",
    "  Downloading aiohttp-3.14.5-cp311-cp311-manylinux_2_17_x86_64.whl (1.7 MB)\n",
    "Collecting slack-bolt<2,>=1.21 (from voucherbot==0.1.0)\n",
    "Collecting stripe<17,>=11 (from voucherbot==0.1.0)\n",
    "Collecting yarl<2.0,>=1.17.0 (from aiohttp<4,>=3.10->voucherbot==0.1.0)\n",
    "Installing collected packages: yarl, stripe, slack-bolt, aiohttp, voucherbot\n",
    "Successfully installed aiohttp-3.14.5 slack-bolt-1.21.0 stripe-16.0.0 voucherbot-0.1.0 "
    "yarl-1.18.0\n",
]


def dev_script() -> ModuleType:
    loader = SourceFileLoader("dev_script", str(ROOT / "dev"))
    spec = spec_from_loader("dev_script", loader)
    assert spec is not None
    module = module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_pips_output_becomes_a_progress_line_every_few_seconds_and_a_summary() -> None:
    ticks = iter([0.0, 1.0, 4.0, 4.0, 5.0, 9.0, 9.0])  # seconds, read at the start and per package

    lines = list(dev_script().progress(PIP_OUTPUT, clock=lambda: next(ticks), every=3.0))

    assert lines == [
        "  2 packages resolved so far (now slack-bolt<2,>=1.21)",
        "  4 packages resolved so far (now yarl<2.0,>=1.17.0)",
        "  4 packages resolved; installing 5 of them",
        "  installed 5 packages",
    ]


def test_an_install_prints_progress_as_it_goes_and_a_failure_shows_pips_last_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dev = dev_script()
    fake_pip = [sys.executable, "-c", f"import sys; sys.stdout.writelines({PIP_OUTPUT!r})"]
    failing_pip = [
        sys.executable,
        "-c",
        "print('ERROR: No matching distribution found for stripe'); exit(1)",
    ]

    dev.pip_with_progress(fake_pip)
    shown = capsys.readouterr().out
    with pytest.raises(SystemExit) as failed:
        dev.pip_with_progress(failing_pip)
    explained = capsys.readouterr().err

    assert "[dev]   4 packages resolved; installing 5 of them" in shown
    assert "[dev]   installed 5 packages" in shown and "[dev]   done in" in shown
    assert "No matching distribution found for stripe" in explained
    assert "pip failed (exit 1)" in str(failed.value)
