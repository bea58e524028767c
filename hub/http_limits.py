"""Request body size limit, enforced before anything parses the body (ASGI middleware).

A body whose ``Content-Length`` is over the limit is refused with 413 without reading a byte of it;
a body without one (chunked) is counted as it streams and refused as soon as it passes the limit.
Paths that take files may have a larger limit, but only a caller with a valid Bearer token may send
more than the default: a stranger's upload is refused (401) before it is read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.auth.tokens import read_claims
from hub.errors import Unauthorized
from hub.problems import problem_response

logger = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    """Raised from ``receive`` when the streamed body passes the limit."""


@dataclass
class _Progress:
    received: int = 0
    exceeded: bool = False
    started: bool = False
    replaced: bool = False


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, raised: Mapping[str, int] | None = None, secret: str = ""
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.raised = dict(raised or {})
        self.secret = secret

    def limit_for(self, path: str) -> int:
        matches = [limit for prefix, limit in self.raised.items() if path.startswith(prefix)]
        return max(matches) if matches else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        may_exceed_default = self._signed_in(scope) if limit > self.max_bytes else True
        if declared is not None and declared > self.max_bytes and not may_exceed_default:
            await _unauthorized(scope, receive, send)
            return
        allowed = limit if may_exceed_default else self.max_bytes
        state = _Progress()

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state.received += len(message.get("body", b""))
                if state.received > allowed:
                    state.exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state.exceeded and not state.started:
                # Whatever the app made of the broken body (FastAPI turns it into a 400), the answer is 413.
                state.started = state.replaced = True
                await self._refuse(scope, receive, send, allowed)
                return
            if state.replaced:
                return
            if message["type"] == "http.response.start":
                state.started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if not state.started:
                await self._refuse(scope, receive, send, allowed)

    def _signed_in(self, scope: Scope) -> bool:
        header = _header(scope, b"authorization")
        if header is None or not header.lower().startswith("bearer "):
            return False
        try:
            read_claims(self.secret, header[7:].strip())
        except Unauthorized:
            return False
        return True

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        logger.warning("request body over %d bytes refused on %s %s", limit, scope.get("method"), scope.get("path"))
        response = problem_response(
            413,
            "Content too large",
            f"the request body may have at most {limit} bytes",
            code="request.too_large",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


async def _unauthorized(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        401,
        "Unauthorized",
        "sign in (Bearer token) before sending a large body",
        code="unauthorized",
        headers={"WWW-Authenticate": "Bearer", "Connection": "close"},
    )
    await response(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())
