"""Hash-chained audit entries: every state change and administrative act, tamper-evident."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.refusals import Reason

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain: who did what to which subject, before and after."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        return entry_hash(
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.subject,
            self.before,
            self.after,
            self.prev_hash,
        )


@dataclass(frozen=True)
class AuditRecord:
    """An audit fact before it is chained (the unit of work chains it on commit)."""

    actor: str
    action: str
    subject: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    body = json.dumps(
        [seq, at.isoformat(), actor, action, subject, before, after, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def chain(previous: AuditEntry | None, record: AuditRecord, at: datetime) -> AuditEntry:
    """The entry that follows `previous` for `record`."""
    seq = previous.seq + 1 if previous else 1
    prev_hash = previous.hash if previous else GENESIS
    digest = entry_hash(
        seq, at, record.actor, record.action, record.subject, record.before, record.after, prev_hash
    )
    return AuditEntry(
        seq,
        at,
        record.actor,
        record.action,
        record.subject,
        record.before,
        record.after,
        prev_hash,
        digest,
    )


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify(entries: Iterable[AuditEntry]) -> ChainReport:
    """Walk the chain in order; report the first entry whose link or content was altered.

    Each hash covers the previous entry's hash, so an entry rewritten with its own hash recomputed
    still breaks the next link. When that next entry is itself intact, it sealed the original
    content of the one before it: the rewritten entry is the one reported.
    """
    previous: AuditEntry | None = None
    previous_hash, expected_seq, checked = GENESIS, 1, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, Reason("chain_entry_missing"))
        if entry.prev_hash != previous_hash:
            if previous is not None and entry.hash == entry.expected_hash():
                return ChainReport(
                    checked - 1,
                    previous.seq,
                    Reason("chain_entry_rewritten", sealer=str(entry.seq)),
                )
            return ChainReport(checked, entry.seq, Reason("chain_link_broken"))
        if entry.hash != entry.expected_hash():
            return ChainReport(checked, entry.seq, Reason("chain_entry_altered"))
        previous, previous_hash, expected_seq, checked = (
            entry,
            entry.hash,
            expected_seq + 1,
            checked + 1,
        )
    return ChainReport(checked)
