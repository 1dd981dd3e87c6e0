"""A programme's curated catalog in Slack: the reward opens only what the admin picked."""

from __future__ import annotations

import json

from core.curation import CatalogRule
from tests.fake_curations import FakeCurations
from tests.slack.conftest import ADA, KUDOS, SlackWorld
from tests.slack.test_rewards import dm, in_dm
from tests.slack.test_rewards_abroad import open_catalog, with_rates


async def test_a_curated_catalog_hides_everything_else_and_refuses_a_forged_choice(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    with_rates(slack)
    slack.fake.locales[ADA] = "de-DE"
    slack.checkout.curations = FakeCurations(CatalogRule.of(KUDOS, "brand", "Lantern Tea House"))

    text = await open_catalog(slack)

    assert (
        "Lantern Tea House" in text
        and "Copper Kettle Coffee" not in text
        and "Quiet Harbour" not in text
    )
    catalog = slack.fake.messages_in(dm(ADA))[-1]
    forged = json.loads(json.dumps(catalog.blocks).replace("lantern-tea", "copper-kettle-coffee"))
    await in_dm(slack, ADA, catalog, "vb_choose:0", "ada-choose", forged)
    card = await slack.wait_for_response("ada-choose")
    await in_dm(
        slack, ADA, catalog, "vb_denomination:0", "ada-buy", card["blocks"]
    )  # Copper Kettle €10
    refusal = await slack.wait_for_response("ada-buy")

    # Ada reads Slack in German: the refusal is worded from its data in her language
    assert "nicht im Katalog von Kudos" in json.dumps(refusal)
    assert slack.store.orders == {} and slack.gateway.intents == {}
