"""Suite-wide fixtures: where the real services are, and when their absence is allowed."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Another server or user: TEST_POSTGRES_URL=postgresql+asyncpg://user:password@host:port/database
# (README).
POSTGRES_URL = (
    os.environ.get("TEST_POSTGRES_URL") or "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# Another Redis: TEST_REDIS_URL=redis://host:port/db (shared rate-limit buckets, tests/limits/).
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
IN_CI = os.environ.get("CI", "").lower() == "true"
# Recorded Slack, Teams and Stripe payloads and schemas, inside the repository (provenance:
# SOURCES.md).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def postgres_address(url: str) -> tuple[str, int]:
    """The host and port a PostgreSQL URL names (5432 when it names none)."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def postgres_available() -> bool:
    import socket

    try:
        with socket.create_connection(postgres_address(POSTGRES_URL), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test database: required in CI, skipped with a reason elsewhere when absent."""
    if not postgres_available():
        if IN_CI:
            pytest.fail(
                f"PostgreSQL is required in CI but {_where()} is not reachable (TEST_POSTGRES_URL)"
            )
        pytest.skip(
            f"PostgreSQL is not running at {_where()} (set TEST_POSTGRES_URL; optional on a laptop)"
        )
    return POSTGRES_URL


def _where() -> str:
    host, port = postgres_address(POSTGRES_URL)
    return f"{host}:{port}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis test server: required in CI, skipped with a reason elsewhere when absent."""
    import socket

    parts = urlsplit(REDIS_URL)
    where = (parts.hostname or "127.0.0.1", parts.port or 6379)
    try:
        with socket.create_connection(where, timeout=1):
            return REDIS_URL
    except OSError:
        if IN_CI:
            pytest.fail(f"Redis is required in CI but {where} is not reachable (TEST_REDIS_URL)")
        pytest.skip(f"Redis is not running at {where} (set TEST_REDIS_URL; optional on a laptop)")
