"""A programme's redemption options: the FX margin on converted vouchers and whether a card may top
up."""

from __future__ import annotations

from dataclasses import replace

from core.audit import AuditRecord
from core.errors import InvalidRequest
from core.fx import MAX_MARGIN_BPS
from core.ports import UnitOfWorkFactory
from core.rewards import Programme


async def set_options(
    uow_factory: UnitOfWorkFactory,
    programme_id: str,
    actor: str,
    *,
    fx_margin_bps: int | None = None,
    card_topup: bool | None = None,
) -> Programme:
    """Change what is given (None keeps it); audited with the values before and after."""
    if fx_margin_bps is not None and not 0 <= fx_margin_bps <= MAX_MARGIN_BPS:
        raise InvalidRequest(f"An FX margin is from 0% to {MAX_MARGIN_BPS / 100:g}%.")
    async with uow_factory() as uow:
        programme = await uow.programmes.get(programme_id)
        changed = replace(
            programme,
            fx_margin_bps=programme.fx_margin_bps if fx_margin_bps is None else fx_margin_bps,
            card_topup=programme.card_topup if card_topup is None else card_topup,
        )
        await uow.programmes.save(changed)
        uow.audit.record(
            AuditRecord(
                actor, "programme.options", programme.id, _facts(programme), _facts(changed)
            )
        )
        await uow.commit()
    return changed


def _facts(programme: Programme) -> dict[str, object]:
    return {"fx_margin_bps": programme.fx_margin_bps, "card_topup": programme.card_topup}
