"""A rewritten audit entry whose hash was recomputed is still found, in memory and in SQL, and
named."""

from __future__ import annotations

from dataclasses import replace

from adapters.db.oversight import SqlOversight
from core.audit import AuditEntry, AuditRecord, chain, entry_hash, verify
from tests.db.conftest import Backend
from tests.fakes import FixedClock, MemoryStore, MemoryUnitOfWork

OPS = "admin:ops@quiet-harbour.example"


def _rewritten(entry: AuditEntry, **changes: object) -> AuditEntry:
    """The entry with new content and its own hash recomputed, as a careful tamperer would leave
    it."""
    changed = replace(entry, **changes)  # type: ignore[arg-type]
    return replace(changed, hash=changed.expected_hash())


async def _five_acts(uow: MemoryUnitOfWork) -> None:
    for n in range(5):
        uow.audit.record(
            AuditRecord(OPS, "voucher.revealed", f"ord_{n}", None, {"voucher": f"…{n}7K3M"})
        )
        await uow.commit()


async def test_an_entry_rewritten_in_memory_with_its_hash_recomputed_is_named() -> None:
    store = MemoryStore()
    await _five_acts(MemoryUnitOfWork(store, FixedClock()))
    assert verify(store.audit).intact

    store.audit[2] = _rewritten(store.audit[2], actor="system")  # hide who revealed the third code

    report = verify(store.audit)
    assert (report.intact, report.first_broken_seq, report.checked) == (False, 3, 2)
    assert "rewritten" in report.reason and "#4" in report.reason


async def test_a_rewritten_entry_whose_next_link_was_also_forged_is_caught_at_the_next_entry() -> (
    None
):
    store = MemoryStore()
    await _five_acts(MemoryUnitOfWork(store, FixedClock()))
    store.audit[2] = _rewritten(store.audit[2], actor="system")
    store.audit[3] = replace(
        store.audit[3], prev_hash=store.audit[2].hash
    )  # its own hash left as it was

    report = verify(store.audit)

    assert (report.first_broken_seq, report.reason) == (4, "the entry's content was altered")


async def test_an_entry_rewritten_in_the_database_with_its_hash_recomputed_is_named(
    backend: Backend,
) -> None:
    async with backend.database.unit_of_work() as uow:
        for n in range(4):
            uow.audit.record(AuditRecord(OPS, "order.refunded", f"ord_{n}", {"status": "paid"}))
            await uow.commit()
    async with backend.database.unit_of_work() as uow:
        third = (await uow.audit.entries())[2]
    forged = entry_hash(
        third.seq,
        third.at,
        "system",
        third.action,
        third.subject,
        third.before,
        third.after,
        third.prev_hash,
    )

    await backend.execute_raw(
        f"UPDATE audit_entries SET actor = 'system', hash = '{forged}' WHERE seq = 3"
    )

    chain = await SqlOversight.of(backend.database).audit_chain()
    report = verify(chain)
    assert (
        chain[2].actor == "system" and chain[2].hash == chain[2].expected_hash()
    )  # self-consistent
    assert (report.intact, report.first_broken_seq, report.checked) == (False, 3, 2)
    assert "rewritten" in report.reason


def test_an_untouched_chain_and_a_plainly_altered_entry_are_reported_as_before() -> None:
    at = FixedClock().now()
    entries: list[AuditEntry] = []
    for n in range(3):
        entries.append(
            chain(entries[-1] if entries else None, AuditRecord(OPS, f"act.{n}", "ord_1"), at)
        )

    altered = [entries[0], replace(entries[1], actor="mallory"), entries[2]]

    assert verify(entries).intact and verify(entries).checked == 3
    report = verify(altered)
    assert (report.first_broken_seq, report.reason) == (2, "the entry's content was altered")
