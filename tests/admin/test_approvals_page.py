"""The dashboard's approvals page: held sends, their state, and who decided why, for admins and
viewers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar, web

from adapters.db import Database, VoucherCipher
from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.oversight import SqlOversight
from adapters.i18n import localizer
from adapters.web.admin import admin_routes
from core.approval_gate import ApprovalGate
from core.approval_requests import ApprovalPolicy
from core.approvals import Approvals
from core.catalog import Catalog
from core.checkout import Checkout
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.oversight.accounts import AdminRole
from core.oversight.acts import AdminActs
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import Programme, Recipient
from tests.admin.conftest import BOOKS, VIEWER_EMAIL, VIEWER_PASSWORD, Browser, add_user
from tests.fakes import FakeGateway, FakeProvider, FixedClock, SequentialIds

HANA = ChatUser("slack", "T0HARBOUR", "U0HR", "Hana from HR")
ADA = ChatUser("slack", "T0HARBOUR", "U0ADA", "Ada Lovelace")
LIN = ChatUser("slack", "T0HARBOUR", "U0LIN", "Lin Wei")


def dm(user: ChatUser) -> ConversationRef:
    return ConversationRef("slack", f'{{"team": "T0HARBOUR", "user": "{user.user_id}"}}')


async def near(identity: str, _giver: ConversationRef | None) -> ConversationRef:
    return dm(ChatUser("slack", "T0HARBOUR", identity.partition(":")[2]))


@dataclass
class Desk:
    url: str
    recognition: Recognition
    approvals: Approvals
    session: ClientSession

    async def viewer(self) -> Browser:
        browser = Browser(self.session, self.url)
        assert (await browser.sign_in(VIEWER_EMAIL, VIEWER_PASSWORD))[0] == 303
        return browser

    async def held(self, to: ChatUser, minor: int, why: str) -> str:
        command = SendRewards(
            HANA,
            (Recipient(to, dm(to)),),
            Money(minor, "USD"),
            why,
            "kudos",
            f"req-{why}",
            dm(HANA),
        )
        pending = (await self.recognition.sender.send(command)).pending
        assert pending is not None
        return pending.approval_id


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    database = Database(
        f"sqlite+aiosqlite:///{tmp_path / 'vb.db'}",
        VoucherCipher(VoucherCipher.generate_key()),
        clock=clock,
    )
    await database.upgrade()
    ids = SequentialIds()
    recognition = Recognition(
        uow=database.unit_of_work,
        clock=clock,
        ids=ids,
        configured_admins={"slack:U0HR"},
        gate=ApprovalGate(clock, ids, near),
    )
    approvals = Approvals(uow=database.unit_of_work, clock=clock, ids=ids, recognition=recognition)
    await recognition.budgets.create_programme(Programme("kudos", "Harbour Kudos", "USD"), "setup")
    await recognition.budgets.credit("kudos", Money(100_000, "USD"), "setup")
    await approvals.set_policy(ApprovalPolicy("kudos", ("slack:U0BOSS",), above=5000), "setup")
    accounts = SqlAdminAccounts.of(database)
    await add_user(accounts, VIEWER_EMAIL, VIEWER_PASSWORD, AdminRole.VIEWER, clock.now())
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog([BOOKS]),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=ids,
        public_base_url="http://127.0.0.1",
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
            approvals=approvals,
        )
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    session = ClientSession(cookie_jar=CookieJar(unsafe=True))
    try:
        yield Desk(f"http://127.0.0.1:{runner.addresses[0][1]}", recognition, approvals, session)
    finally:
        await session.close()
        await runner.cleanup()
        await database.dispose()


async def test_the_page_lists_pending_and_decided_requests_with_who_decided_and_why(
    desk: Desk,
) -> None:
    await desk.held(ADA, 7500, "Shipped the harbour map")
    rejected = await desk.held(LIN, 9000, "Fixed the lighthouse")
    await desk.approvals.reject(rejected, "slack:U0BOSS", "Over this quarter's plan")
    viewer = await desk.viewer()

    status, page = await viewer.get("/admin/approvals")
    _, only_pending = await viewer.get("/admin/approvals?status=pending")
    _, anything = await viewer.get("/admin/approvals?status=<script>")

    assert status == 200
    assert "Shipped the harbour map" in page and "Ada Lovelace" in page and "Hana from HR" in page
    assert "slack:U0BOSS: Over this quarter&#39;s plan" in page
    assert "Shipped the harbour map" in only_pending and "Fixed the lighthouse" not in only_pending
    assert "Fixed the lighthouse" in anything and "<script>" not in anything


async def test_the_page_needs_a_signed_in_user(desk: Desk) -> None:
    browser = Browser(desk.session, desk.url)

    status, _ = await browser.get("/admin/approvals")

    assert status in (302, 303)


async def test_the_page_is_in_german_with_german_amounts_and_times(desk: Desk) -> None:
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    await desk.held(ADA, 7500, "Shipped the harbour map")
    viewer = await desk.viewer()

    status, page = await viewer.get("/admin/approvals", headers=german)
    _, none_rejected = await viewer.get("/admin/approvals?status=rejected", headers=german)

    de = localizer("de-DE")
    [held] = await desk.approvals.list()
    assert status == 200
    for label in ("Freigaben", "Anfragen", "Entschieden von", "Ausstehend", "Jeder Status"):
        assert label in page, label
    assert f">{de.money(Money(7500, 'USD'))}<" in page  # 75 US$
    assert de.date(held.expires_at) in page  # 10.12.2026, not 2026-12-10T…
    assert held.expires_at[:16].replace("T", " ") not in page
    assert "Keine Freigabeanfrage ist abgelehnt." in none_rejected
    for english in (">Requests<", ">Decided by<", ">pending<", ">Any<"):
        assert english not in page, english
