"""Signed access tokens (JWT, HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from hub.errors import Unauthorized

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    kind: str
    generation: int
    """A user's token generation when it was issued: a password change moves the user's on."""


def issue_token(
    secret: str, *, subject: str, kind: str, ttl: timedelta, now: datetime | None = None, generation: int = 0
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": subject,
        "kind": kind,
        "gen": generation,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_claims(secret: str, token: str) -> TokenClaims:
    """The claims of a valid token; Unauthorized otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the access token has expired; sign in again") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid access token") from exc
    generation = claims.get("gen", 0)
    return TokenClaims(
        subject=str(claims["sub"]),
        kind=str(claims.get("kind", "user")),
        generation=generation if isinstance(generation, int) else -1,
    )


def read_token(secret: str, token: str) -> tuple[str, str]:
    """(subject, kind) of a valid token; Unauthorized otherwise."""
    claims = read_claims(secret, token)
    return claims.subject, claims.kind
