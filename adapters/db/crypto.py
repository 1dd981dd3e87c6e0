"""Encryption at rest for voucher codes, PINs and other secrets the database must not hold in
plaintext."""

from __future__ import annotations

import binascii
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CipherError(Exception):
    """A stored secret cannot be decrypted: the encryption key is not the one it was written
    with."""


class VoucherCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with optional previous keys, so a key can be rotated."""

    def __init__(self, key: bytes, *, previous_keys: Sequence[bytes] = ()) -> None:
        self._fernet = MultiFernet([_fernet(k) for k in (key, *previous_keys)])

    @staticmethod
    def generate_key() -> bytes:
        """A new random key: 32 bytes, url-safe base64 encoded (44 characters)."""
        return Fernet.generate_key()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise CipherError(
                "a stored secret cannot be decrypted with the configured key"
            ) from exc


def _fernet(key: bytes) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(
            "the voucher encryption key must be 32 url-safe base64-encoded bytes "
            "(VoucherCipher.generate_key())"
        ) from exc
