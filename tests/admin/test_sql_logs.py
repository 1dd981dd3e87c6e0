"""SQL in logs never carries its values: no code, hash, digest or ciphertext in statement logs or
error text."""

from __future__ import annotations

import logging
import sqlite3
import traceback
from datetime import date

import pytest

from adapters.db.admin_users import SqlAdminAccounts
from adapters.web.admin import hash_password
from core.errors import DuplicateRequest
from core.money import Money
from core.oversight.accounts import AdminRole, AdminSession, AdminUser
from core.vouchers import Voucher
from tests.db.conftest import ADA, Backend, new_order

CODE, PIN = "QHB-SECRET-CODE-9Z7Q", "PIN-QUIET-HARBOUR-5521"
SESSION_DIGEST = "d1" * 32


def _voucher(backend: Backend) -> Voucher:
    return Voucher(
        id="vch_logged", order_id="ord_logged", product_id="quiet-harbour-books", amount=Money(2500, "USD"),
        owner=ADA, code=CODE, pin=PIN, expires_on=date(2027, 11, 26), issued_at=backend.clock.now(),
        provider="builtin", provider_reference="po-logged",
    )  # fmt: skip


async def _stored_ciphertext(backend: Backend) -> str:
    if backend.sqlite_path is not None:
        with sqlite3.connect(backend.sqlite_path) as connection:
            (value,) = connection.execute("SELECT code_enc FROM vouchers").fetchone()
        return str(value)
    # PostgreSQL: the plaintext and the hashes are what matter; SQLite shows the ciphertext too
    return ""


async def test_a_debug_log_of_every_query_and_a_database_error_show_no_secret_value(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    accounts = SqlAdminAccounts.of(backend.database)
    password_hash = hash_password("correct horse battery staple")
    user = AdminUser(
        "ops@quiet-harbour.example", AdminRole.ADMIN, password_hash, backend.clock.now()
    )
    now = backend.clock.now()
    async with backend.database.unit_of_work() as uow:
        await uow.orders.add(new_order("ord_logged", at=now))
        await uow.vouchers.add(_voucher(backend))
        await uow.commit()
    await accounts.add(user)
    await accounts.open_session(AdminSession(SESSION_DIGEST, user.email, user.role, now, now, now))
    with pytest.raises(DuplicateRequest) as duplicate:
        await accounts.add(user)
    with pytest.raises(DuplicateRequest) as second_voucher:
        async with backend.database.unit_of_work() as uow:
            await uow.vouchers.add(_voucher(backend))
            await uow.commit()

    errors = "".join(traceback.format_exception(duplicate.value)) + "".join(
        traceback.format_exception(second_voucher.value)
    )
    logged = caplog.text
    assert "INSERT INTO admin_users" in logged and "INSERT INTO vouchers" in logged  # the log is on
    ciphertext = await _stored_ciphertext(backend)
    for secret in (CODE, PIN, password_hash, SESSION_DIGEST, *([ciphertext] if ciphertext else [])):
        assert secret not in logged, "a SQL log shows a stored value"
        assert secret not in errors, "a database error's text shows a stored value"
    assert "parameters hidden" in logged
