"""Signed access tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from hub.errors import Unauthorized

ALGORITHM = "HS256"


def issue_token(secret: str, *, subject: str, kind: str, ttl: timedelta, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {"sub": subject, "kind": kind, "iat": int(issued.timestamp()), "exp": int((issued + ttl).timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> tuple[str, str]:
    """(subject, kind) of a valid token; Unauthorized otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the access token has expired; sign in again") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid access token") from exc
    return str(claims["sub"]), str(claims.get("kind", "user"))
