"""The tracker: fixes in; judged, throttled, journaled, sealed into batches on the device outbox;
delivery events out through the same outbox, after the positions that came before them.

Blocking SQLite work runs in worker threads; one lock orders seals and reports, so the outbox holds
positions and events in the order they happened.

Nothing is dropped silently: each refused fix is counted by verdict, a run of them is logged when it
starts (and once a minute while it lasts) and when it ends, and the status says how many fixes in a
row were dropped and why, for the rider's screen. A repeat of the last accepted fix (gpsd answering
a poll before the next epoch) is not a drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts import topics
from contracts.rider import DeliveryEvent, RiderPosition, RiderPositionBatch
from mqttlink.device_outbox import DeviceOutbox
from mqttlink.port import MqttLinkPort
from rider_tracker.batching import BatchRules, LinkHealth, batch_due, link_health
from rider_tracker.fix import Fix
from rider_tracker.fix_validity import Anchor, FixValidator, ValidityRules, Verdict
from rider_tracker.sources.port import PositionSourcePort
from rider_tracker.spool import RiderSpool
from rider_tracker.throttle import PublishThrottle, Sample, ThrottleRules

logger = logging.getLogger(__name__)

MAX_SPEED_MPS = 100.0
"""The contract's ceiling; a receiver reporting more is reporting garbage: the speed is dropped."""
DROP_LOG_EVERY_S = 60.0


@dataclass
class TrackerStatus:
    source: str
    last_fix: Fix | None = None
    last_verdict: Verdict | None = None
    last_accepted: Fix | None = None
    accepted: int = 0
    journaled: int = 0
    batches: int = 0
    rejected: Counter[Verdict] = field(default_factory=Counter)
    health: LinkHealth = LinkHealth.DOWN
    waiting_positions: int = 0
    pending_messages: int = 0
    dropped_run: int = 0
    """Fixes dropped in a row since the last accepted one (a repeat of the last fix is not a drop)."""
    last_drop: Verdict | None = None
    reanchored: int = 0
    """Times the validator gave up an anchor dated ahead of the receiver's time."""

    @property
    def time_wrong(self) -> bool:
        """The fixes being dropped are dated ahead of the clock that judges them."""
        return self.dropped_run > 0 and self.last_drop is Verdict.FUTURE


