"""A programme's curated catalog in Teams: the reward opens only what the admin picked."""

from __future__ import annotations

from core.curation import CatalogRule
from tests.fake_curations import FakeCurations
from tests.teams.conftest import ADA, COFFEE, TeamsWorld, as_member, card_text, press
from tests.teams.test_rewards import personal_chat
from tests.teams.test_rewards_abroad import open_catalog
from tests.teams.test_rewards_redeem import delivered_rewards
from tests.unit.conftest import BOOKS

IN_THE_US = {"type": "clientInfo", "locale": "en-US", "country": "US"}


async def test_a_curated_catalog_hides_everything_else_and_refuses_a_forged_choice(
    rewarding: TeamsWorld,
) -> None:
    rewarding.checkout.curations = FakeCurations(CatalogRule.of("kudos", "brand", COFFEE.brand))
    await delivered_rewards(rewarding)

    catalog = await open_catalog(rewarding, ADA, IN_THE_US)

    text = card_text(catalog.card)
    assert COFFEE.brand in text and BOOKS.brand not in text and "1 voucher" in text
    me = as_member(rewarding, ADA, personal_chat(ADA))
    forged = {**press(catalog.card, "Choose", product=COFFEE.id), "product": BOOKS.id}
    await rewarding.post(rewarding.submit(me, catalog, forged))
    product = rewarding.connector.delivered()[-1]
    await rewarding.post(
        rewarding.submit(
            me, product, press(product.card, "Continue to payment", {"amount": "10.00"})
        )
    )

    answer = rewarding.connector.delivered()[-1]
    assert "not in the Kudos catalog" in answer.text + "".join(card_text(c) for c in answer.cards)
    assert rewarding.store.orders == {} and rewarding.gateway.intents == {}
