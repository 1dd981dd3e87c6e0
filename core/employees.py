"""Employees as HR knows them: imported from CSV rows or JSON, and reached in chat by email or user
id."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from core.identity import ChatUser, ConversationRef
from core.milestone_calendar import Employee, MonthDay
from core.platforms import AddressFor
from core.rewards import Recipient

if TYPE_CHECKING:
    from core.ports import Directory, EmployeeStore

MAX_NAME = 100
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_USER_ID = re.compile(r"^[A-Za-z0-9:_.-]{1,100}$")
_TENANT_COLUMNS = ("tenant", "tenant_id", "team_id")


@dataclass(frozen=True)
class ImportReport:
    """Rows imported, and rows refused with why (`row` counts from 1, as a spreadsheet does)."""

    imported: int
    refused: tuple[tuple[int, str], ...]


def employee_from_row(
    row: Mapping[str, object], default_tenant: str = "", *, platforms: Collection[str]
) -> Employee:
    """Read one row (email, name, start_date, birthday, platform, user_id, tenant, country); the
    error says what is wrong. `platforms` names the chat platforms the bot serves."""
    email = _text(row, "email").lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValueError(f"'{email}' is not an email address" if email else "the email is missing")
    name = " ".join(_text(row, "name").split())
    if not 0 < len(name) <= MAX_NAME:
        raise ValueError(f"the name must have 1 to {MAX_NAME} characters")
    start = _date(_text(row, "start_date"), "start_date")
    birthday = _birthday(_text(row, "birthday"))
    country = _text(row, "country").upper()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise ValueError(f"'{country}' is not a country code: write two letters, such as DE")
    return Employee(
        email, name, start, birthday, _user(row, name, default_tenant, platforms), country=country
    )


def _user(
    row: Mapping[str, object], name: str, default_tenant: str, platforms: Collection[str]
) -> ChatUser | None:
    platform = _text(row, "platform").lower()
    user_id = _text(row, "user_id")
    if not platform and not user_id:
        return None  # found by email through the chat platform's directory
    if platform not in platforms:
        raise ValueError(f"platform must be {' or '.join(platforms)}, not '{platform}'")
    if not _USER_ID.match(user_id):
        raise ValueError(f"'{user_id}' is not a {platform} user id")
    tenant = next((t for t in (_text(row, c) for c in _TENANT_COLUMNS) if t), default_tenant)
    if not _USER_ID.match(tenant):
        raise ValueError(
            f"give the {platform} team or tenant id (column tenant) for user {user_id}"
        )
    return ChatUser(platform, tenant, user_id, name)


def _text(row: Mapping[str, object], column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{column} must be text")
    return value.strip()


def _date(text: str, column: str) -> date:
    try:
        if len(text) == 10:  # fromisoformat would also take 20260101 or a week date
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"{column} must be a date as YYYY-MM-DD, not '{text}'")


def _birthday(text: str) -> MonthDay | None:
    """YYYY-MM-DD, MM-DD or --MM-DD; only the month and day are kept."""
    if not text:
        return None
    try:
        if len(text) == 10:
            born = date.fromisoformat(text)
            return MonthDay(born.month, born.day)
        month, day = text.removeprefix("--").split("-")
        if len(month) == len(day) == 2:
            return MonthDay(int(month), int(day))
    except ValueError:
        pass
    raise ValueError(f"birthday must be YYYY-MM-DD or MM-DD, not '{text}'")


def parse_rows(
    rows: Iterable[Mapping[str, object]], default_tenant: str = "", *, platforms: Collection[str]
) -> tuple[list[Employee], ImportReport]:
    """Every good row, and a report refusing bad rows and emails given twice (the first one is
    kept)."""
    employees: dict[str, Employee] = {}
    refused = []
    for number, row in enumerate(rows, start=1):
        try:
            employee = employee_from_row(row, default_tenant, platforms=platforms)
        except (ValueError, TypeError) as exc:
            refused.append((number, str(exc)))
            continue
        if employee.email in employees:
            refused.append((number, f"{employee.email} appears twice"))
            continue
        employees[employee.email] = employee
    return list(employees.values()), ImportReport(len(employees), tuple(refused))


async def import_employees(
    store: EmployeeStore,
    rows: Iterable[Mapping[str, object]],
    actor: str,
    default_tenant: str = "",
    *,
    platforms: Collection[str],
) -> ImportReport:
    """Add or update the good rows in one transaction (all of them or none); bad rows are only
    reported."""
    employees, report = parse_rows(rows, default_tenant, platforms=platforms)
    if employees:
        await store.upsert(employees, actor)
    return report


class EmployeeDirectory:
    """core.ports.Directory over the imported employees, then the chat platforms' own
    directories."""

    def __init__(
        self,
        employees: EmployeeStore,
        addresses: Mapping[str, AddressFor],
        fallbacks: Iterable[Directory] = (),
    ) -> None:
        self._employees = employees
        self._addresses = dict(addresses)
        self._fallbacks = list(fallbacks)

    def add_fallback(self, directory: Directory) -> None:
        """Ask `directory` for emails no employee record can answer (a channel built after this)."""
        self._fallbacks.append(directory)

    async def find_by_email(self, email: str) -> Recipient | None:
        employee = await self._employees.by_email(email.strip().lower())
        if employee is not None:
            return await self.reach(employee)
        return await self._from_fallbacks(email)

    async def find_by_user(self, platform: str, tenant: str, user_id: str) -> Recipient | None:
        """Someone named by their chat id; None if the bot cannot address that platform by id."""
        employee = await self._employees.by_user(platform, tenant, user_id)
        name = employee.name if employee is not None else ""
        return await self._addressed(ChatUser(platform, tenant, user_id, name))

    async def reach(self, employee: Employee) -> Recipient | None:
        """Where to send an employee's reward: their known chat identity, else found by email."""
        if employee.user is not None:
            found = await self._addressed(employee.user)
            if found is not None:
                return found
        found = await self._from_fallbacks(employee.email)
        if found is not None and not found.user.name:
            return replace(found, user=replace(found.user, name=employee.name))
        return found

    async def _addressed(self, user: ChatUser) -> Recipient | None:
        address_for = self._addresses.get(user.platform)
        if address_for is None:
            return None
        address = address_for(user.tenant, user.user_id)
        if address is not None and not isinstance(address, ConversationRef):
            address = await address
        return Recipient(user, address) if address is not None else None

    async def _from_fallbacks(self, email: str) -> Recipient | None:
        for directory in self._fallbacks:
            found = await directory.find_by_email(email)
            if found is not None:
                return found
        return None
