"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_production_hasher = PasswordHasher()
# Cheap parameters for the test suite only (PASSWORD_HASH_FAST); never used in production.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _fast_hasher if current_app.config.get("PASSWORD_HASH_FAST") else _production_hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# Compared against when the login names no account, so both paths cost the same time.
def dummy_verify(password: str) -> None:
    verify_password(_dummy_hash(), password)


_dummy_hashes: dict[bool, str] = {}


def _dummy_hash() -> str:
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    if fast not in _dummy_hashes:
        _dummy_hashes[fast] = _hasher().hash("no-such-account-placeholder")
    return _dummy_hashes[fast]
