"""Which programme pays for a reward: the one named, else the first in the currency typed, else the
giver's default, else the first of all."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import InvalidRequest, ProgrammeNotFound
from core.refusals import Reason
from core.rewards import CurrencyMismatch, Programme


def choose_programme(
    programmes: Sequence[Programme],
    *,
    programme_id: str | None = None,
    currency: str | None = None,
    default: str | None = None,
) -> Programme:
    """The programme a reward comes from; every channel and the HR API choose with this one rule.

    Named by id, it must pay in the currency typed (if one was typed). Otherwise the first programme
    (by id) in the currency typed, or, with no currency typed, the giver's `default` programme if it
    still exists, else the first of all."""
    ordered = sorted(programmes, key=lambda p: p.id)
    if programme_id:
        named = next((p for p in ordered if p.id == programme_id), None)
        if named is None:
            raise ProgrammeNotFound(programme_id)
        if currency is not None and currency != named.currency:
            raise CurrencyMismatch(named.id, named.name, named.currency, currency)
        return named
    chosen = next((p for p in ordered if p.id == default), None) if currency is None else None
    if chosen is not None:
        return chosen
    fitting = [p for p in ordered if currency in (None, p.currency)]
    if not fitting:
        raise InvalidRequest(
            Reason("no_programme_in", currency=currency) if currency else Reason("no_programme")
        )
    return fitting[0]
