"""Milestones: which days they fall on (leap days too), sending each once, previews and employee
rows."""

from __future__ import annotations

from datetime import date

import pytest

from bot.build.channels import PLATFORMS
from core.employees import employee_from_row, parse_rows
from core.errors import InvalidRequest, ProgrammeNotFound
from core.identity import ChatUser
from core.milestone_calendar import Employee, MilestoneKind, MonthDay, milestones_between
from core.milestones import MilestoneRule
from core.money import Money
from core.platforms import platform_names
from tests.rewards.conftest import KUDOS, TEAM, Hr

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names

ANNIVERSARY = MilestoneRule(
    MilestoneKind.ANNIVERSARY,
    KUDOS.id,
    Money(5000, "USD"),
    "Happy {years}-year anniversary, {name}! Thank you.",
)
BIRTHDAY = MilestoneRule(
    MilestoneKind.BIRTHDAY, KUDOS.id, Money(2000, "USD"), "Happy birthday, {name}!"
)


def person(email: str, start: date, birthday: MonthDay | None = None) -> Employee:
    return Employee(
        email,
        email.split("@")[0].title(),
        start,
        birthday,
        ChatUser("slack", TEAM, "U0" + email.split("@")[0].upper()),
    )


# --- which days -----------------------------------------------------------------------------------


def test_anniversaries_count_whole_years_and_the_first_day_is_not_one() -> None:
    ada = person("ada@example.com", date(2021, 11, 26))
    newcomer = person("new@example.com", date(2026, 11, 20))

    found = milestones_between([ada, newcomer], date(2026, 11, 1), date(2026, 11, 30))

    assert [(m.employee.email, m.kind, m.on, m.years) for m in found] == [
        ("ada@example.com", MilestoneKind.ANNIVERSARY, date(2026, 11, 26), 5)
    ]


def test_a_leap_day_falls_on_the_28th_in_common_years_and_on_the_29th_in_leap_years() -> None:
    leap = person("leap@example.com", date(2020, 2, 29), MonthDay(2, 29))

    common = milestones_between([leap], date(2027, 2, 1), date(2027, 3, 31))
    leap_year = milestones_between([leap], date(2028, 2, 1), date(2028, 3, 31))

    assert [(m.kind, m.on) for m in common] == [
        (MilestoneKind.ANNIVERSARY, date(2027, 2, 28)),
        (MilestoneKind.BIRTHDAY, date(2027, 2, 28)),
    ]
    assert [(m.on, m.years) for m in leap_year] == [
        (date(2028, 2, 29), 8),
        (date(2028, 2, 29), None),
    ]


def test_a_window_across_new_year_finds_both_years_in_date_order() -> None:
    people = [
        person("dec@example.com", date(2020, 12, 31)),
        person("jan@example.com", date(2019, 1, 2), MonthDay(1, 1)),
    ]

    found = milestones_between(people, date(2026, 12, 30), date(2027, 1, 5))

    assert [(m.on, m.employee.email, m.kind, m.years) for m in found] == [
        (date(2026, 12, 31), "dec@example.com", MilestoneKind.ANNIVERSARY, 6),
        (date(2027, 1, 1), "jan@example.com", MilestoneKind.BIRTHDAY, None),
        (date(2027, 1, 2), "jan@example.com", MilestoneKind.ANNIVERSARY, 8),
    ]


def test_a_template_may_use_only_its_placeholders_and_hr_text_is_never_formatted_as_code() -> None:
    with pytest.raises(InvalidRequest, match="years"):
        MilestoneRule(MilestoneKind.BIRTHDAY, KUDOS.id, Money(100, "USD"), "Happy {years}!")
    with pytest.raises(InvalidRequest, match=r"name\.__class__"):
        MilestoneRule(MilestoneKind.ANNIVERSARY, KUDOS.id, Money(100, "USD"), "{name.__class__}")
    with pytest.raises(InvalidRequest, match="placeholder"):
        MilestoneRule(MilestoneKind.ANNIVERSARY, KUDOS.id, Money(100, "USD"), "{0} {}")
    rule = MilestoneRule(
        MilestoneKind.ANNIVERSARY, KUDOS.id, Money(100, "USD"), "{name}: {years} years"
    )
    tricky = Employee("tricky@example.com", "{years} {name.__class__}", date(2021, 5, 1))

    (found,) = milestones_between([tricky], date(2026, 5, 1), date(2026, 5, 1))
    assert (
        rule.message(found) == "{years} {name.__class__}: 5 years"
    )  # a name is inserted once, as text


