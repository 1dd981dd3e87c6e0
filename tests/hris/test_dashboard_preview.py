"""The dashboard's rewards page previews the next 30 days of milestones of synced employees."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from aiohttp import ClientSession, CookieJar, web

from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.oversight import SqlOversight
from adapters.web.admin import admin_routes
from core.catalog import Catalog
from core.checkout import Checkout
from core.milestone_calendar import MilestoneKind
from core.milestones import MilestoneRule
from core.money import Money
from core.oversight.accounts import AdminRole
from core.oversight.acts import AdminActs
from tests.admin.conftest import Browser, add_user
from tests.db.conftest import Backend
from tests.fakes import FakeGateway, FakeProvider, SequentialIds
from tests.hris.test_hr_milestones import synced
from tests.rewards.conftest import KUDOS, build_hr
from tests.unit.conftest import BOOKS

RULE = MilestoneRule(
    MilestoneKind.ANNIVERSARY, KUDOS.id, Money(5000, "USD"), "Happy {years} years, {name}!"
)


async def test_the_rewards_page_lists_upcoming_anniversaries_with_their_reward_but_not_leavers(
    backend: Backend,
) -> None:
    database, clock = backend.database, backend.clock
    recognition, milestones, _, _, _ = build_hr(backend)
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await milestones.set_rule(RULE, "setup")
    soon = clock.now().date() + timedelta(days=5)
    await database.hr_people().apply(
        [
            synced("rosa@harbour.example", "U0ROSA", soon.replace(year=2020)),
            synced("gone@harbour.example", "U0GONE", soon.replace(year=2019), active=False),
        ],
        "test",
    )
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog([BOOKS]),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=SequentialIds(),
        public_base_url="http://127.0.0.1",
    )
    accounts = SqlAdminAccounts.of(database)
    await add_user(
        accounts, "hr@harbour.example", "a long harbour passphrase", AdminRole.VIEWER, clock.now()
    )
    app = web.Application()
    app.router.add_routes(
        admin_routes(
            oversight=SqlOversight.of(database),
            checkout=checkout,
            recognition=recognition,
            accounts=accounts,
            acts=AdminActs(uow=database.unit_of_work),
            admin_token="",
            secure_cookies=False,
            clock=clock,
            milestones=milestones,
        )
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    session = ClientSession(cookie_jar=CookieJar(unsafe=True))
    try:
        browser = Browser(session, f"http://127.0.0.1:{runner.addresses[0][1]}")
        assert (await browser.sign_in("hr@harbour.example", "a long harbour passphrase"))[0] == 303
        status, html = await browser.get("/admin/rewards")
    finally:
        await session.close()
        await runner.cleanup()

    assert status == 200
    assert "Milestones in the next 30 days" in html
    assert soon.isoformat() in html and "rosa@harbour.example" in html and "(6 years)" in html
    assert "Happy 6 years, Grace Hopper!" in html
    assert "gone@harbour.example" not in html
