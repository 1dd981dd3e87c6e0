"""Which programme pays: named, else by the currency typed, else the giver's default, else the
first."""

from __future__ import annotations

import pytest

from core.errors import ProgrammeNotFound
from core.identity import ChatUser
from core.programmes import choose_programme
from core.recognition import Recognition
from core.rewards import Programme
from tests.fakes import FixedClock, MemoryStore, MemoryUnitOfWork, SequentialIds

KUDOS = Programme("kudos", "Harbour Kudos", "USD")
DANKE = Programme("danke", "Danke", "EUR")
THANKS = Programme("thanks", "Harbour Thanks", "USD")
ALL = [KUDOS, DANKE, THANKS]
HANA = ChatUser("slack", "T0HARBOUR", "U0HR", "Hana from HR")


def test_with_neither_id_nor_currency_the_givers_default_is_chosen() -> None:
    assert choose_programme(ALL, default="thanks") is THANKS


def test_a_currency_typed_wins_over_the_default() -> None:
    assert choose_programme(ALL, currency="USD", default="danke") is KUDOS


def test_a_programme_named_wins_over_the_default() -> None:
    assert choose_programme(ALL, programme_id="kudos", default="thanks") is KUDOS


def test_a_default_that_no_longer_exists_falls_back_to_the_first_programme() -> None:
    assert choose_programme(ALL, default="gone") is DANKE


async def test_a_default_set_for_a_giver_is_used_for_their_rewards_only() -> None:
    store, clock = MemoryStore(), FixedClock()
    recognition = Recognition(
        uow=lambda: MemoryUnitOfWork(store, clock),
        clock=clock,
        ids=SequentialIds(),
        configured_admins={"slack:U0HR", "slack:U0LIN"},
    )
    for programme in ALL:
        await recognition.budgets.create_programme(programme, "test")

    await recognition.budgets.set_default_programme("slack:U0HR", "thanks", "cli:operator")
    with pytest.raises(ProgrammeNotFound):
        await recognition.budgets.set_default_programme("slack:U0HR", "gone", "cli:operator")

    assert (await recognition.pricing.programme_for(giver=HANA)).id == "thanks"
    assert (
        await recognition.pricing.programme_for(
            giver=ChatUser("slack", "T0HARBOUR", "U0LIN", "Lin")
        )
    ).id == "danke"
    assert (await recognition.pricing.programme_for(currency="USD", giver=HANA)).id == "kudos"
