"""The recognition parts wired together, one concept each; a caller takes the part it needs.

givers    Givers         who may send rewards; reward admins (core.givers) budgets   Budgets
programmes, budgets, peer policies, default programmes (core.budgets) pricing   Pricing        which
programme pays for a typed amount (core.pricing) sender    RewardSender   preview and send, from a
giver, a trusted system or an approval (core.reward_sender) files     FileSends      a bulk file
held as one approval, and sent once approved (core.file_sends) rewards   RewardLife     a sent
reward read, cancelled, reminded and expired (core.reward_life)
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from core.budgets import Budgets
from core.file_sends import FileSends
from core.givers import Givers
from core.ports import Clock, IdFactory, UnitOfWorkFactory
from core.pricing import Pricing
from core.reward_life import RewardLife
from core.reward_sender import RewardSender
from core.reward_sends import HoldGate


class Recognition:
    """Rewards from HR and peers to employees, spent in the checkout (see core.funding)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        configured_admins: Collection[str] = (),
        remind_before: timedelta = timedelta(days=7),
        gate: HoldGate | None = None,
    ) -> None:
        self.givers = Givers(uow=uow, configured_admins=configured_admins)
        self.budgets = Budgets(uow=uow, clock=clock, ids=ids)
        self.pricing = Pricing(self.budgets, self.givers)
        self.sender = RewardSender(uow=uow, clock=clock, ids=ids, givers=self.givers, gate=gate)
        self.files = FileSends(uow=uow, clock=clock, ids=ids, gate=gate)
        self.rewards = RewardLife(uow=uow, clock=clock, ids=ids, remind_before=remind_before)
