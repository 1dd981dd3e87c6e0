"""The dashboard's locks: sign-in, roles, CSRF, lock-out, cookies, and codes that stay masked unless
revealed."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import ClientSession, web
from yarl import URL

from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.oversight import SqlOversight
from adapters.web.admin import AddressLimit, admin_routes
from core.identity import ChatUser
from core.orders import OrderStatus
from core.oversight.acts import AdminActs
from tests.admin.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ADMIN_TOKEN,
    BOOKS,
    GRACE,
    TEA,
    VIEWER_EMAIL,
    VIEWER_PASSWORD,
    Browser,
    Console,
)

OPS = f"admin:{ADMIN_EMAIL}"


async def _delivered_order(console: Console) -> str:
    order_id = await console.place()
    await console.pay(order_id)
    await console.relay.run_once()
    return order_id


def _pages(order_id: str) -> list[str]:
    return [
        "/admin",
        "/admin?days=7",
        "/admin/orders",
        "/admin/orders?status=delivered",
        "/admin/orders.csv",
        f"/admin/orders/{order_id}",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/rewards",
    ]


def _acts(order_id: str) -> list[str]:
    order = f"/admin/orders/{order_id}"
    return [
        f"{order}/reveal",
        f"{order}/resend",
        f"{order}/cancel",
        f"{order}/refund",
        f"{order}/retry-issuance",
        "/admin/audit/verify",
        "/admin/rewards",
        "/admin/rewards/admins/grant",
        "/admin/rewards/admins/revoke",
        "/admin/rewards/kudos/credit",
        "/admin/logout",
    ]


async def test_no_page_or_form_answers_without_signing_in(console: Console) -> None:
    order_id = await _delivered_order(console)
    stranger = await console.client()
    before = await console.audit_actions()

    pages = [await stranger.get(path) for path in _pages(order_id)]
    acts = [await stranger.post(path, token="forged") for path in _acts(order_id)]

    assert {status for status, _ in pages + acts} == {303}
    assert (await console.order(order_id)).status is OrderStatus.DELIVERED
    assert await console.audit_actions() == before


async def test_signing_in_is_asked_for_and_leads_back_to_the_page_asked_for(
    console: Console,
) -> None:
    stranger = await console.client()
    async with stranger.session.get(f"{console.url}/admin/orders?status=paid") as response:
        assert str(response.url).startswith(f"{console.url}/admin/login?next=")
        html = await response.text()

    assert 'name="next" value="/admin/orders?status=paid"' in html


async def test_after_signing_in_the_browser_is_never_sent_to_another_site(console: Console) -> None:
    client = await console.client()
    token = await client.csrf("/admin/login")
    form = {
        "csrf_token": token,
        "email": ADMIN_EMAIL,
        "password": ADMIN_PASSWORD,
        "next": "https://evil.example/",
    }
    async with client.session.post(
        f"{console.url}/admin/login", data=form, allow_redirects=False
    ) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/admin"


async def test_the_api_answers_401_without_the_bearer_token(console: Console) -> None:
    order_id = await _delivered_order(console)
    signed_in = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    paths = ["/admin/api/orders", f"/admin/api/orders/{order_id}", "/admin/api/audit"]
    refused = [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
        {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    ]

    answers = [await signed_in.get(path, headers=headers) for path in paths for headers in refused]
    allowed = [
        await signed_in.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        for path in paths
    ]

    assert {status for status, _ in answers} == {401}
    assert {status for status, _ in allowed} == {200}


async def test_with_no_admin_token_configured_the_api_is_closed(console: Console) -> None:
    async with (
        _served(console, admin_token="", secure_cookies=False) as url,
        ClientSession() as session,
        session.get(f"{url}/admin/api/orders", headers={"Authorization": "Bearer "}) as response,
    ):
        status = response.status

    assert status == 401


@asynccontextmanager
async def _served(
    console: Console,
    *,
    admin_token: str,
    secure_cookies: bool,
    sign_in_limit: AddressLimit | None = None,
) -> AsyncIterator[str]:
    """The dashboard alone, over the console's database, configured otherwise."""
    app = web.Application()
    app.router.add_routes(
        admin_routes(
            oversight=SqlOversight.of(console.database), checkout=console.checkout,
            recognition=console.recognition, accounts=SqlAdminAccounts.of(console.database),
            acts=AdminActs(uow=console.database.unit_of_work), admin_token=admin_token,
            secure_cookies=secure_cookies, clock=console.clock, sign_in_limit=sign_in_limit,
        )
    )  # fmt: skip
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_a_viewer_reads_everything_but_every_act_is_refused(console: Console) -> None:
    order_id = await _delivered_order(console)
    viewer = await console.client(VIEWER_EMAIL, VIEWER_PASSWORD)
    page = f"/admin/orders/{order_id}"

    pages = [await viewer.get(path) for path in _pages(order_id)]
    before = (
        await console.audit_actions()
    )  # reading is not audited; exporting is, so count from here
    acts = [
        await viewer.post(path, from_page=page)
        for path in _acts(order_id)
        if "verify" not in path and "logout" not in path
    ]
    _, order_page = await viewer.get(page)

    assert {status for status, _ in pages} == {200}
    assert {status for status, _ in acts} == {403}
    assert all("only admins can do this" in html for _, html in acts)
    assert "Reveal code" not in order_page and "Refund" not in order_page
    assert (await console.order(order_id)).status is OrderStatus.DELIVERED
    assert await console.audit_actions() == before


