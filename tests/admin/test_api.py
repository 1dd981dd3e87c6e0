"""The JSON API for scripts: the same reads as the pages, filtered and paged, codes masked."""

from __future__ import annotations

import json
from typing import Any

from tests.admin.conftest import ADMIN_TOKEN, GRACE, Console, History

BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _get(console: Console, path: str) -> tuple[int, Any]:
    client = await console.client()
    status, body = await client.get(path, headers=BEARER)
    return status, json.loads(body)


async def test_orders_are_listed_newest_first_with_filters_and_pages(
    console: Console, history: History
) -> None:
    status, everything = await _get(console, "/admin/api/orders?per_page=200")
    _, teams = await _get(console, "/admin/api/orders?channel=teams&status=delivered&per_page=200")
    _, first = await _get(console, "/admin/api/orders?per_page=5")
    _, second = await _get(console, "/admin/api/orders?per_page=5&page=2")

    created = [order["created_at"] for order in everything["orders"]]
    assert status == 200 and created == sorted(created, reverse=True)
    assert everything["total"] == len(everything["orders"]) == 35
    assert {(o["buyer"]["platform"], o["status"]) for o in teams["orders"]} == {
        ("teams", "delivered")
    }
    assert [o["id"] for o in first["orders"] + second["orders"]] == [
        o["id"] for o in everything["orders"][:10]
    ]
    assert (first["pages"], second["page"]) == (7, 2)


async def test_search_finds_an_order_by_its_payment_intent(
    console: Console, history: History
) -> None:
    intent = (await console.order(history.delivered)).payment_intent_id

    _, found = await _get(console, f"/admin/api/orders?q={intent}")

    assert [order["id"] for order in found["orders"]] == [history.delivered]


async def test_one_order_has_its_timeline_deliveries_audit_and_a_masked_voucher(
    console: Console, history: History
) -> None:
    code = await console.voucher_code(history.delivered)

    status, detail = await _get(console, f"/admin/api/orders/{history.delivered}")

    assert status == 200
    assert detail["order"]["buyer"]["name"] == GRACE.name
    assert detail["voucher"]["code"] == "••••" + code[-4:]
    assert code not in json.dumps(detail)
    assert [
        step["source"] for step in detail["timeline"] if step["title"] == "Payment confirmed"
    ] == ["Stripe webhook"]
    assert {d["status"] for d in detail["deliveries"]} == {"sent"}
    assert detail["audit"][0]["action"] == "order.created"


async def test_the_audit_trail_is_filtered_by_action(console: Console, history: History) -> None:
    _, paid = await _get(console, "/admin/api/audit?action=order.paid&per_page=200")
    _, budget = await _get(console, "/admin/api/audit?action=budget.&subject=kudos")

    assert paid["entries"] and {e["action"] for e in paid["entries"]} == {"order.paid"}
    assert {e["actor"] for e in paid["entries"]} == {
        "stripe",
        "reward",
    }  # by card, and one by a reward
    assert [e["action"] for e in budget["entries"]] == ["budget.credit"]


async def test_bad_filters_and_unknown_orders_are_answered_plainly(console: Console) -> None:
    bad_status, bad = await _get(console, "/admin/api/orders?status=lost&from=yesterday")
    missing_status, missing = await _get(console, "/admin/api/orders/ord_NOPE")

    assert bad_status == 400
    assert bad["problems"] == [
        (
            "Status: 'lost' is not one of created, awaiting_payment, paid, issuing, issued, "
            "delivered, failed, "
            "cancelled, refunded, expired."
        ),
        "From: 'yesterday' is not a date (YYYY-MM-DD).",
    ]
    assert (missing_status, missing["error"]) == (404, "There is no order 'ord_NOPE'.")
