"""A Slack user's country, from the locale (users.info include_locale) or else the time zone."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
# Time zones that name one country, for people whose locale carries no region ("en").
_ZONES = {
    "Europe/Berlin": "DE",
    "Europe/Paris": "FR",
    "Europe/Madrid": "ES",
    "Europe/Rome": "IT",
    "Europe/Amsterdam": "NL",
    "Europe/Brussels": "BE",
    "Europe/Vienna": "AT",
    "Europe/Dublin": "IE",
    "Europe/Lisbon": "PT",
    "Europe/Helsinki": "FI",
    "Europe/London": "GB",
    "Europe/Zurich": "CH",
    "Asia/Kolkata": "IN",
    "Asia/Tokyo": "JP",
    "Asia/Singapore": "SG",
    "Australia/Sydney": "AU",
}


def country_of(locale: str, tz: str) -> str | None:
    """'de-DE' → 'DE'; with no region in the locale, a time zone that names one country."""
    region = locale.replace("_", "-").split("-")[1:2]
    if region and len(region[0]) == 2 and region[0].isalpha():
        return region[0].upper()
    return _ZONES.get(tz)


async def slack_country(client: AsyncWebClient, user_id: str) -> str | None:
    """None when Slack cannot tell us: the catalog then opens in the reward's own currency."""
    try:
        response = await client.users_info(user=user_id, include_locale=True)
    except SlackApiError as exc:
        log.info("no locale for a Slack user", extra={"error": exc.response.get("error", "")})
        return None
    user = response.get("user") or {}
    return country_of(str(user.get("locale", "")), str(user.get("tz", "")))
