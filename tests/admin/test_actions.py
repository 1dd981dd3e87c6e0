"""What an admin does from the dashboard happens through the core, and each act is in the audit
trail."""

from __future__ import annotations

import sqlite3

import pytest

from adapters.db.oversight import SqlOversight
from core.audit import verify
from core.errors import ProviderError, VoucherbotError
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.oversight.queries import RewardQuery
from core.vouchers import VoucherStatus
from tests.admin.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BOOKS,
    GRACE,
    VIEWER_EMAIL,
    VIEWER_PASSWORD,
    Console,
    History,
)

OPS = f"admin:{ADMIN_EMAIL}"


async def test_refunding_a_card_payment_goes_through_stripe_and_voids_the_voucher(
    console: Console,
) -> None:
    order_id = await console.place(GRACE, BOOKS, 5000)
    await console.pay_by_card(order_id)
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, _ = await admin.post(
        f"/admin/orders/{order_id}/refund", from_page=f"/admin/orders/{order_id}"
    )
    await _until_processed(console, "charge.refunded")

    assert status == 303
    assert (await console.order(order_id)).status is OrderStatus.REFUNDED
    async with console.database.unit_of_work() as uow:
        voucher = await uow.vouchers.for_order(order_id)
    assert voucher is not None and voucher.status is VoucherStatus.VOID
    assert {(OPS, "order.refunded", order_id), (OPS, "voucher.voided", order_id)} <= set(
        await console.audit_actions()
    )


async def _until_processed(console: Console, kind: str) -> None:
    import asyncio

    for _ in range(200):
        with sqlite3.connect(console.db_path) as connection:
            if connection.execute(
                "SELECT 1 FROM processed_events WHERE kind = ?", (kind,)
            ).fetchone():
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} event reached the app")


async def test_cancelling_an_unpaid_order_is_audited_with_the_admins_name(console: Console) -> None:
    order_id = await console.place()
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, _ = await admin.post(
        f"/admin/orders/{order_id}/cancel", from_page=f"/admin/orders/{order_id}"
    )

    assert status == 303
    assert (await console.order(order_id)).status is OrderStatus.CANCELLED
    assert (OPS, "order.cancelled", order_id) in await console.audit_actions()


async def test_resending_queues_the_voucher_message_again(console: Console) -> None:
    order_id = await console.place()
    await console.pay(order_id)
    await console.relay.run_once()
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, _ = await admin.post(
        f"/admin/orders/{order_id}/resend", from_page=f"/admin/orders/{order_id}"
    )
    results = await console.relay.run_once()

    assert status == 303
    assert [(r.kind, r.outcome) for r in results] == [(MessageKind.VOUCHER_DELIVERY, "sent")]
    assert (OPS, "voucher.resend", order_id) in await console.audit_actions()


async def test_retrying_a_failed_issuance_issues_the_voucher(console: Console) -> None:
    order_id = await console.place()
    console.provider.failures.append(
        ProviderError("Quiet Harbour Books is out of stock", retryable=False)
    )
    # The automatic refund fails too (the payment exists only in this test's webhook, not at
    # localstripe), so the order waits for an admin as a paid order whose issuance failed.
    with pytest.raises(VoucherbotError):
        await console.pay(order_id)
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = f"/admin/orders/{order_id}"
    _, before = await admin.get(page)

    status, _ = await admin.post(f"{page}/retry-issuance", from_page=page)

    assert "Retry issuance" in before
    assert status == 303
    assert (await console.order(order_id)).status is OrderStatus.ISSUED
    assert (OPS, "order.issuing", order_id) in await console.audit_actions()


async def test_an_underpaid_order_offers_no_retry_and_the_form_is_refused(
    console: Console, history: History
) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = f"/admin/orders/{history.failed_issuance}"  # paid 1.00 of its price
    _, before = await admin.get(page)

    status, html = await admin.post(f"{page}/retry-issuance", from_page=page)

    assert "Retry issuance" not in before and "Refund" in before
    assert status == 409 and "issuing" in html
    order = await console.order(history.failed_issuance)
    assert (
        order.status is OrderStatus.FAILED
        and history.failed_issuance not in console.provider.issued
    )


async def test_an_act_that_does_not_apply_is_explained_and_changes_nothing(
    console: Console,
) -> None:
    order_id = await console.place()
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await admin.post(
        f"/admin/orders/{order_id}/refund", from_page=f"/admin/orders/{order_id}"
    )

    assert status == 409
    assert "is awaiting payment and cannot be paid" in html
    assert (await console.order(order_id)).status is OrderStatus.AWAITING_PAYMENT


