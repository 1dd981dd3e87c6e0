"""Reading a secret setting into the plain string an adapter's constructor takes."""

from __future__ import annotations

from pydantic import SecretStr


def plain(value: SecretStr | None) -> str:
    """The secret's text, "" when it is not set."""
    return value.get_secret_value() if value is not None else ""
