"""The SuccessFactors connector against the strict fake: SAML bearer tokens, __next paging,
incremental sync."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.hris.successfactors import SuccessFactors
from adapters.hris.successfactors_auth import SuccessFactorsAuth
from core.hris import HrSync, HrUnavailable
from core.milestone_calendar import MonthDay
from tests.fake_successfactors import FakeSuccessFactors, SfPerson
from tests.hris.conftest import HrSide
from tests.hris.keys import key_pair

COMPANY, CLIENT, API_USER = "HarbourCo", "N2FiZTk5YjQ", "sfapi"
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def people() -> list[SfPerson]:
    """Five people, last changed an hour apart on Monday morning (kai last)."""
    listed = [
        SfPerson(
            "aroha",
            "aroha.ngata@harbour.example",
            "Aroha",
            "Ngata",
            date(2016, 12, 6),
            MONDAY,
            date(1985, 4, 2),
            country="NZ",
            time_zone="Pacific/Auckland",
            manager="wiremu",
            preferred_name="Ro",
        ),
        SfPerson(
            "wiremu", "wiremu.tane@harbour.example", "Wiremu", "Tane", date(2012, 1, 9), MONDAY
        ),
        SfPerson(
            "ines",
            "ines.duarte@harbour.example",
            "Inês",
            "Duarte",
            date(2020, 6, 1),
            MONDAY,
            country="PT",
            time_zone="Europe/Lisbon",
        ),
        SfPerson(
            "left",
            "left.early@harbour.example",
            "Lee",
            "Early",
            date(2018, 2, 1),
            MONDAY,
            status="f",
        ),
        SfPerson("kai", "kai.moana@harbour.example", "Kai", "Moana", date(2021, 3, 15), MONDAY),
    ]
    for hours, person in enumerate(listed):
        person.modified = MONDAY + timedelta(hours=hours)
    return listed


@pytest.fixture
async def sf() -> AsyncIterator[FakeSuccessFactors]:
    _, certificate = key_pair()
    fake = FakeSuccessFactors(
        COMPANY, CLIENT, API_USER, certificate, basic=("apiadmin", "s3cret-pass")
    )
    for person in people():
        fake.add(person)
    await fake.start()
    yield fake
    await fake.close()


def connector(
    fake: FakeSuccessFactors, private_key: str | None = None, **auth: str
) -> SuccessFactors:
    if not auth:
        auth = {
            "client_id": CLIENT,
            "user_id": API_USER,
            "private_key": private_key or key_pair()[0],
        }
    return SuccessFactors(SuccessFactorsAuth(api_url=fake.url, company_id=COMPANY, **auth))


async def test_a_full_read_follows_every_next_link_and_includes_inactive_users(
    sf: FakeSuccessFactors,
) -> None:
    directory = connector(sf)
    try:
        changes = await directory.changes(None)
    finally:
        await directory.close()

    assert sorted(p.person_id for p in changes.people) == ["aroha", "ines", "kai", "left", "wiremu"]
    assert sum("$skiptoken" in r for r in sf.requests) == 2  # 5 people, 2 a page
    assert sf.tokens_issued == 1 and sf.errors == []
    aroha = next(p for p in changes.people if p.person_id == "aroha")
    assert (aroha.email, aroha.name, aroha.start_date, aroha.birthday) == (
        "aroha.ngata@harbour.example",
        "Ro Ngata",
        date(2016, 12, 6),
        MonthDay(4, 2),
    )
    assert (aroha.country, aroha.time_zone, aroha.manager_id, aroha.active) == (
        "NZ",
        "Pacific/Auckland",
        "wiremu",
        True,
    )
    assert not next(p for p in changes.people if p.person_id == "left").active
    assert changes.cursor == (MONDAY + timedelta(hours=4)).isoformat()


async def test_the_next_sync_asks_only_for_what_changed_since_the_cursor(
    sf: FakeSuccessFactors,
) -> None:
    directory = connector(sf)
    try:
        first = await directory.changes(None)
        sf.people["kai"].last_name, sf.people["kai"].modified = (
            "Moana-Reid",
            datetime(2026, 12, 2, tzinfo=UTC),
        )
        second = await directory.changes(first.cursor)
    finally:
        await directory.close()

    assert "lastModifiedDateTime ge datetimeoffset'2026-11-30T12:00:00Z'" in _decoded(sf.requests)
    assert [(p.person_id, p.name) for p in second.people] == [("kai", "Kai Moana-Reid")]
    assert second.cursor == "2026-12-02T00:00:00+00:00"


async def test_an_expired_token_is_replaced_with_a_new_assertion_once(
    sf: FakeSuccessFactors,
) -> None:
    directory = connector(sf)
    try:
        await directory.changes(None)
        sf.expire_tokens()
        again = await directory.changes(None)
    finally:
        await directory.close()

    assert len(again.people) == 5
    assert sf.tokens_issued == 2


async def test_an_assertion_signed_with_another_key_is_refused_and_reported(
    sf: FakeSuccessFactors,
) -> None:
    stranger, _ = key_pair("someone-else")
    directory = connector(sf, stranger)
    try:
        with pytest.raises(HrUnavailable, match="refused the SAML bearer assertion"):
            await directory.changes(None)
    finally:
        await directory.close()

    assert any("signature does not verify" in e for e in sf.errors)


async def test_basic_authentication_works_on_a_test_tenant_and_a_wrong_password_is_unavailable(
    sf: FakeSuccessFactors,
) -> None:
    good = connector(sf, username="apiadmin", password="s3cret-pass")
    bad = connector(sf, username="apiadmin", password="guess")
    try:
        assert len((await good.changes(None)).people) == 5
        with pytest.raises(HrUnavailable, match="401"):
            await bad.changes(None)
    finally:
        await good.close()
        await bad.close()


async def test_a_sync_dry_run_changes_nothing_then_the_sync_adds_people_and_keeps_the_cursor(
    sf: FakeSuccessFactors, hr: HrSide
) -> None:
    store = hr.backend.database.hr_people()
    directory = connector(sf)
    sync = HrSync(directory, store, hr.people)
    try:
        dry = await sync.run(dry_run=True)
        before = await hr.employee("aroha.ngata@harbour.example")
        real = await sync.run()
        sf.people["ines"].status, sf.people["ines"].modified = (
            "f",
            datetime(2026, 12, 3, tzinfo=UTC),
        )
        later = await sync.run()
    finally:
        await directory.close()

    assert (
        len(dry.added) == 4 and dry.deactivated == ["left.early@harbour.example"] and before is None
    )
    assert dry.lines()[0] == "successfactors: 4 new, 0 changed, 1 leaving, 0 unchanged, 0 refused"
    assert sorted(real.added) == sorted(dry.added)
    assert (await hr.employee("aroha.ngata@harbour.example")).birthday == MonthDay(4, 2)
    assert later.deactivated == ["ines.duarte@harbour.example"]
    assert (await hr.employee("ines.duarte@harbour.example")).active is False
    assert await store.cursor("successfactors") == "2026-12-03T00:00:00+00:00"


def _decoded(requests: list[str]) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(" ".join(requests))
