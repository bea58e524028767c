"""Security headers on every response (ASGI middleware).

Nothing the hub answers may be cached by a browser or a proxy unless it says so (``no-store``:
tokens, secrets shown once, customers' data); only the docs' static files are cacheable. HTML pages
(the docs, the unsubscribe page) get a policy that allows their own scripts and styles and nothing
from elsewhere; everything else may load nothing at all.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""FastAPI's Swagger UI and ReDoc pages start themselves with an inline script."""
STATIC_CACHE = "public, max-age=86400"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, static_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.static_prefixes = static_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(self.static_prefixes) if self.static_prefixes else False

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("Content-Security-Policy", PAGE_POLICY if html else API_POLICY)
                headers.setdefault("Cache-Control", STATIC_CACHE if static else "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