async def test_posts_without_the_session_csrf_token_are_refused(console: Console) -> None:
    order_id = await _delivered_order(console)
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    other = await console.client(VIEWER_EMAIL, VIEWER_PASSWORD)
    someone_elses = await other.csrf()
    refund = f"/admin/orders/{order_id}/refund"

    async with admin.session.post(
        f"{console.url}{refund}", data={}, allow_redirects=False
    ) as missing:
        missing_status = missing.status
    wrong_status, _ = await admin.post(refund, token="not-the-token")
    stolen_status, _ = await admin.post(refund, token=someone_elses)
    foreign = {"Origin": "https://evil.example"}
    token = await admin.csrf()
    async with admin.session.post(
        f"{console.url}{refund}", data={"csrf_token": token}, headers=foreign, allow_redirects=False
    ) as cross_site:
        cross_site_status = cross_site.status

    assert (missing_status, wrong_status, stolen_status, cross_site_status) == (403, 403, 403, 403)
    assert (await console.order(order_id)).status is OrderStatus.DELIVERED
    assert all(action != "order.refunded" for _, action, _ in await console.audit_actions())


async def test_the_sign_in_form_needs_its_own_csrf_cookie(console: Console) -> None:
    client = await console.client()
    form = {"csrf_token": "guessed", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    async with client.session.post(
        f"{console.url}/admin/login", data=form, allow_redirects=False
    ) as response:
        assert response.status == 403
        assert "vb_admin" not in response.cookies


async def test_codes_appear_only_in_the_response_to_an_audited_reveal(console: Console) -> None:
    # A PIN no id, amount or timestamp on a page can contain by chance (a bare "4321" once matched
    # one).
    console.provider.pin = "PIN-LANTERN-QZ7X"
    order_id = await _delivered_order(console)
    tea_order = await console.place(GRACE, TEA, 2000)  # a code with a PIN too
    await console.pay(tea_order)
    await console.relay.run_once()
    codes = [await console.voucher_code(order_id), await console.voucher_code(tea_order)]
    async with console.database.unit_of_work() as uow:
        tea_voucher = await uow.vouchers.for_order(tea_order)
    assert tea_voucher is not None and tea_voucher.pin == "PIN-LANTERN-QZ7X"
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    api = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    seen = [
        html for _, html in [await admin.get(path) for path in _pages(order_id) + _pages(tea_order)]
    ]
    seen += [
        html
        for _, html in [
            await admin.get(f"/admin/api/orders/{o}", headers=api) for o in (order_id, tea_order)
        ]
    ]
    seen += [
        (await admin.get("/admin/api/orders", headers=api))[1],
        (await admin.get("/admin/api/audit", headers=api))[1],
    ]
    revealed_status, revealed = await admin.post(
        f"/admin/orders/{order_id}/reveal", from_page=f"/admin/orders/{order_id}"
    )
    _, afterwards = await admin.get(f"/admin/orders/{order_id}")

    assert not any(code in html for code in codes for html in seen)
    assert console.provider.pin not in "".join(seen)  # the PIN of the tea voucher
    assert revealed_status == 200 and codes[0] in revealed
    assert (OPS, "voucher.revealed", order_id) in await console.audit_actions()
    assert codes[0] not in afterwards
    assert codes[0] not in "".join(str(a) for a in await console.audit_actions())


async def test_five_wrong_passwords_lock_the_account_for_a_minute(console: Console) -> None:
    client = await console.client()
    for _ in range(5):
        status, html = await client.sign_in(ADMIN_EMAIL, "not the password")
        assert status == 200 and "is not right, or the account is locked" in html

    locked_status, _ = await client.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    console.clock.advance(seconds=59)
    still_locked, _ = await client.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    console.clock.advance(seconds=1)
    unlocked, _ = await client.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)

    assert (locked_status, still_locked, unlocked) == (200, 200, 303)
    actions = [
        action for _, action, subject in await console.audit_actions() if subject == ADMIN_EMAIL
    ]
    assert actions == ["admin.sign_in_failed"] * 4 + ["admin.locked", "admin.signed_in"]