class RiderTracker:
    def __init__(
        self,
        *,
        rider_id: str,
        source: PositionSourcePort,
        spool: RiderSpool,
        outbox: DeviceOutbox,
        link: MqttLinkPort,
        validity: ValidityRules,
        throttle: ThrottleRules,
        batching: BatchRules,
        seal_check_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rider_id = rider_id
        self.source = source
        self._spool = spool
        self._outbox = outbox
        self._link = link
        self._batching = batching
        self._seal_check_s = seal_check_s
        self._clock = clock
        self._seal_lock = asyncio.Lock()
        self._listeners: list[Callable[[], None]] = []
        self.source_done = asyncio.Event()
        last = spool.last_position()
        self.validator = FixValidator(validity, _anchor(last))
        self.throttle = PublishThrottle(throttle, _sample(last))
        self.status = TrackerStatus(source=source.name)
        self._drop_logged_mono: float | None = None
        if last is not None:
            logger.info("rider %s: resuming after the fix of %s", rider_id, last.fix_at.isoformat())

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def run(self) -> None:
        """Follow the source (until it ends, for a replay) and keep sealing on time until cancelled."""
        sealer = asyncio.create_task(self._seal_periodically(), name=f"seal-{self.rider_id}")
        try:
            await self.follow_source()
            await sealer
        finally:
            sealer.cancel()

    async def follow_source(self) -> None:
        async with contextlib.aclosing(self.source.fixes()) as fixes:
            async for fix in fixes:
                await self.handle(fix)
        logger.info("rider %s: source %s ended", self.rider_id, self.source.name)
        self.source_done.set()

    async def handle(self, fix: Fix) -> Verdict:
        anchor = self.validator.anchor
        verdict = self.validator.judge(fix)
        status = self.status
        status.last_fix, status.last_verdict = fix, verdict
        if verdict is not Verdict.ACCEPTED:
            status.rejected[verdict] += 1
            repeat = verdict is Verdict.NOT_NEWER and anchor is not None and fix.fix_at == anchor.fix_at
            if verdict is not Verdict.NO_FIX and not repeat:
                self._dropped(fix, verdict, anchor)
            self._notify()
            return verdict
        self._accepted_again(fix)
        status.accepted += 1
        status.last_accepted = fix
        position = self._position(fix)
        if self.throttle.consider(_sample_of(position)) is not None:
            async with self._seal_lock:
                await asyncio.to_thread(self._journal_and_seal, position)
            status.journaled += 1
        self._notify()
        return verdict

    async def seal_if_due(self, *, force: bool = False) -> int:
        async with self._seal_lock:
            sealed = await asyncio.to_thread(self._seal, force)
        self._notify()
        return sealed

    async def report(self, event: DeliveryEvent, message_id: uuid.UUID | None = None) -> uuid.UUID:
        """Queue a delivery event durably, after every position journaled before it.

        The spool records it (pending the hub's answer) before the outbox queues it, so an answer
        can never arrive for a report the spool does not know.
        """
        message_id = message_id or uuid.uuid4()
        async with self._seal_lock:
            await asyncio.to_thread(self._report, event, message_id)
        logger.info("rider %s: %s for order %s queued as %s", self.rider_id, event.kind, event.order_id, message_id)
        self._notify()
        return message_id

    def _dropped(self, fix: Fix, verdict: Verdict, anchor: Anchor | None) -> None:
        status = self.status
        changed = verdict is not status.last_drop
        status.dropped_run += 1
        status.last_drop = verdict
        due = self._drop_logged_mono is None or fix.received_mono - self._drop_logged_mono >= DROP_LOG_EVERY_S
        if not (changed or due or status.dropped_run == 1):
            return
        self._drop_logged_mono = fix.received_mono
        logger.warning(
            "rider %s: dropping fixes as %s (%d in a row; this one dated %s, the last accepted %s)",
            self.rider_id,
            verdict.value,
            status.dropped_run,
            fix.fix_at.isoformat() if fix.fix_at is not None else "-",
            anchor.fix_at.isoformat() if anchor is not None else "-",
        )

    def _accepted_again(self, fix: Fix) -> None:
        status = self.status
        regressed = self.validator.regressed_from
        if regressed is not None and fix.fix_at is not None:
            status.reanchored += 1
            self.throttle.last = None  # its last sample is the wrong time too
            logger.warning(
                "rider %s: the last accepted fix was dated %s, %.0f s ahead of the receiver's time; "
                "following the receiver again from %s",
                self.rider_id,
                regressed.fix_at.isoformat(),
                (regressed.fix_at - fix.fix_at).total_seconds(),
                fix.fix_at.isoformat(),
            )
        if status.dropped_run:
            logger.info(
                "rider %s: fixes accepted again after %d dropped (last as %s)",
                self.rider_id,
                status.dropped_run,
                status.last_drop.value if status.last_drop else "-",
            )
        status.dropped_run = 0
        self._drop_logged_mono = None

    # -- blocking, in worker threads ------------------------------------------------------------

    def _journal_and_seal(self, position: RiderPosition) -> None:
        self._spool.append(position, now=self._clock())
        self._seal(force=False)

    def _report(self, event: DeliveryEvent, message_id: uuid.UUID) -> None:
        self._spool.record_report(event, str(message_id))
        self._seal(force=True)
        self._outbox.put_now(topics.RIDER_EVENT, event, message_id=message_id, rider_id=self.rider_id)

    def _seal(self, force: bool) -> int:
        rules = self._batching
        status = self.status
        waiting, oldest = self._spool.waiting()
        if waiting == 0 or oldest is None:
            status.waiting_positions = 0
            return 0
        pending = self._outbox.pending()
        health = link_health(connected=self._link.connected, backlog=pending, rules=rules)
        sealed = 0
        while waiting and oldest is not None:
            due = batch_due(rules, waiting=waiting, oldest_age_s=self._clock() - oldest, health=health)
            if not (force or due):
                break
            rows = self._spool.oldest(rules.slow_max_positions)
            batch = RiderPositionBatch(rider_id=self.rider_id, positions=tuple(p for _, p in rows))
            self._outbox.put_now(topics.RIDER_POSITIONS, batch, rider_id=self.rider_id)
            self._spool.remove([row_id for row_id, _ in rows])
            sealed += len(rows)
            pending += 1
            status.batches += 1
            waiting, oldest = self._spool.waiting()
        status.health, status.waiting_positions, status.pending_messages = health, waiting, pending
        return sealed

    # -- helpers ------------------------------------------------------------------------------------

    async def _seal_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._seal_check_s)
            try:
                await self.seal_if_due()
            except sqlite3.Error:
                logger.exception("rider %s: sealing positions failed; trying again", self.rider_id)

    def _position(self, fix: Fix) -> RiderPosition:
        assert fix.fix_at is not None and fix.lat is not None and fix.lon is not None
        speed = _finite(fix.speed_mps, MAX_SPEED_MPS)
        heading = _finite(fix.heading_deg, 360.0)
        return RiderPosition(
            rider_id=self.rider_id,
            fix_at=fix.fix_at,
            lat=fix.lat,
            lon=fix.lon,
            speed_mps=speed,
            heading_deg=heading,
            accuracy_m=_finite(fix.accuracy_m, None),
        )

    def _notify(self) -> None:
        for listener in self._listeners:
            try:
                listener()
            except Exception:
                logger.exception("rider %s: a status listener failed; continuing", self.rider_id)


def _finite(value: float | None, ceiling: float | None) -> float | None:
    """Optional readings the contract would refuse (NaN, negative, above its ceiling) are dropped."""
    if value is None or not math.isfinite(value) or value < 0 or (ceiling is not None and value > ceiling):
        return None
    return value


def _anchor(position: RiderPosition | None) -> Anchor | None:
    if position is None:
        return None
    return Anchor(position.fix_at, position.lat, position.lon, position.accuracy_m)


def _sample(position: RiderPosition | None) -> Sample | None:
    return _sample_of(position) if position is not None else None


def _sample_of(position: RiderPosition) -> Sample:
    return Sample(
        fix_at=position.fix_at,
        lat=position.lat,
        lon=position.lon,
        speed_mps=position.speed_mps,
        heading_deg=position.heading_deg,
        accuracy_m=position.accuracy_m,
    )
