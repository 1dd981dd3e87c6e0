"""The Darwinbox connector against the strict fake: credentials, dataset, incremental reads and
leavers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from adapters.hris.darwinbox import Darwinbox
from core.hris import HrUnavailable
from core.milestone_calendar import MonthDay
from tests.fake_darwinbox import FakeDarwinbox

MONDAY = datetime(2026, 11, 30, 8, 0)


@pytest.fixture
async def darwinbox() -> AsyncIterator[FakeDarwinbox]:
    fake = FakeDarwinbox("vb_api", "dbx-pass", "b78c-api-key", "ds-all-employees")
    fake.add(
        "EMP001",
        "priya.nair@harbour.example",
        "Priya",
        "Nair",
        "14-02-2019",
        MONDAY,
        date_of_birth="23-08-1990",
        direct_manager_employee_id="EMP000",
        office_country_code="IN",
    )
    fake.add(
        "EMP002",
        "arjun.rao@harbour.example",
        "Arjun",
        "Rao",
        "01-07-2021",
        MONDAY,
        employee_status="Inactive",
        date_of_exit="31-10-2026",
    )
    fake.add(
        "EMP003",
        "meera.das@harbour.example",
        "Meera",
        "Das",
        "2022-05-09",
        datetime(2026, 12, 2, 9, 30),
    )
    await fake.start()
    yield fake
    await fake.close()
    assert fake.errors == [], fake.errors


def connector(
    fake: FakeDarwinbox, password: str = "dbx-pass", dataset: str = "ds-all-employees"
) -> Darwinbox:
    return Darwinbox(
        base_url=fake.url,
        username="vb_api",
        password=password,
        api_key="b78c-api-key",
        dataset_key=dataset,
    )


async def test_everyone_is_read_with_start_dates_birthdays_without_year_and_leavers_inactive(
    darwinbox: FakeDarwinbox,
) -> None:
    directory = connector(darwinbox)
    try:
        changes = await directory.changes(None)
    finally:
        await directory.close()

    by_id = {p.person_id: p for p in changes.people}
    priya = by_id["EMP001"]
    assert (
        priya.email,
        priya.name,
        priya.start_date,
        priya.birthday,
        priya.manager_id,
        priya.country,
    ) == (
        "priya.nair@harbour.example",
        "Priya Nair",
        date(2019, 2, 14),
        MonthDay(8, 23),
        "EMP000",
        "IN",
    )
    assert by_id["EMP003"].start_date == date(2022, 5, 9)
    assert [p.active for p in (priya, by_id["EMP002"], by_id["EMP003"])] == [True, False, True]
    assert darwinbox.bodies == [{"api_key": "b78c-api-key", "datasetKey": "ds-all-employees"}]
    assert changes.cursor == datetime(2026, 12, 2, 9, 30, tzinfo=UTC).isoformat()


async def test_the_next_read_sends_last_modified_and_gets_only_later_changes(
    darwinbox: FakeDarwinbox,
) -> None:
    directory = connector(darwinbox)
    try:
        first = await directory.changes(None)
        second = await directory.changes(first.cursor)
    finally:
        await directory.close()

    assert darwinbox.bodies[-1]["last_modified"] == "02-12-2026 09:30:00"
    assert [p.person_id for p in second.people] == ["EMP003"]


async def test_a_wrong_password_or_dataset_is_reported_as_unavailable(
    darwinbox: FakeDarwinbox,
) -> None:
    wrong_password, wrong_dataset = (
        connector(darwinbox, password="nope"),
        connector(darwinbox, dataset="x"),
    )
    try:
        with pytest.raises(HrUnavailable, match="401"):
            await wrong_password.changes(None)
        with pytest.raises(HrUnavailable, match="Invalid api_key or datasetKey"):
            await wrong_dataset.changes(None)
    finally:
        await wrong_password.close()
        await wrong_dataset.close()