async def test_thirty_sign_ins_posted_at_once_with_one_right_password_open_no_session(
    console: Console,
) -> None:
    async with _served(
        console,
        admin_token=ADMIN_TOKEN,
        secure_cookies=False,
        sign_in_limit=AddressLimit(burst=100),
    ) as url:
        browsers = [await console.client() for _ in range(30)]
        for browser in browsers:
            browser.url = url
        tokens = [await browser.csrf("/admin/login") for browser in browsers]
        passwords = ["not the password"] * 29 + [ADMIN_PASSWORD]

        async def post(browser: Browser, token: str, password: str) -> int:
            form = {"csrf_token": token, "email": ADMIN_EMAIL, "password": password}
            async with browser.session.post(
                f"{url}/admin/login", data=form, allow_redirects=False
            ) as answer:
                return answer.status

        sent = zip(browsers, tokens, passwords, strict=True)
        statuses = await asyncio.gather(
            *(post(browser, token, password) for browser, token, password in sent)
        )

    assert (
        statuses == [200] * 30
    )  # the sign-in form again, every time: no redirect into the dashboard
    admin = await SqlAdminAccounts.of(console.database).get(ADMIN_EMAIL)
    assert admin is not None and admin.failed_logins == 29 and admin.last_login_at is None
    with sqlite3.connect(console.db_path) as connection:
        assert connection.execute("SELECT count(*) FROM admin_sessions").fetchone() == (0,)


