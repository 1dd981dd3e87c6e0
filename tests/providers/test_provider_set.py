"""The server's provider set: every reload merges the catalogs and picks up rules another replica
saved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.db import Database, VoucherCipher
from bot.providers import ProviderSet, build_provider_set
from bot.settings import load_settings
from core.catalog import Catalog
from core.catalog_source import LiveCatalog
from core.checkout import Checkout
from core.money import Money
from core.vouchers import VoucherProvider
from tests.fakes import FakeGateway, FixedClock, SequentialIds
from tests.unit.conftest import BOOKS, TEA


async def _no_alert(message: str) -> None:
    return None


@pytest.fixture
async def providers(tmp_path: Path) -> AsyncIterator[ProviderSet]:
    routes = tmp_path / "routes.yaml"
    routes.write_text("default: [builtin]\n", encoding="utf-8")
    settings = load_settings(
        _env_file=None, data_dir=str(tmp_path), provider_routes_file=str(routes)
    )
    database = Database(
        f"sqlite+aiosqlite:///{tmp_path / 'vb.db'}", VoucherCipher(VoucherCipher.generate_key())
    )
    await database.upgrade()
    mapping: dict[str, VoucherProvider] = {}
    catalog = LiveCatalog(Catalog([]))
    checkout = Checkout(
        uow=database.unit_of_work, catalog=catalog, gateway=FakeGateway(), providers=mapping,
        clock=FixedClock(), ids=SequentialIds(), public_base_url="http://127.0.0.1",
    )  # fmt: skip
    found = await build_provider_set(
        settings, database, checkout, catalog, mapping, [BOOKS, TEA], _no_alert
    )
    yield found
    await database.dispose()


async def test_the_builtin_catalog_is_served_and_routed_to_the_builtin_provider(
    providers: ProviderSet,
) -> None:
    assert {p.id for p in providers.checkout.catalog} == {BOOKS.id, TEA.id}
    assert [c.provider for c in providers.route(BOOKS.id, "US", Money(2500, "USD"))] == ["builtin"]
    assert set(providers.providers) == {"builtin"}


async def test_a_reload_picks_up_rules_another_replica_saved_and_a_broken_file_keeps_the_last_good_ones(
    providers: ProviderSet,
) -> None:
    assert providers.routes_file is not None
    providers.routes_file.write_text(
        "rules:\n  - countries: [US]\n    prefer: [builtin]\n", encoding="utf-8"
    )
    await providers.refresh_catalog()
    assert providers.route(BOOKS.id, "US")[0].reason == "preferred by rule 1 (US)"

    providers.routes_file.write_text("rules:\n  - prefer: [giftly]\n", encoding="utf-8")
    await providers.refresh_catalog()
    assert providers.route(BOOKS.id, "US")[0].reason == "preferred by rule 1 (US)"
