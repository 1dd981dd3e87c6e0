"""CSV exports of orders and of the audit trail, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from core.audit import AuditEntry
from core.money import Money
from core.oversight.lines import OrderLine

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"); `;`
# and `|` too, where a locale's list separator or a DDE pipe (`cmd|' /C calc'!A0`) turns them so.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", ";", "|")

ORDER_COLUMNS = (
    "order_id", "created_at", "updated_at", "status", "amount", "currency", "product_id",
    "product", "buyer_name", "buyer_platform", "buyer_tenant", "buyer_user_id",
    "payment_intent_id", "reward_id", "paid_by_reward", "failure_reason",
)  # fmt: skip
AUDIT_COLUMNS = ("seq", "at", "actor", "action", "subject", "before", "after", "prev_hash", "hash")


def safe_cell(value: object) -> str:
    """The cell's text, with a leading quote if a spreadsheet would otherwise read it as a
    formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def order_row(line: OrderLine, product_name: Callable[[str], str]) -> list[object]:
    return [
        line.order_id,
        line.created_at.isoformat(),
        line.updated_at.isoformat(),
        str(line.status),
        line.amount.major(),
        line.amount.currency,
        line.product_id,
        product_name(line.product_id),
        line.buyer.name,
        line.buyer.platform,
        line.buyer.tenant,
        line.buyer.user_id,
        line.payment_intent_id or "",
        line.reward_id or "",
        Money(line.reward_minor, line.amount.currency).major() if line.reward_minor else "",
        line.failure_reason,
    ]


def audit_row(entry: AuditEntry) -> list[object]:
    return [
        entry.seq,
        entry.at.isoformat(),
        entry.actor,
        entry.action,
        entry.subject,
        _json(entry.before),
        _json(entry.after),
        entry.prev_hash,
        entry.hash,
    ]


def _json(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, default=str)
