"""The one place slack_sdk and HTTP failures become the core's delivery errors."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
from slack_sdk.errors import SlackApiError

from core.errors import DeliveryError, DeliveryRetryLater

# Web API error codes Slack documents as transient, though they may come with HTTP 200.
TRANSIENT_CODES = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class WebhookFailed(Exception):
    """A response_url answered with something other than success."""

    def __init__(self, status: int, headers: Mapping[str, str], body: str) -> None:
        super().__init__(f"response_url answered {status}")
        self.status = status
        self.headers = headers
        self.body = body[:200]


def to_delivery_error(exc: Exception) -> DeliveryError:
    """Map a failure talking to Slack: 429, 5xx and network trouble are worth retrying; the rest is
    final."""
    if isinstance(exc, SlackApiError):
        status, code, headers = _api_response(exc)
        return _by_status(status, code, headers, f"slack api error {status} {code}".strip())
    if isinstance(exc, WebhookFailed):
        return _by_status(exc.status, "", exc.headers, f"slack response_url error {exc.status}")
    if isinstance(exc, (aiohttp.ClientError, TimeoutError)):
        return DeliveryRetryLater(f"slack unreachable: {type(exc).__name__}")
    return DeliveryError(f"slack delivery failed: {type(exc).__name__}")


def _api_response(exc: SlackApiError) -> tuple[int, str, Mapping[str, str]]:
    # slack_sdk wraps either its own response or, for an unreadable body, aiohttp's raw one.
    response = exc.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None) or 0
    data = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    return int(status), code, getattr(response, "headers", None) or {}


def _by_status(status: int, code: str, headers: Mapping[str, str], message: str) -> DeliveryError:
    if status == 429 or code == "ratelimited":
        return DeliveryRetryLater(message, retry_after=retry_after(headers))
    if status >= 500 or code in TRANSIENT_CODES:
        return DeliveryRetryLater(message, retry_after=retry_after(headers))
    return DeliveryError(message)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (Slack sends whole seconds); None when absent or
    unreadable."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
