"""Dashboard passwords: argon2id hashes (argon2-cffi), checked off the event loop, and a length
rule."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" would only cost us CPU


def password_problems(password: str) -> list[str]:
    """Why a new password is refused (empty list: it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"A password can have at most {MAX_LENGTH} characters.")
    if password.strip() != password:
        problems.append("A password cannot start or end with a space.")
    return problems


def hash_password(password: str) -> str:
    """A salted argon2id hash in PHC format (`$argon2id$v=19$m=…`)."""
    return _hasher().hash(password)


async def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches; the check takes tens of milliseconds, so it runs in a thread."""
    if len(password) > MAX_LENGTH:
        return False
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (re-hash at the next
    sign-in)."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def decoy_hash() -> str:
    """A hash no password matches, checked for unknown emails so they take as long as known ones."""
    return _hasher().hash("voucherbot: no such dashboard user")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 60 ms per check on
    # 2 cores, where argon2-cffi's defaults (64 MiB, 4 lanes) took 450 ms and let sign-ins queue up.
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
