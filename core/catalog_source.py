"""Where the catalog in use comes from: a port every reader calls, and the live one syncs
replace."""

from __future__ import annotations

from typing import Protocol

from core.catalog import Catalog


class CatalogSource(Protocol):
    """Returns the catalog in use now; read it on each use, never keep what it returned."""

    def __call__(self) -> Catalog: ...


class LiveCatalog:
    """The catalog the server offers, replaced whole when providers' catalogs are merged again
    (bot.providers); the checkout, the outbox relay and the dashboard all read this one."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def __call__(self) -> Catalog:
        return self._catalog

    def replace(self, catalog: Catalog) -> None:
        self._catalog = catalog
