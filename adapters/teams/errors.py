"""The one place Bot Connector failures become core delivery errors (retry later, or give up)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from msrest.exceptions import ClientRequestError, HttpOperationError

from core.errors import DeliveryError, DeliveryRetryLater

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429})  # plus every 5xx


@contextmanager
def connector_errors() -> Iterator[None]:
    """Raise DeliveryRetryLater for throttling, outages and timeouts and DeliveryError for
    refusals."""
    try:
        yield
    except DeliveryError:
        raise
    except HttpOperationError as exc:
        raise delivery_error(exc) from exc
    except (ClientRequestError, TimeoutError, ConnectionError) as exc:
        raise DeliveryRetryLater(f"Bot Connector unreachable: {type(exc).__name__}") from exc


def delivery_error(exc: HttpOperationError) -> DeliveryError:
    """A Connector HTTP error as a core error: 429, 408 and 5xx are retried (honouring
    Retry-After)."""
    status = status_of(exc)
    code = _error_code(exc)
    message = f"Bot Connector answered {status}" + (f" {code}" if code else "")
    if status in RETRYABLE_STATUS or status >= 500:
        return DeliveryRetryLater(message, retry_after=_retry_after(exc))
    # 403 BotNotInConversationRoster (app not installed for that person), 404, 400: retrying cannot
    # help.
    log.warning("Bot Connector refused a message", extra={"status": status, "code": code})
    return DeliveryError(message)


def status_of(exc: HttpOperationError) -> int:
    return int(getattr(exc.response, "status_code", 0) or 0)


def _error_code(exc: HttpOperationError) -> str:
    error: Any = getattr(getattr(exc, "error", None), "error", None)
    return str(getattr(error, "code", "") or "")


def _retry_after(exc: HttpOperationError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
