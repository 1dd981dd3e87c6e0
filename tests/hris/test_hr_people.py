"""Applying HR records: large syncs, email changes, and the chat identity voucherbot learned
itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from core.hris import HrPerson
from core.identity import ChatUser
from tests.hris.conftest import HrSide


def person(n: int, **changes: object) -> HrPerson:
    base = HrPerson(
        "darwinbox", f"EMP{n:05d}", f"p{n}@harbour.example", f"Person {n}", date(2020, 1, 1)
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_a_sync_of_more_people_than_one_query_holds_finds_them_all_unchanged_the_second_time(
    hr: HrSide,
) -> None:
    everyone = [person(n) for n in range(1, 1202)]

    first = await hr.people.apply(everyone, "darwinbox")
    second = await hr.people.apply(everyone, "darwinbox")

    assert len(first.added) == 1201
    assert (second.added, second.updated, second.unchanged) == ([], [], 1201)


async def test_an_email_change_in_hr_moves_the_employee_and_keeps_their_chat_identity(
    hr: HrSide,
) -> None:
    await hr.people.apply([person(7)], "darwinbox")
    store = hr.backend.database.hr_stores().employees
    learned = replace(
        await store.by_email("p7@harbour.example"), user=ChatUser("slack", "T0HARBOUR", "U0P7", "")
    )
    await store.upsert([learned], "test")  # e.g. a file import named their Slack id

    report = await hr.people.apply([person(7, email="seven@harbour.example")], "darwinbox")

    assert report.updated == ["seven@harbour.example"]
    assert await store.by_email("p7@harbour.example") is None
    moved = await store.by_email("seven@harbour.example")
    assert moved is not None and moved.user is not None and moved.user.user_id == "U0P7"


async def test_two_people_with_one_email_in_a_sync_keep_the_first_and_refuse_the_second(
    hr: HrSide,
) -> None:
    report = await hr.people.apply([person(1), person(2, email="p1@harbour.example")], "darwinbox")

    assert report.added == ["p1@harbour.example"]
    assert report.refused == [("EMP00002", "the same email as EMP00001")]
    assert (await hr.employee("p1@harbour.example")).person_id == "EMP00001"


async def test_records_without_an_id_email_name_or_start_date_are_refused_with_why(
    hr: HrSide,
) -> None:
    report = await hr.people.apply(
        [
            person(1, person_id=" "),
            person(2, email="not-an-email"),
            person(3, name="  "),
            person(4, start_date=None),
            person(5),
        ],
        "darwinbox",
    )

    assert report.added == ["p5@harbour.example"]
    assert report.refused == [
        (" ", "no id in the HR system"),
        ("EMP00002", "no work email"),
        ("EMP00003", "no name"),
        ("EMP00004", "no start date"),
    ]
