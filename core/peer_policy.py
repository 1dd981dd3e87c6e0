"""A peer programme's policy: what each person may give from it a month, and whether it is
announced."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeerPolicy:
    """What each person may give from a peer programme a month (minor units), and whether it is
    announced."""

    programme_id: str
    monthly_allowance: int
    per_recipient_monthly: int | None = None
    shout_out: bool = False