async def test_one_address_gets_ten_sign_in_attempts_then_waits(console: Console) -> None:
    client = await console.client()
    for _ in range(10):
        status, _ = await client.sign_in(VIEWER_EMAIL, "not the password")
        assert status == 200

    token = await client.csrf("/admin/login")
    form = {"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    url = f"{console.url}/admin/login"
    async with client.session.post(url, data=form, allow_redirects=False) as response:
        status, retry_after = response.status, response.headers.get("Retry-After")
        html = await response.text()

    assert status == 429 and retry_after is not None and 1 <= int(retry_after) <= 15
    assert "Too many sign-in attempts from your address" in html
    admin = await SqlAdminAccounts.of(console.database).get(ADMIN_EMAIL)
    assert (
        admin is not None and admin.failed_logins == 0 and admin.last_login_at is None
    )  # never checked


async def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(console: Console) -> None:
    client = await console.client()

    _, unknown = await client.sign_in("nobody@quiet-harbour.example", "whatever it is")
    _, wrong = await client.sign_in(ADMIN_EMAIL, "whatever it is")

    def message(html: str) -> str:
        return html.split('id="signin-error"', 1)[1].split("</div>", 1)[0]

    assert message(unknown) == message(wrong)


async def test_the_session_cookie_is_httponly_and_strict_and_holds_only_a_random_id(
    console: Console,
) -> None:
    client = await console.client()
    token = await client.csrf("/admin/login")
    form = {"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    async with client.session.post(
        f"{console.url}/admin/login", data=form, allow_redirects=False
    ) as response:
        cookie = response.cookies["vb_admin"]

    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    assert len(cookie.value) >= 43  # 32 random bytes, url-safe base64
    with sqlite3.connect(console.db_path) as connection:
        stored = [row[0] for row in connection.execute("SELECT id_hash FROM admin_sessions")]
    assert stored == [hashlib.sha256(cookie.value.encode()).hexdigest()]
    assert cookie.value.encode() not in console.db_path.read_bytes()


async def test_on_https_the_cookies_are_secure_and_host_only(console: Console) -> None:
    async with (
        _served(console, admin_token=ADMIN_TOKEN, secure_cookies=True) as url,
        ClientSession() as session,
        session.get(f"{url}/admin/login") as response,
    ):
        header = response.headers["Set-Cookie"]

    assert header.startswith("__Host-vb_admin_login=")
    assert {"HttpOnly", "Secure", "Path=/", "SameSite=Strict"} <= {
        part.strip() for part in header.split(";")
    }


async def test_signing_out_ends_the_session_on_the_server(console: Console) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    stolen = admin.session.cookie_jar.filter_cookies(URL(console.url + "/admin"))["vb_admin"].value

    status, _ = await admin.post("/admin/logout")
    replay = await console.client()
    replay.session.cookie_jar.update_cookies(
        {"vb_admin": stolen}, response_url=URL(console.url + "/admin")
    )
    replayed, _ = await replay.get("/admin")

    assert (status, replayed) == (303, 303)
    assert (OPS, "admin.signed_out", ADMIN_EMAIL) in await console.audit_actions()


async def test_an_idle_session_expires_after_an_hour(console: Console) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    console.clock.advance(minutes=59)
    fresh, _ = await admin.get("/admin")  # activity extends the session

    console.clock.advance(minutes=59)
    still, _ = await admin.get("/admin")
    console.clock.advance(hours=1, seconds=1)
    expired, _ = await admin.get("/admin")

    assert (fresh, still, expired) == (200, 200, 303)


async def test_pages_forbid_framing_caching_and_scripts(console: Console) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    async with admin.session.get(f"{console.url}/admin/orders") as response:
        headers = response.headers

    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert (
        "script-src" not in headers["Content-Security-Policy"]
    )  # default-src 'none' covers scripts
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("https://evil.example","Invoice")', "+1+2", "-3", "@SUM(A1)"]
)
async def test_exported_cells_never_start_a_spreadsheet_formula(
    console: Console, name: str
) -> None:
    buyer = ChatUser("slack", "T0HARBOUR", "U0EVE", name)
    await console.place(buyer, BOOKS, 2500)
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    _, exported = await admin.get("/admin/orders.csv")
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))

    assert [row["buyer_name"] for row in rows] == [f"'{name}"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


async def test_sessions_end_twelve_hours_after_sign_in_even_when_active(console: Console) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    statuses = []
    for _ in range(14):
        console.clock.advance(minutes=55)
        statuses.append((await admin.get("/admin"))[0])

    assert statuses == [200] * 13 + [303]
