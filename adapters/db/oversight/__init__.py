"""The dashboard's read queries over SQL (core.oversight.port.Oversight): filtered, paged,
aggregated in the database; one module per family of queries."""

from __future__ import annotations

from adapters.db.database import Database
from adapters.db.oversight.audit import AuditReads
from adapters.db.oversight.gifts import GiftReads
from adapters.db.oversight.orders import OrderReads
from adapters.db.oversight.rewards import RewardReads


class SqlOversight(OrderReads, AuditReads, RewardReads, GiftReads):
    """Implements core.oversight.port.Oversight; every call reads in its own short transaction."""

    @classmethod
    def of(cls, database: Database) -> SqlOversight:
        """The oversight of what `database` stores (its engine, and its key to mask voucher
        codes)."""
        # The façade keeps these to itself; this package shares them.
        return cls(database._sessions, database._gate, database._cipher)
