"""The hub's answers to what this unit sent: reports confirmed or refused, positions refused.

Wired into the device outbox (``on_acked``, ``on_refused``). The spool is updated before the board,
so a restart shows what the hub said; listeners (the rider's screen) hear each answer on the loop.
A refused report is taken back on the board (the stop is open again) with the hub's reason; refused
positions (e.g. the receiver's date is wrong) set ``positions_refused`` until the hub applies
positions again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from contracts import topics
from contracts.rider import DeliveryEventKind
from mqttlink.device_outbox import DeviceOutbox, RefusedMessage
from rider_tracker.route_board import Outcome, RouteBoard
from rider_tracker.spool import APPLIED, REFUSED, RiderSpool

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer from the hub, as the screen tells it."""

    order_id: str | None
    """The stop a report was about; None for positions."""
    kind: DeliveryEventKind | None
    code: str | None
    """None: applied. Otherwise the hub's stable refusal code (``delivery.wrong_code``...)."""
    reason: str | None = None

    @property
    def refused(self) -> bool:
        return self.code is not None


Listener = Callable[[Answer], None]


class HubReplies:
    def __init__(self, board: RouteBoard, spool: RiderSpool) -> None:
        self._board = board
        self._spool = spool
        self._listeners: list[Listener] = []
        self.positions_refused: Answer | None = None
        """Why the hub refused this unit's latest positions; None once it applies positions again."""

    def on_answer(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def restore(self, outbox: DeviceOutbox) -> int:
        """Before the outbox starts: show every report with what the hub said of it, and queue again
        (same message id) a pending report whose outbox row is gone. Returns how many were queued."""
        for report in await asyncio.to_thread(self._spool.reports):
            outcome = {APPLIED: Outcome.APPLIED, REFUSED: Outcome.REFUSED}.get(report.outcome or "", Outcome.PENDING)
            self._board.record(
                report.order_id,
                report.kind,
                report.reason,
                message_id=report.message_id,
                outcome=outcome,
                refusal=report.refusal,
            )
        unsettled = await asyncio.to_thread(self._spool.unsettled_reports)
        waiting = await asyncio.to_thread(outbox.pending_ids, [m for m, _ in unsettled])
        queued = 0
        for message_id, event in unsettled:
            if message_id not in waiting:
                await outbox.put(topics.RIDER_EVENT, event, message_id=uuid.UUID(message_id), rider_id=event.rider_id)
                queued += 1
        if queued:
            logger.info("rider %s: %d reports the hub never answered are queued again", self._board.rider_id, queued)
        return queued

    async def acked(self, message_ids: list[str]) -> None:
        settled, reports = await asyncio.to_thread(self._spool.settle_reports, message_ids)
        for message_id in settled:
            order_id = self._board.settle(message_id)
            self._emit(Answer(order_id, self._kind(order_id, message_id), None))
        if len(message_ids) > reports and self.positions_refused is not None:  # positions applied again
            self.positions_refused = None
            self._emit(Answer(None, None, None))

    async def refused(self, message: RefusedMessage) -> None:
        report = await asyncio.to_thread(self._spool.refuse_report, message.message_id, message.reason)
        if report is None:
            logger.warning("rider %s: the hub refused positions: %s", self._board.rider_id, message.reason)
            self.positions_refused = Answer(None, None, message.code, message.reason)
            self._emit(self.positions_refused)
            return
        logger.warning(
            "rider %s: the hub refused %s of order %s (%s)",
            self._board.rider_id,
            report.kind,
            report.order_id,
            message.code,
        )
        self._board.settle(message.message_id, refusal=message.reason)
        self._emit(Answer(report.order_id, report.kind, message.code, message.reason))

    def _kind(self, order_id: str | None, message_id: str) -> DeliveryEventKind | None:
        return self._board.kind_of(message_id) if order_id is not None else None

    def _emit(self, answer: Answer) -> None:
        for listener in self._listeners:
            try:
                listener(answer)
            except Exception:
                logger.exception("rider %s: an answer listener failed; continuing", self._board.rider_id)
