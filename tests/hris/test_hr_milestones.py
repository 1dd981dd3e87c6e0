"""Milestones of employees synced from HR: on their own local day, and never for leavers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.build.channels import PLATFORMS
from core.employees import employee_from_row
from core.milestone_calendar import Employee, MilestoneKind
from core.milestones import MilestoneRule
from core.money import Money
from core.platforms import platform_names
from tests.db.conftest import Backend
from tests.rewards.conftest import GRACE_ROW, KUDOS, build_hr

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names

ANNIVERSARY = MilestoneRule(
    MilestoneKind.ANNIVERSARY, KUDOS.id, Money(5000, "USD"), "Happy {years} years, {name}!"
)


def synced(email: str, user_id: str, start: date, **hr: object) -> Employee:
    row = {
        **GRACE_ROW,
        "email": email,
        "user_id": user_id,
        "start_date": start.isoformat(),
        "birthday": "",
    }
    return replace(
        employee_from_row(row, platforms=PLATFORM_NAMES),
        source="successfactors",
        person_id=user_id,
        **hr,
    )  # type: ignore[arg-type]


async def test_an_anniversary_is_sent_when_the_day_has_begun_where_the_employee_is(
    backend: Backend,
) -> None:
    recognition, milestones, _, _, _ = build_hr(backend)
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
    await milestones.set_rule(ANNIVERSARY, "setup")
    backend.clock.current = datetime(
        2026, 11, 26, 12, 0, tzinfo=UTC
    )  # already 27 November in Auckland
    auckland = synced(
        "aroha@harbour.example", "U0AROHA", date(2016, 11, 27), time_zone="Pacific/Auckland"
    )
    utc = synced("ines@harbour.example", "U0INES", date(2020, 11, 27))
    odd_zone = synced(
        "kai@harbour.example", "U0KAI", date(2021, 11, 27), time_zone="Mars/Olympus_Mons"
    )
    await backend.database.hr_people().apply([auckland, utc, odd_zone], "test")

    report = await milestones.send_due_milestones()

    assert [(email, kind) for email, kind, _ in report.sent] == [
        ("aroha@harbour.example", "anniversary")
    ]


async def test_a_leaver_gets_no_milestone_and_is_left_out_of_the_preview(backend: Backend) -> None:
    recognition, milestones, _, _, _ = build_hr(backend)
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
    await milestones.set_rule(ANNIVERSARY, "setup")
    today = backend.clock.now().date()
    staying = synced("stay@harbour.example", "U0STAY", today.replace(year=2019))
    leaving = synced("gone@harbour.example", "U0GONE", today.replace(year=2018), active=False)
    await backend.database.hr_people().apply([staying, leaving], "test")

    report = await milestones.send_due_milestones()
    preview = await milestones.preview(30)

    assert [email for email, _, _ in report.sent] == ["stay@harbour.example"]
    assert {p.email for p in preview} == {"stay@harbour.example"}


async def test_a_rule_from_the_manager_names_the_manager_as_the_giver_and_falls_back_to_hr(
    backend: Backend,
) -> None:
    recognition, milestones, _, _, _ = build_hr(backend)
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
    await milestones.set_rule(replace(ANNIVERSARY, from_manager=True), "setup")
    today = backend.clock.now().date()
    manager = replace(
        synced("mere@harbour.example", "U0MERE", date(2010, 1, 4)), name="Mere Tāwhai"
    )
    report_to = synced(
        "tama@harbour.example", "U0TAMA", today.replace(year=2020), manager_id="U0MERE"
    )
    no_manager = synced("hine@harbour.example", "U0HINE", today.replace(year=2021))
    await backend.database.hr_people().apply([manager, report_to, no_manager], "test")

    await milestones.send_due_milestones()

    givers = {}
    for user_id in ("U0TAMA", "U0HINE"):
        async with backend.database.unit_of_work() as uow:
            [reward] = await uow.rewards.list_for_recipient(
                f"slack:{report_to.user.tenant}:{user_id}"
            )
        givers[user_id] = reward.giver.name
    assert givers == {"U0TAMA": "Mere Tāwhai", "U0HINE": "HR"}
    assert [r.kind for r in await milestones.rules()] == ["anniversary"]
    assert (await milestones.rules())[0].from_manager is True
