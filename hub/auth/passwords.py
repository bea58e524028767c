"""Password hashing with argon2; device secrets use the same. Requests hash through ``hub.auth.hashing``."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


DUMMY_HASH = hash_password("timing-equaliser-not-a-password")
"""Verified against when a user does not exist, so timing does not reveal usernames."""
