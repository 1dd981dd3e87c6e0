"""The Teams bot's desks, built once and shared by the pieces that route to them: each desk turns
one kind of request into core calls."""

from __future__ import annotations

from dataclasses import dataclass
from ssl import SSLContext

from adapters.teams.collections import CollectionDesk
from adapters.teams.extension import RewardExtension
from adapters.teams.gift_extension import GiftExtension
from adapters.teams.gifts import GiftDesk
from adapters.teams.payment import Payment
from adapters.teams.people import EmailDirectory
from adapters.teams.reward_bulk import BulkRewards
from adapters.teams.reward_requests import RewardRequests
from adapters.teams.reward_spending import RewardSpending
from adapters.teams.rewards import RewardAccess
from adapters.teams.shop import Shop
from adapters.teams.wallet import Wallet
from core.approvals import Approvals
from core.checkout import Checkout
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.ports import Directory, PendingConfirmations
from core.recognition import Recognition


@dataclass(frozen=True)
class Desks:
    """One of each desk; the reward desks share one RewardAccess, the gift ones one GiftDesk."""

    shop: Shop
    payment: Payment
    wallet: Wallet
    rewards: RewardRequests
    spending: RewardSpending
    bulk: BulkRewards
    reward_extension: RewardExtension
    gifts: GiftDesk
    gift_extension: GiftExtension
    collections: CollectionDesk
    approvals: Approvals | None

    @classmethod
    def build(
        cls,
        checkout: Checkout,
        app_id: str = "",
        recognition: Recognition | None = None,
        directory: Directory | None = None,
        ssl: SSLContext | None = None,
        confirmations: PendingConfirmations | None = None,
        gifts: Gifts | None = None,
        approvals: Approvals | None = None,
        group_gifts: GroupGifts | None = None,
    ) -> Desks:
        access = RewardAccess(recognition, confirmations)
        emails = EmailDirectory(directory)
        requests = RewardRequests(access)
        spending = RewardSpending(checkout, access)
        gift_desk = GiftDesk(checkout, gifts)
        return cls(
            shop=Shop(checkout, spending),
            payment=Payment(checkout),
            wallet=Wallet(checkout, app_id),
            rewards=requests,
            spending=spending,
            bulk=BulkRewards(access, emails, ssl),
            reward_extension=RewardExtension(access, emails, requests),
            gifts=gift_desk,
            gift_extension=GiftExtension(gift_desk, checkout, app_id),
            collections=CollectionDesk(group_gifts, gifts, app_id),
            approvals=approvals,
        )