def test_employee_rows_are_checked_one_by_one_and_a_repeated_email_keeps_the_first() -> None:
    rows = [
        {
            "email": "Ada@Example.com",
            "name": " Ada   Lovelace ",
            "start_date": "2021-11-26",
            "birthday": "1815-12-10",
            "platform": "slack",
            "user_id": "U0ADA",
            "team_id": TEAM,
        },
        {"email": "ada@example.com", "name": "Ada again", "start_date": "2021-11-26"},
        {
            "email": "grace@example.com",
            "name": "Grace",
            "start_date": "2019-12-03",
            "birthday": "02-30",
        },
        {
            "email": "linus@example.com",
            "name": "Linus",
            "start_date": "2016-12-01",
            "platform": "slack",
            "user_id": "U0LINUS",
        },
        {
            "email": "edsger@example.com",
            "name": "Edsger",
            "start_date": "2020-01-01",
            "birthday": "--05-11",
        },
    ]

    employees, report = parse_rows(rows, platforms=PLATFORM_NAMES)

    assert [(e.email, e.name, e.birthday) for e in employees] == [
        ("ada@example.com", "Ada Lovelace", MonthDay(12, 10)),
        ("edsger@example.com", "Edsger", MonthDay(5, 11)),
    ]
    assert employees[0].user == ChatUser("slack", TEAM, "U0ADA", "Ada Lovelace")
    assert [row for row, _ in report.refused] == [2, 3, 4]
    assert "appears twice" in report.refused[0][1] and "birthday" in report.refused[1][1]
    assert "tenant" in report.refused[2][1]
    assert employee_from_row(
        rows[3], default_tenant=TEAM, platforms=PLATFORM_NAMES
    ).user == ChatUser("slack", TEAM, "U0LINUS", "Linus")


# --- sending on the real database
# -------------------------------------------------------------------


async def test_an_anniversary_is_sent_once_on_the_day_with_hrs_message_however_often_the_job_runs(
    hr: Hr,
) -> None:
    await hr.milestones.set_rule(ANNIVERSARY, "cli:operator")

    first = await hr.milestones.send_due_milestones(date(2026, 11, 26))
    second = await hr.milestones.send_due_milestones(date(2026, 11, 26))
    next_day = await hr.milestones.send_due_milestones(date(2026, 11, 27))

    assert [(email, kind) for email, kind, _ in first.sent] == [
        ("ada@example.com", MilestoneKind.ANNIVERSARY)
    ]
    assert (second.sent, second.already_sent, next_day.sent) == ([], 1, [])
    (sent,) = await hr.rewards_of("slack:T0HARBOUR:U0ADA")
    assert sent.reason == "Happy 5-year anniversary, Ada Lovelace! Thank you."
    assert (sent.amount, sent.giver.platform, sent.request_key.split(":")[:4]) == (
        Money(5000, "USD"),
        "system",
        ["milestone", "ada@example.com", "anniversary", "2026"],
    )
    assert await hr.budget() == Money(95_000, "USD")
    async with hr.backend.database.unit_of_work() as uow:
        assert [e.actor for e in await uow.audit.entries() if e.action == "reward.sent"] == [
            "system:milestones"
        ]


async def test_a_day_the_job_missed_is_caught_up_and_next_year_sends_again(hr: Hr) -> None:
    await hr.milestones.set_rule(ANNIVERSARY, "cli:operator")

    late = await hr.milestones.send_due_milestones(
        date(2026, 11, 28)
    )  # the server was down on the 26th
    next_year = await hr.milestones.send_due_milestones(date(2027, 11, 26))

    assert len(late.sent) == len(next_year.sent) == 1
    reasons = sorted(r.reason for r in await hr.rewards_of("slack:T0HARBOUR:U0ADA"))
    assert reasons == [
        "Happy 5-year anniversary, Ada Lovelace! Thank you.",
        "Happy 6-year anniversary, Ada Lovelace! Thank you.",
    ]


