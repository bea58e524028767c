"""Places orders on a hub like the sales channels would: Chinese dishes, customers, notes, now and then.

Each order has its own external id; a failed POST is retried with the same id (the hub's
idempotency key), so a hiccup never makes a second order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)

CHANNELS = ("meituan", "eleme", "wechat", "phone")
CUSTOMERS = ("王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏")
NOTES = (None, None, None, "少辣", "不要香菜，谢谢", "尽快", "多放葱")
MODIFIERS = ((), (), ("少辣",), ("加辣",), ("不要葱",), ("大份",))


@dataclass(frozen=True)
class MenuChoice:
    sku: str
    name: str


class OrderGenerator:
    def __init__(
        self,
        client: httpx.AsyncClient,
        stores: Sequence[str],
        menu: Sequence[MenuChoice],
        *,
        every_s: float = 4.0,
        seed: int | None = None,
    ) -> None:
        self._client = client
        self._stores = list(stores)
        self._menu = list(menu)
        self._every_s = every_s
        self._random = random.Random(seed)
        self.placed: list[dict[str, Any]] = []

    def next_order(self) -> dict[str, Any]:
        r = self._random
        lines = [
            {"sku": item.sku, "quantity": r.randint(1, 3), "modifiers": list(r.choice(MODIFIERS))}
            for item in r.sample(self._menu, k=r.randint(1, min(3, len(self._menu))))
        ]
        body: dict[str, Any] = {
            "store_id": r.choice(self._stores),
            "external_id": uuid.uuid4().hex,
            "channel": r.choice(CHANNELS),
            "fulfilment": r.choice(("delivery", "pickup")),
            "lines": lines,
            "customer": {"phone": f"+86 138{r.randint(0, 99_999_999):08d}", "name": r.choice(CUSTOMERS)},
        }
        note = r.choice(NOTES)
        if note:
            body["notes"] = note
        if body["fulfilment"] == "delivery":
            body["delivery"] = {"address": "上海市黄浦区南京东路1号", "lat": 31.2397, "lon": 121.4998}
        return body

    async def place(self, body: dict[str, Any], attempts: int = 5) -> dict[str, Any] | None:
        for _ in range(attempts):
            with contextlib.suppress(httpx.TransportError):
                response = await self._client.post("/orders", json=body)
                if response.status_code in (200, 201):
                    order = dict(response.json())
                    self.placed.append(order)
                    names = "、".join(line["name"] for line in order.get("lines", []))
                    logger.info("order %s at %s: %s", order["order_number"], body["store_id"], names)
                    return order
                logger.warning("the hub refused an order: %s %s", response.status_code, response.text[:200])
                if response.status_code < 500:
                    return None
            await asyncio.sleep(1.0)  # the hub is busy or restarting: try again with the same key
        return None

    async def run(self) -> None:
        while True:
            await self.place(self.next_order())
            await asyncio.sleep(self._random.uniform(0.5, 1.5) * self._every_s)
