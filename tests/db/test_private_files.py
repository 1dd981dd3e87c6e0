"""The SQLite database is created readable by its owner only: the file 0600, a folder it creates
0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from adapters.db import Database, VoucherCipher
from tests.db.conftest import KEY, new_order
from tests.fakes import FixedClock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_sqlite_database_and_its_folder_are_owner_only_under_a_lax_umask(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data" / "nested" / "voucherbot.db"
    clock = FixedClock()
    lax = os.umask(0o002)
    try:
        database = Database(f"sqlite+aiosqlite:///{path}", VoucherCipher(KEY), clock=clock)
        await database.upgrade()
        async with database.unit_of_work() as uow:
            await uow.orders.add(new_order("ord_private", at=clock.now()))
            await uow.commit()
        journals = [p for p in path.parent.iterdir() if p.name != path.name]
        modes = {p.name: _mode(p) for p in [path, *journals]}
        await database.dispose()
    finally:
        os.umask(lax)

    assert _mode(path.parent) == 0o700
    assert modes == {name: 0o600 for name in modes} and path.name in modes
