"""Card data can be forged by anyone in the tenant: order and reward actions check who is asking."""

from __future__ import annotations

from typing import Any

from tests.teams.conftest import COFFEE, GRACE, TeamsWorld, press

NOT_YOURS = "Only the person who placed this order can do that."


async def _order_card(teams: TeamsWorld) -> tuple[dict[str, Any], dict[str, Any]]:
    """Tien orders a $5 coffee card in his personal chat; his message and the order card."""
    message = teams.personal("vouchers coffee")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(
        teams.submit(message, catalog, press(catalog.card, "Choose", product=COFFEE.id))
    )
    product = teams.connector.delivered()[-1]
    await teams.post(
        teams.submit(
            message, product, press(product.card, "Continue to payment", {"amount": "5.00"})
        )
    )
    return message, teams.connector.delivered()[-1].card


def _as_grace(activity: dict[str, Any]) -> dict[str, Any]:
    return {**activity, "from": {"id": GRACE.id, "name": GRACE.name, "aadObjectId": GRACE.aad}}


async def test_pay_with_someone_elses_order_id_opens_no_checkout(teams: TeamsWorld) -> None:
    message, order_card = await _order_card(teams)

    response = await teams.post(_as_grace(teams.task_fetch(message, press(order_card, "Pay $5"))))

    body = await response.json()
    assert response.status == 200
    assert body["task"] == {"type": "message", "value": NOT_YOURS}
    assert teams.order().checkout_token not in str(body)


async def test_the_pay_button_sent_as_a_plain_submit_by_someone_else_gets_no_link(
    teams: TeamsWorld,
) -> None:
    message, order_card = await _order_card(teams)
    card = teams.connector.delivered()[-1]
    before = len(teams.connector.delivered())

    await teams.post(_as_grace(teams.submit(message, card, press(order_card, "Pay $5"))))

    (answer,) = teams.connector.delivered()[before:]
    assert answer.text == NOT_YOURS and teams.order().checkout_token not in str(answer.body)


async def test_the_buyer_still_gets_the_link_from_a_plain_submit(teams: TeamsWorld) -> None:
    message, order_card = await _order_card(teams)
    card = teams.connector.delivered()[-1]

    await teams.post(teams.submit(message, card, press(order_card, "Pay $5")))

    assert teams.connector.delivered()[-1].text.endswith(
        f"/checkout/{teams.order().checkout_token}"
    )
