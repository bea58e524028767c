"""In-store orders: taken from the POS (MQTT or HTTP), printed at once, shown on the KDS, synced to the hub.

This works the same whether the hub is reachable or not: the order and its tickets are journaled,
printed from the menu the hub last published (cached on disk), published on the store broker's
ticket topics for the KDS, and handed to the outbox as a ``StoreOrder``, which the hub turns
into exactly one order (same order id, idempotency key = store-pos + local order id).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contracts import topics
from contracts.envelope import Envelope, decode, encode
from contracts.errors import ContractError
from contracts.kitchen import KitchenTicket
from contracts.store_orders import PosOrderRefused, StoreMenu, StoreOrder, StoreOrderLine
from edge_agent.errors import OrderRejected
from edge_agent.local_tickets import build_local_tickets
from edge_agent.print_service import PrintService
from mqttlink import LinkError, MqttLinkPort, MqttMessage, dead_letter, publish_body, subscribe_template
from mqttlink.device_outbox import DeviceOutbox, RefusedMessage

logger = logging.getLogger(__name__)

MENU_KEY = "menu"
REFUSED_KEY = "pos-refused:"
"""+ local order id: the hub's refusal of that in-store order, for the POS to look up."""


@dataclass(frozen=True)
class TakenOrder:
    order_id: str
    order_number: str
    ticket_ids: tuple[str, ...]
    created: bool


