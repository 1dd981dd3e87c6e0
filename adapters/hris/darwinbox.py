"""Darwinbox as an HR directory (core.hris.HrDirectory), over its Employee Master API.

`POST {base}/masterapi/employee` with Basic authentication (the API user's username and password)
and the `api_key` and `datasetKey` Darwinbox issues in the JSON body, as its API documentation
shows; the dataset decides which fields and which employees come back. Incremental syncs send
`last_modified` (employees changed since then). Dates come as DD-MM-YYYY (ISO dates are read too).
An employee whose status is not active, or whose exit date has passed, is a leaver: ask Darwinbox
for a dataset that includes inactive employees, or leavers are never seen.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

import aiohttp

from core.hris import HrChanges, HrPerson, HrUnavailable
from core.milestone_calendar import MonthDay

SOURCE = "darwinbox"
TIMEOUT = aiohttp.ClientTimeout(total=120)
STAMP = "%d-%m-%Y %H:%M:%S"


class Darwinbox:
    """Employees changed since a cursor (the latest `latest_modified_timestamp` seen, ISO 8601)."""

    source = SOURCE

    def __init__(
        self, *, base_url: str, username: str, password: str, api_key: str, dataset_key: str
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/masterapi/employee"
        self._authorization = (
            "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        )
        self._api_key = api_key
        self._dataset_key = dataset_key
        self._session: aiohttp.ClientSession | None = None

    async def changes(self, since: str | None) -> HrChanges:
        started = datetime.now(UTC)
        body: dict[str, str] = {"api_key": self._api_key, "datasetKey": self._dataset_key}
        if since is not None:
            body["last_modified"] = datetime.fromisoformat(since).astimezone(UTC).strftime(STAMP)
        rows = await self._post(body)
        people = tuple(person_of(row, started.date()) for row in rows)
        stamps = [
            s for s in (_moment(r.get("latest_modified_timestamp")) for r in rows) if s is not None
        ]
        latest = max(stamps).isoformat() if stamps else (since or started.isoformat())
        return HrChanges(people, latest)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, body: dict[str, str]) -> list[dict[str, Any]]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        headers = {"Authorization": self._authorization, "Content-Type": "application/json"}
        try:
            async with self._session.post(self._url, json=body, headers=headers) as response:
                payload = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise HrUnavailable(f"Darwinbox could not be read: {type(exc).__name__}") from exc
        # Darwinbox reports refusals in the body ("status": 0 and a message), sometimes with HTTP
        # 200.
        if status != 200 or not isinstance(payload, dict) or str(payload.get("status")) != "1":
            message = payload.get("message") if isinstance(payload, dict) else None
            raise HrUnavailable(
                f"Darwinbox refused the request ({status}): {str(message or '')[:200]}"
            )
        rows = payload.get("employee_data")
        if not isinstance(rows, list):
            raise HrUnavailable("Darwinbox answered without employee_data")
        return [r for r in rows if isinstance(r, dict)]


def person_of(row: dict[str, Any], today: date) -> HrPerson:
    """One employee master row as an HR person."""
    exit_date = _date(row.get("date_of_exit"))
    status = str(row.get("employee_status") or "active").strip().lower()
    born = _date(row.get("date_of_birth"))
    name = (
        str(row.get("full_name") or "").strip()
        or " ".join(str(row.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    )
    country = str(row.get("office_country_code") or "")
    return HrPerson(
        source=SOURCE,
        person_id=str(row.get("employee_id") or ""),
        email=str(row.get("company_email_id") or ""),
        name=name,
        start_date=_date(row.get("date_of_joining")),
        birthday=MonthDay(born.month, born.day) if born else None,
        active=status == "active" and (exit_date is None or exit_date > today),
        country=country if len(country) == 2 else "",
        manager_id=str(row.get("direct_manager_employee_id") or ""),
        time_zone=str(row.get("time_zone") or ""),
    )


def _date(value: object) -> date | None:
    text = str(value or "").strip()[:10]
    for layout in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def _moment(value: object) -> datetime | None:
    text = str(value or "").strip()
    for layout in (STAMP, "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