async def test_crediting_a_budget_adds_to_the_ledger_and_the_audit_trail(
    console: Console, history: History
) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = "/admin/rewards/kudos"

    status, _ = await admin.post(
        f"{page}/credit", {"amount": "1,250.50", "note": "Q1 top-up"}, from_page=page
    )
    _, html = await admin.get(page)

    assert status == 303
    assert "$6,175.50" in html  # 5,000 credited at seeding, 75 sent, + 1,250.50
    assert (OPS, "budget.credit", "kudos") in await console.audit_actions()


async def test_a_credit_that_is_not_an_amount_is_refused_with_the_reason(
    console: Console, history: History
) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = "/admin/rewards/kudos"

    status, html = await admin.post(f"{page}/credit", {"amount": "lots"}, from_page=page)

    assert status == 400
    assert "Amount: &#39;lots&#39; is not an amount in USD." in html
    assert [a for a in await console.audit_actions() if a[1] == "budget.credit"] == [
        (OPS, "budget.credit", "kudos")
    ]


async def test_reward_admins_are_granted_and_revoked_from_the_dashboard(console: Console) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    granted, _ = await admin.post("/admin/rewards/admins/grant", {"identity": "teams:aad-0042"})
    _, listed = await admin.get("/admin/rewards")
    revoked, _ = await admin.post("/admin/rewards/admins/revoke", {"identity": "teams:aad-0042"})
    refused, problem = await admin.post(
        "/admin/rewards/admins/grant", {"identity": "Bob from sales"}
    )

    assert (granted, revoked, refused) == (303, 303, 400)
    assert "teams:aad-0042" in listed
    assert "slack:&lt;user id&gt;" in problem
    actions = await console.audit_actions()
    assert [a for a in actions if a[1].startswith("reward_admin.")] == [
        (OPS, "reward_admin.granted", "teams:aad-0042"),
        (OPS, "reward_admin.revoked", "teams:aad-0042"),
    ]


async def test_a_programme_is_created_and_a_reward_cancelled(
    console: Console, history: History
) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    form = {"id": "thanks-2027", "name": "Thanks 2027", "currency": "eur", "expiry_days": "60",
            "per_reward_limit": "50", "monthly_limit": ""}  # fmt: skip
    created, _ = await admin.post("/admin/rewards", form)
    duplicate, again = await admin.post("/admin/rewards", form)
    spendable = await SqlOversight.of(console.database).rewards(
        RewardQuery(programme_id="kudos", status="sent")
    )
    reward_id = spendable.items[0].id

    cancelled, _ = await admin.post(
        f"/admin/rewards/kudos/rewards/{reward_id}/cancel", from_page="/admin/rewards/kudos"
    )

    assert (created, duplicate, cancelled) == (303, 409, 303)
    assert "exists already" in again
    programmes = {p.id: p for p in await console.recognition.budgets.programmes()}
    assert (programmes["thanks-2027"].currency, programmes["thanks-2027"].per_reward_limit) == (
        "EUR",
        5000,
    )
    assert (OPS, "reward.cancelled", reward_id) in await console.audit_actions()


async def test_every_act_leaves_the_chain_intact_and_verifying_it_is_recorded(
    console: Console, history: History
) -> None:
    viewer = await console.client(
        VIEWER_EMAIL, VIEWER_PASSWORD
    )  # verifying changes nothing: viewers may

    status, html = await viewer.post("/admin/audit/verify", from_page="/admin/audit")

    async with console.database.unit_of_work() as uow:
        entries = await uow.audit.entries(limit=100_000)
    assert status == 200 and "The chain is intact." in html
    assert verify(entries).intact
    assert entries[-1].action == "audit.verified" and entries[-1].after == {
        "checked": len(entries) - 1,
        "intact": True,
        "first_broken": None,
    }


async def test_an_admin_curates_a_programmes_catalog_from_the_dashboard(
    console: Console, history: History
) -> None:
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = "/admin/rewards/kudos/catalog"
    _, before = await admin.get(page)

    added, _ = await admin.post(
        f"{page}/add", {"kind": "brand", "value": "Lantern Tea House"}, from_page=page
    )
    refused, problem = await admin.post(
        f"{page}/add", {"kind": "colour", "value": "blue"}, from_page=page
    )
    _, after = await admin.get(page)

    assert "recipients see the whole shop" in before
    assert (added, refused) == (303, 400) and "is not a kind of catalog pick" in problem
    assert "1 of 4 vouchers" in after and "lantern tea house" in after
    assert (OPS, "programme.catalog_add", "kudos") in await console.audit_actions()
    removed, _ = await admin.post(
        f"{page}/remove", {"kind": "brand", "value": "lantern tea house"}, from_page=page
    )
    _, emptied = await admin.get(page)
    assert removed == 303 and "recipients see the whole shop" in emptied