class PosDesk:
    def __init__(
        self,
        link: MqttLinkPort,
        service: PrintService,
        outbox: DeviceOutbox,
        *,
        root: str,
        store_id: str,
        device_id: str,
    ) -> None:
        self._link = link
        self._service = service
        self._outbox = outbox
        self._root = root
        self._store_id = store_id
        self._device_id = device_id
        self.menu: StoreMenu | None = None
        self._lock = asyncio.Lock()
        self._showing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        spool = self._service.spool
        cached = await asyncio.to_thread(spool.get_value, MENU_KEY)
        if cached is not None:
            self.menu = StoreMenu.model_validate_json(cached)
        for payload in await asyncio.to_thread(spool.unqueued_local_orders):
            await self._queue_for_hub(StoreOrder.model_validate_json(payload))
        common: dict[str, Any] = {"root": self._root, "consumer": self._device_id, "store_id": self._store_id}
        await subscribe_template(self._link, topics.STORE_MENU, self._on_menu, **common)
        await subscribe_template(self._link, topics.POS_ORDER, self._on_pos_order, **common)

    # -- the menu -----------------------------------------------------------------------------

    async def _on_menu(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        menu: StoreMenu = envelope.body
        if menu.store_id != self._store_id:
            logger.warning("menu of store %s on the topic of %s: ignored", menu.store_id, self._store_id)
            return
        self.menu = menu
        await asyncio.to_thread(self._service.spool.set_value, MENU_KEY, menu.model_dump_json())
        logger.info("menu v%d of store %s: %d items", menu.version, self._store_id, len(menu.items))

    # -- taking orders --------------------------------------------------------------------------

    async def _on_pos_order(self, envelope: Envelope[Any], params: dict[str, str]) -> None:
        try:
            await self.take(envelope.body)
        except OrderRejected as exc:
            topic = topics.POS_ORDER.build(root=self._root, **params)
            await dead_letter(
                self._link, MqttMessage(topic, encode(envelope)), exc.detail, root=self._root, consumer=self._device_id
            )

    async def new_order(
        self,
        *,
        local_order_id: str,
        lines: list[StoreOrderLine],
        order_number: str | None = None,
        notes: str | None = None,
        customer_phone: str | None = None,
    ) -> StoreOrder:
        """An order as the HTTP endpoint receives it: the agent chooses its id and number."""
        existing = await asyncio.to_thread(self._service.spool.local_order, local_order_id)
        if existing is not None:
            return StoreOrder.model_validate_json(existing[1])
        if not lines:
            raise OrderRejected("an order needs at least one line")
        if order_number is None:
            order_number = f"P{await asyncio.to_thread(self._service.spool.next_number, 'pos_number'):04d}"
        return StoreOrder(
            order_id=str(uuid.uuid4()),
            store_id=self._store_id,
            local_order_id=local_order_id,
            order_number=order_number,
            placed_at=datetime.now(UTC),
            lines=tuple(lines),
            notes=notes,
            customer_phone=customer_phone,
        )

    async def take(self, order: StoreOrder) -> TakenOrder:
        async with self._lock:  # one order at a time: the local id check and the journal go together
            return await self._take(order)

    async def _take(self, order: StoreOrder) -> TakenOrder:
        spool = self._service.spool
        existing = await asyncio.to_thread(spool.local_order, order.local_order_id)
        if existing is not None:
            return self._taken(StoreOrder.model_validate_json(existing[1]), created=False)
        if order.store_id != self._store_id:
            raise OrderRejected(f"order for store {order.store_id} sent to store {self._store_id}")
        if self.menu is None:
            raise OrderRejected("no menu yet: the hub has not published this store's menu")
        tickets = build_local_tickets(order, self.menu)
        results = await asyncio.to_thread(
            spool.record_local_order, order.local_order_id, order.order_id, order.model_dump_json(), tickets
        )
        if results is None:
            raise OrderRejected(f"order id {order.order_id} was already used by another in-store order")
        for result in results:
            if result.job is not None:
                await self._service.submit(result.job)
        logger.info("in-store order %s (%s) taken: %d tickets", order.order_id, order.order_number, len(tickets))
        await self._queue_for_hub(order)
        showing = asyncio.create_task(self._show_on_kds(tickets), name=f"kds-{order.order_id}")
        self._showing.add(showing)  # in the background: a store broker that is down must not hold the POS
        showing.add_done_callback(self._showing.discard)
        return self._taken(order, created=True, tickets=tickets)

    async def _queue_for_hub(self, order: StoreOrder) -> None:
        def put() -> None:
            self._outbox.put_now(topics.STORE_ORDER, order, store_id=self._store_id)
            self._service.spool.mark_local_order_queued(order.local_order_id)

        await asyncio.to_thread(put)

    async def _show_on_kds(self, tickets: list[KitchenTicket]) -> None:
        """On the store broker's ticket topics, where the station screens listen (best effort)."""
        for ticket in tickets:
            try:
                await publish_body(
                    self._link,
                    topics.KITCHEN_TICKET,
                    ticket,
                    source=self._device_id,
                    root=self._root,
                    store_id=self._store_id,
                    station_id=ticket.station_id,
                )
            except LinkError as exc:
                logger.warning("ticket %s not shown on the KDS: %s (it is printed)", ticket.ticket_id, exc)

    def _taken(self, order: StoreOrder, *, created: bool, tickets: list[KitchenTicket] | None = None) -> TakenOrder:
        if tickets is None:
            stations: dict[str, None] = {}
            if self.menu is not None:
                entries = {e.menu_item_id: e for e in self.menu.items}
                for line in order.lines:
                    for station in entries[line.menu_item_id].station_ids if line.menu_item_id in entries else ():
                        stations.setdefault(station, None)
            ticket_ids = tuple(f"{order.order_id}:{s}" for s in stations)
        else:
            ticket_ids = tuple(t.ticket_id for t in tickets)
        return TakenOrder(order.order_id, order.order_number, ticket_ids, created)

    # -- refusals -------------------------------------------------------------------------------

    async def on_refused(self, message: RefusedMessage) -> None:
        """The hub refused one of this agent's messages; an in-store order's refusal goes to the cashier:
        kept for ``GET /orders/{local id}``, published on the POS topic, logged."""
        if not message.payload or topics.STORE_ORDER.parse(message.topic, root=self._root) is None:
            return
        try:
            order: StoreOrder = decode(message.payload, StoreOrder).body
        except ContractError:
            logger.warning("refusal %s names a store order this agent cannot read", message.message_id)
            return
        refused = PosOrderRefused(
            store_id=self._store_id,
            local_order_id=order.local_order_id,
            order_id=order.order_id,
            order_number=order.order_number,
            code=message.code[:200],
            reason=message.reason[:2000],
            at=datetime.now(UTC),
        )
        key = REFUSED_KEY + order.local_order_id
        await asyncio.to_thread(self._service.spool.set_value, key, refused.model_dump_json())
        logger.warning(
            "in-store order %s (%s, local %s) refused by the hub: %s",
            order.order_id,
            order.order_number,
            order.local_order_id,
            message.code,
        )
        try:
            await publish_body(
                self._link,
                topics.POS_REFUSED,
                refused,
                source=self._device_id,
                root=self._root,
                store_id=self._store_id,
            )
        except LinkError as exc:
            logger.warning("refusal of order %s not published to the POS: %s", order.order_id, exc)

    async def order_status(self, local_order_id: str) -> dict[str, Any] | None:
        """What became of an in-store order: taken (on its way to the hub, or there) or refused, and why."""
        spool = self._service.spool
        existing = await asyncio.to_thread(spool.local_order, local_order_id)
        if existing is None:
            return None
        order = StoreOrder.model_validate_json(existing[1])
        refused_json = await asyncio.to_thread(spool.get_value, REFUSED_KEY + local_order_id)
        refused = PosOrderRefused.model_validate_json(refused_json) if refused_json else None
        return {
            "local_order_id": local_order_id,
            "order_id": order.order_id,
            "order_number": order.order_number,
            "status": "refused" if refused else "taken",
            "refusal": None
            if refused is None
            else {"code": refused.code, "reason": refused.reason, "at": refused.at.isoformat()},
        }