async def test_a_leap_day_birthday_is_celebrated_on_the_28th_of_february_in_a_common_year(
    hr: Hr,
) -> None:
    leap = {
        "email": "leap@example.com",
        "name": "Leap Baby",
        "start_date": "2026-01-05",
        "birthday": "2000-02-29",
        "platform": "slack",
        "user_id": "U0LEAP",
        "tenant": TEAM,
    }
    await hr.stores.employees.upsert(
        [employee_from_row(leap, platforms=PLATFORM_NAMES)], "cli:operator"
    )
    await hr.milestones.set_rule(BIRTHDAY, "cli:operator")

    before = await hr.milestones.send_due_milestones(date(2027, 2, 27))
    on_the_day = await hr.milestones.send_due_milestones(date(2027, 2, 28))
    march_first = await hr.milestones.send_due_milestones(date(2027, 3, 1))

    assert (before.sent, march_first.sent) == ([], [])
    assert [(e, k) for e, k, _ in on_the_day.sent] == [("leap@example.com", MilestoneKind.BIRTHDAY)]
    (gift,) = await hr.rewards_of("slack:T0HARBOUR:U0LEAP")
    assert (gift.reason, gift.amount) == ("Happy birthday, Leap Baby!", Money(2000, "USD"))


async def test_the_preview_lists_the_next_thirty_days_with_each_reward_and_message(hr: Hr) -> None:
    await hr.milestones.set_rule(ANNIVERSARY, "cli:operator")

    upcoming = await hr.milestones.preview(days=30, today=date(2026, 11, 20))

    assert [(p.on, p.kind, p.name, p.years, p.amount) for p in upcoming] == [
        (date(2026, 11, 26), MilestoneKind.ANNIVERSARY, "Ada Lovelace", 5, Money(5000, "USD")),
        (date(2026, 12, 3), MilestoneKind.ANNIVERSARY, "Grace Hopper", 7, Money(5000, "USD")),
        (date(2026, 12, 9), MilestoneKind.BIRTHDAY, "Grace Hopper", None, None),  # no birthday rule
    ]
    assert upcoming[1].message == "Happy 7-year anniversary, Grace Hopper! Thank you."
    assert await hr.rewards_of("slack:T0HARBOUR:U0ADA") == []  # a preview sends nothing


async def test_people_the_bot_cannot_reach_and_an_empty_budget_are_reported_and_retried_later(
    hr: Hr,
) -> None:
    unreachable = {"email": "offline@example.com", "name": "Off Line", "start_date": "2020-11-26"}
    await hr.stores.employees.upsert(
        [employee_from_row(unreachable, platforms=PLATFORM_NAMES)], "cli:operator"
    )
    await hr.milestones.set_rule(
        MilestoneRule(
            MilestoneKind.ANNIVERSARY, KUDOS.id, Money(150_000, "USD"), "Thank you, {name}"
        ),
        "cli:operator",
    )

    short = await hr.milestones.send_due_milestones(date(2026, 11, 26))
    await hr.recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "cli:operator")
    funded = await hr.milestones.send_due_milestones(date(2026, 11, 26))

    assert short.unreachable == ["offline@example.com"]
    assert [email for email, _ in short.refused] == ["ada@example.com"] and short.sent == []
    assert [email for email, _, _ in funded.sent] == ["ada@example.com"]


async def test_a_rule_must_name_an_existing_programme_in_its_currency(hr: Hr) -> None:
    with pytest.raises(ProgrammeNotFound):
        await hr.milestones.set_rule(
            MilestoneRule(MilestoneKind.BIRTHDAY, "moonshot", Money(100, "USD"), "Hi {name}"),
            "cli:operator",
        )
    with pytest.raises(InvalidRequest, match="USD"):
        await hr.milestones.set_rule(
            MilestoneRule(MilestoneKind.BIRTHDAY, KUDOS.id, Money(100, "EUR"), "Hi {name}"),
            "cli:operator",
        )
    assert await hr.milestones.rules() == []
