"""Mosquitto's password hash (``$7$``: PBKDF2-HMAC-SHA512), for the brokers' password files.

The hub knows a device's secret only when it creates or rotates it; it keeps this hash next to its
own argon2 hash, so the broker's password file can be written again at any time without the secret.
The format is what ``mosquitto_passwd`` writes: ``$7$<iterations>$<base64 salt>$<base64 hash>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ITERATIONS = 101
"""mosquitto_passwd's own default. Device secrets are 192 random bits: no dictionary to guess from."""
SALT_BYTES = 12


def mosquitto_hash(secret: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode("utf-8"), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_mosquitto_hash(stored: str, secret: str) -> bool:
    try:
        _, kind, iterations, salt, digest = stored.split("$")
        if kind != "7":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac("sha512", secret.encode("utf-8"), base64.b64decode(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(expected, got)
