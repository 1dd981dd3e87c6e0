"""SAP SuccessFactors as an HR directory (core.hris.HrDirectory), over its OData v2 API.

People are read from `User`, with the Employee Central records behind it expanded in the same query:
`empInfo` (EmpEmployment: start dates) and `empInfo/personNav` (PerPerson: date of birth, of which
only day and month are kept) with `personalInfoNav` (PerPersonal: preferred name). Pages follow the
server's `__next` links unchanged; changes are asked for with `$filter=lastModifiedDateTime ge
datetimeoffset'…'`, and inactive users are asked for explicitly (the User entity returns active ones
only by default).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp

from adapters.hris.odata import odata_date, odata_datetime, odata_error
from adapters.hris.successfactors_auth import SuccessFactorsAuth
from core.hris import HrChanges, HrPerson, HrUnavailable
from core.milestone_calendar import MonthDay

log = logging.getLogger(__name__)
SOURCE = "successfactors"
SELECT = (
    "userId,email,firstName,lastName,displayName,status,country,timeZone,hireDate,lastModifiedDateTime,"
    "manager/userId,empInfo/startDate,empInfo/originalStartDate,empInfo/personNav/dateOfBirth,"
    "empInfo/personNav/personalInfoNav/preferredName"
)
EXPAND = "manager,empInfo,empInfo/personNav,empInfo/personNav/personalInfoNav"
# t/f: active/inactive; T/F: external active/inactive; e/d: onboardees and deleted (SAP's User API
# notes).
EVERY_STATUS = "status in 't','f','T','F','e','d'"
INACTIVE = frozenset({"f", "F", "d", "inactive", "inactive_external"})
MAX_PAGES = 10_000  # a server that keeps sending __next links must not keep us forever


class SuccessFactors:
    """Reads people changed since a cursor (the latest lastModifiedDateTime seen, ISO 8601)."""

    source = SOURCE

    def __init__(self, auth: SuccessFactorsAuth) -> None:
        self._auth = auth

    async def changes(self, since: str | None) -> HrChanges:
        url: str | None = self._first_page(since)
        people: list[HrPerson] = []
        latest = since
        for _ in range(MAX_PAGES):
            if url is None:
                break
            body = await self._get(url)
            for entity in body.get("results", []):
                people.append(person_of(entity))
                modified = odata_datetime(entity.get("lastModifiedDateTime"))
                if modified is not None and (latest is None or modified.isoformat() > latest):
                    latest = modified.isoformat()
            url = body.get("__next")
        return HrChanges(tuple(people), latest or datetime.now(UTC).isoformat())

    async def close(self) -> None:
        await self._auth.close()

    def _first_page(self, since: str | None) -> str:
        condition = EVERY_STATUS
        if since is not None:
            # `ge`, not `gt`: several people can share the last second seen; applying one twice is
            # harmless.
            stamp = datetime.fromisoformat(since).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            condition = f"({EVERY_STATUS}) and lastModifiedDateTime ge datetimeoffset'{stamp}'"
        # No $top: in OData v2 it caps the whole result, not a page; the server pages with __next.
        query = {"$select": SELECT, "$expand": EXPAND, "$filter": condition, "$format": "json"}
        return f"{self._auth.api_url}/odata/v2/User?{urlencode(query)}"

    async def _get(self, url: str) -> dict[str, Any]:
        for attempt in range(2):
            headers = {
                "Authorization": await self._auth.authorization(),
                "Accept": "application/json",
            }
            try:
                async with self._auth.session.get(url, headers=headers) as response:
                    if response.status == 401 and attempt == 0:
                        self._auth.forget_token()  # expired or revoked: a new assertion, once
                        continue
                    payload = await response.json(content_type=None)
                    if response.status != 200:
                        raise HrUnavailable(
                            f"SuccessFactors answered {response.status}: {odata_error(payload)}"
                        )
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise HrUnavailable(
                    f"SuccessFactors could not be read: {type(exc).__name__}"
                ) from exc
            if not isinstance(payload, dict) or not isinstance(payload.get("d"), dict):
                raise HrUnavailable(
                    "SuccessFactors answered something that is not an OData v2 page"
                )
            return payload["d"]
        raise HrUnavailable("SuccessFactors refused a fresh token")


def person_of(user: dict[str, Any]) -> HrPerson:
    """One `User` with its expanded Employee Central records, as an HR person."""
    employment = _first(user.get("empInfo"))
    person = _first(employment.get("personNav"))
    personal = _first(person.get("personalInfoNav"))
    preferred = str(personal.get("preferredName") or "").strip()
    given = preferred or str(user.get("firstName") or "").strip()
    name = " ".join(p for p in (given, str(user.get("lastName") or "").strip()) if p)
    start = (
        odata_date(employment.get("originalStartDate"))
        or odata_date(employment.get("startDate"))
        or odata_date(user.get("hireDate"))
    )
    born = odata_date(person.get("dateOfBirth"))
    return HrPerson(
        source=SOURCE,
        person_id=str(user.get("userId") or ""),
        email=str(user.get("email") or ""),
        name=name or str(user.get("displayName") or ""),
        start_date=start,
        birthday=_month_day(born),
        active=str(user.get("status") or "t") not in INACTIVE,
        country=str(user.get("country") or "")[:2]
        if len(str(user.get("country") or "")) == 2
        else "",
        manager_id=str(_first(user.get("manager")).get("userId") or ""),
        time_zone=str(user.get("timeZone") or ""),
    )


def _first(navigation: object) -> dict[str, Any]:
    """An expanded navigation property: an entity, a {"results": [...]} collection, or nothing."""
    if isinstance(navigation, dict):
        results = navigation.get("results")
        if isinstance(results, list):
            return results[0] if results and isinstance(results[0], dict) else {}
        return navigation
    return {}


def _month_day(born: date | None) -> MonthDay | None:
    return MonthDay(born.month, born.day) if born is not None else None
