"""Storage: the database, and the key that encrypts codes, PINs and Slack tokens at rest."""

from __future__ import annotations

import logging
import os

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from bot.settings import Settings

log = logging.getLogger(__name__)


def voucher_key(settings: Settings) -> bytes:
    """The encryption key for codes and PINs; for local runs, created once in a private file."""
    if settings.voucher_encryption_key is not None:
        return settings.voucher_encryption_key.get_secret_value().encode()
    path = settings.data_dir / "voucher.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(VoucherCipher.generate_key())
        log.warning(
            "VOUCHER_ENCRYPTION_KEY is not set: created a local key file", extra={"path": str(path)}
        )
    return path.read_bytes().strip()


def cipher(settings: Settings) -> VoucherCipher:
    """What encrypts codes, PINs and Slack tokens at rest, with the previous keys still readable."""
    previous = [key.get_secret_value().encode() for key in settings.voucher_previous_keys]
    return VoucherCipher(voucher_key(settings), previous_keys=previous)


async def open_database(settings: Settings) -> Database:
    """The database, its schema brought up to date."""
    database = Database(settings.resolved_database_url, cipher(settings))
    await database.upgrade()
    return database
