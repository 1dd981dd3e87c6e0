"""A person's recorded country read in one statement gives what the two stores give, on SQLite and
PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from bot.build.channels import PLATFORMS
from core.employees import employee_from_row
from core.identity import ChatUser
from core.platforms import platform_names
from tests.db.conftest import ADA, GRACE, Backend

PLATFORM_NAMES = platform_names(PLATFORMS)
LIN = replace(ADA, user_id="U0LIN", name="Lin Wei")
NOBODY = replace(ADA, user_id="U0NOBODY", name="Nobody Known")
ELSEWHERE = replace(ADA, tenant="T0ELSEWHERE")  # Ada's user id in another workspace


def employee(user: ChatUser, email: str, country: str) -> dict[str, str]:
    return {
        "email": email,
        "name": user.name,
        "start_date": "2020-01-06",
        "platform": user.platform,
        "user_id": user.user_id,
        "tenant": user.tenant,
        "country": country,
    }


async def two_stores(backend: Backend, user: ChatUser) -> str | None:
    """What core.browsing asks when storage offers no combined read."""
    chosen = await backend.database.recipient_countries().get(user.key)
    if chosen:
        return chosen
    found = await backend.database.hr_stores().employees.by_user(
        user.platform, user.tenant, user.user_id
    )
    return (found.country or None) if found is not None else None


async def test_the_choice_wins_then_the_employee_record_then_nothing(backend: Backend) -> None:
    employees = backend.database.hr_stores().employees
    rows = [
        employee(ADA, "ada@harbour.example", "DE"),
        employee(GRACE, "grace@harbour.example", "GB"),
        employee(LIN, "lin@harbour.example", ""),
    ]
    await employees.upsert([employee_from_row(r, platforms=PLATFORM_NAMES) for r in rows], "ops")
    await backend.database.recipient_countries().set(
        GRACE.key, "FR", "recipient", backend.clock.now()
    )
    recorded = backend.database.recorded_countries()

    people = (ADA, GRACE, LIN, NOBODY, ELSEWHERE)

    found = [await recorded.of(user) for user in people]

    assert found == ["DE", "FR", None, None, None]
    assert found == [await two_stores(backend, user) for user in people]
