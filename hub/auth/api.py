"""Auth's public module for other domains: password hashing and access tokens."""

from hub.auth.passwords import DUMMY_HASH, hash_password, verify_password
from hub.auth.schemas import TokenOut
from hub.auth.tokens import issue_token

__all__ = ["DUMMY_HASH", "TokenOut", "hash_password", "issue_token", "verify_password"]
