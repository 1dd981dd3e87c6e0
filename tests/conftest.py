"""Suite-wide fixtures: where the real services are, and when their absence is allowed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Recorded Slack, Teams and Stripe payloads and schemas, inside the repository (provenance: SOURCES.md).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def postgres_available() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test database: required in CI, skipped with a reason elsewhere when absent."""
    if not postgres_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI (127.0.0.1:5432, database test) but is not reachable")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (set up in CI; optional on a laptop)")
    return POSTGRES_URL
