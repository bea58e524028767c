"""A small HTTP endpoint on the Pi for the store's POS: ``POST /orders``, ``GET /orders/{local id}``
(``taken`` or ``refused`` by the hub, with the reason), ``GET /health``, ``GET /menu``.

HTTP/1.1 over asyncio streams, one request per connection, JSON in and out, errors as RFC 9457
problem+json. Runs on loopback or the store LAN only; it is not the hub's API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from contracts.base import Identifier, LongText, ShortText
from contracts.store_orders import StoreOrderLine
from edge_agent.errors import OrderRejected
from edge_agent.pos_desk import PosDesk

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
READ_TIMEOUT_S = 10.0


class PosOrderIn(BaseModel):
    local_order_id: Identifier
    """The POS's own id for the order: sending it twice takes the order once."""
    order_number: ShortText | None = None
    lines: list[StoreOrderLine] = Field(min_length=1, max_length=200)
    notes: LongText | None = None
    customer_phone: ShortText | None = None


class _HttpError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class PosHttpServer:
    def __init__(self, desk: PosDesk, health: Callable[[], dict[str, Any]], *, host: str, port: int) -> None:
        self._desk = desk
        self._health = health
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("POS endpoint on http://%s:%d/orders", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                method, path, body = await _read_request(reader)
            status, payload = await self._route(method, path, body)
            await _respond(writer, status, payload, "application/json")
        except _HttpError as exc:
            problem = {
                "type": "about:blank",
                "title": HTTPStatus(exc.status).phrase,
                "status": exc.status,
                "detail": exc.detail,
            }
            await _respond(writer, exc.status, problem, "application/problem+json")
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            logger.exception("POS endpoint failed on a request")
            with contextlib.suppress(Exception):
                await _respond(writer, 500, {"status": 500, "title": "Internal Server Error"}, "application/json")
        finally:
            writer.close()

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        path = path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/orders":
            if method != "POST":
                raise _HttpError(405, "use POST /orders")
            return await self._post_order(body)
        if path.startswith("/orders/") and method == "GET":
            status = await self._desk.order_status(path.removeprefix("/orders/"))
            if status is None:
                raise _HttpError(404, "no in-store order with this local id")
            return 200, status
        if path == "/health" and method == "GET":
            return 200, self._health()
        if path == "/menu" and method == "GET":
            if self._desk.menu is None:
                raise _HttpError(404, "no menu yet: the hub has not published this store's menu")
            return 200, self._desk.menu.model_dump(mode="json")
        raise _HttpError(404, f"no such endpoint: {method} {path}")

    async def _post_order(self, body: bytes) -> tuple[int, Any]:
        try:
            order_in = PosOrderIn.model_validate_json(body)
        except ValidationError as exc:
            detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:5])
            raise _HttpError(422, detail) from exc
        try:
            order = await self._desk.new_order(
                local_order_id=order_in.local_order_id,
                lines=order_in.lines,
                order_number=order_in.order_number,
                notes=order_in.notes,
                customer_phone=order_in.customer_phone,
            )
            taken = await self._desk.take(order)
        except OrderRejected as exc:
            status = 503 if self._desk.menu is None else 422
            raise _HttpError(status, exc.detail) from exc
        payload = {
            "order_id": taken.order_id,
            "order_number": taken.order_number,
            "local_order_id": order_in.local_order_id,
            "ticket_ids": list(taken.ticket_ids),
            "created": taken.created,
        }
        return (201 if taken.created else 200), payload


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
    request_line = (await reader.readline()).decode("latin-1").strip()
    parts = request_line.split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise _HttpError(400, "not an HTTP request")
    headers: dict[str, str] = {}
    while True:
        line = (await reader.readline()).decode("latin-1")
        if line in ("\r\n", "\n", ""):
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        if len(headers) > 100:
            raise _HttpError(431, "too many headers")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as exc:
        raise _HttpError(400, "bad Content-Length") from exc
    if length > MAX_BODY:
        raise _HttpError(413, f"body larger than {MAX_BODY} bytes")
    body = await reader.readexactly(length) if length else b""
    return parts[0].upper(), parts[1], body


async def _respond(writer: asyncio.StreamWriter, status: int, payload: Any, content_type: str) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"Content-Type: {content_type}; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + body)
    await writer.drain()
