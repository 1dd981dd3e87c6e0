"""Curated programme catalogs: an admin picks the products, brands, countries or categories a
programme offers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core.catalog import Product
from core.errors import InvalidRequest


class RuleKind(StrEnum):
    PRODUCT = "product"
    BRAND = "brand"
    COUNTRY = "country"
    CATEGORY = "category"


@dataclass(frozen=True)
class CatalogRule:
    """One pick of a programme's catalog: `kind` and its value (a product id, brand, country or
    category)."""

    programme_id: str
    kind: RuleKind
    value: str

    @classmethod
    def of(cls, programme_id: str, kind: str, value: str) -> CatalogRule:
        """A rule from what an admin typed; InvalidRequest for an unknown kind or an empty value."""
        try:
            rule_kind = RuleKind(kind.strip().lower())
        except ValueError:
            kinds = ", ".join(k.value for k in RuleKind)
            raise InvalidRequest(
                f"'{kind}' is not a kind of catalog pick: use one of {kinds}."
            ) from None
        text = value.strip()
        if not text or len(text) > 200:
            raise InvalidRequest("A catalog pick needs a value of 1 to 200 characters.")
        normal = (
            text.upper()
            if rule_kind is RuleKind.COUNTRY
            else text
            if rule_kind is RuleKind.PRODUCT
            else text.lower()
        )
        return cls(programme_id, rule_kind, normal)


class Curation:
    """A programme's catalog: no rules offer the whole shop; otherwise a product picked by id, or
    one that matches every kind picked (any brand picked, in any country picked, of any category
    picked)."""

    def __init__(self, rules: Iterable[CatalogRule]) -> None:
        self.rules = tuple(rules)
        self._by_kind: dict[RuleKind, set[str]] = {}
        for rule in self.rules:
            self._by_kind.setdefault(rule.kind, set()).add(rule.value)

    @property
    def curated(self) -> bool:
        return bool(self.rules)

    def admits(self, product: Product) -> bool:
        if not self.rules or product.id in self._by_kind.get(RuleKind.PRODUCT, set()):
            return True
        picks = {
            kind: values for kind, values in self._by_kind.items() if kind is not RuleKind.PRODUCT
        }
        if not picks:
            return False  # only products were picked, and this is not one of them
        return all(_matches(product, kind, values) for kind, values in picks.items())


def _matches(product: Product, kind: RuleKind, values: set[str]) -> bool:
    if kind is RuleKind.BRAND:
        return product.brand.lower() in values
    if kind is RuleKind.COUNTRY:
        return not product.countries or bool(values & set(product.countries))
    return bool(values & set(product.categories))


class NotInProgrammeCatalog(InvalidRequest):
    """The product is outside the curated catalog of the reward's programme."""

    def __init__(self, product_id: str, programme_name: str) -> None:
        super().__init__(
            f"This voucher is not in the {programme_name} catalog. Choose one from the reward's "
            f"catalog."
        )
        self.product_id = product_id
        self.programme_name = programme_name


class CurationStore(Protocol):
    """Where programmes' catalog picks are kept."""

    async def rules(self, programme_id: str) -> Sequence[CatalogRule]: ...

    async def all(self) -> Sequence[CatalogRule]: ...

    async def add(self, rule: CatalogRule) -> bool: ...

    async def remove(self, rule: CatalogRule) -> bool: ...
