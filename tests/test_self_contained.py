"""A clone tests on its own: recorded payloads live in tests/fixtures with their provenance."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, postgres_address

ROOT = Path(__file__).resolve().parents[1]
# Tests that read recorded payloads, cards and schemas from every folder of tests/fixtures; quick
# ones.
READERS_OF_FIXTURES = [
    "tests/stripe/test_events.py",
    "tests/slack/test_manifest.py",
    "tests/slack/test_fake_slack.py",
    "tests/teams/test_manifest.py",
    "tests/teams/test_fake_connector.py",
    "tests/teams/test_translate.py",
]
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "test-output",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    "*.db*",
    ".env",
)


def test_the_recorded_fixtures_are_inside_the_repository() -> None:
    assert FIXTURES.is_relative_to(ROOT) and FIXTURES.is_dir()


def test_every_recorded_fixture_has_a_provenance_row_and_every_row_a_file() -> None:
    files = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file()}
    files.discard("SOURCES.md")
    rows, section = set(), ""
    for line in (FIXTURES / "SOURCES.md").read_text().splitlines():
        if line.startswith("### "):
            section = line.removeprefix("### ").strip()
        elif match := re.match(r"^\| `([^`]+)` \|", line):
            rows.add(f"{section}/{match.group(1)}")

    assert files and rows == files


def test_the_fixture_tests_pass_in_a_copy_of_the_repository_with_nothing_beside_it(
    tmp_path: Path,
) -> None:
    clone = tmp_path / "lonely" / "voucherbot"
    shutil.copytree(ROOT, clone, ignore=NOT_COPIED)
    env = {**os.environ, "PYTHONPATH": str(clone), "PYTHONDONTWRITEBYTECODE": "1"}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *READERS_OF_FIXTURES],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert sorted(p.name for p in clone.parent.iterdir()) == ["voucherbot"]
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "passed" in summary and "skipped" not in summary and "error" not in summary, summary


def test_the_postgresql_tests_look_for_the_server_test_postgres_url_names() -> None:
    assert postgres_address("postgresql+asyncpg://vb:secret@db.internal:6543/vbtest") == (
        "db.internal",
        6543,
    )
    assert postgres_address("postgresql+asyncpg://postgres@127.0.0.1/test") == ("127.0.0.1", 5432)
