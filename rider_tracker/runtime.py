"""Everything one rider unit runs, built from ``RiderSettings``: link, outbox, spool, source,
tracker, route feed and board. The screen and the headless entrypoint both drive this."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import UTC, datetime

from contracts.devices import Presence, PresenceStatus
from contracts.rider import DeliveryEventKind, FailureReason
from mqttlink.device_outbox import DeviceOutbox
from mqttlink.paho_link import PahoMqttLink
from mqttlink.port import MqttLinkPort
from rider_tracker.delivery_reports import Place, build_report
from rider_tracker.hub_replies import HubReplies
from rider_tracker.route_board import RouteBoard
from rider_tracker.route_feed import RouteFeed
from rider_tracker.settings import RiderSettings
from rider_tracker.sources.gpsd_source import GpsdSource
from rider_tracker.sources.port import PositionSourcePort
from rider_tracker.sources.replay_source import ReplaySource
from rider_tracker.sources.serial_source import SerialNmeaSource
from rider_tracker.spool import RiderSpool
from rider_tracker.tracker import RiderTracker

logger = logging.getLogger(__name__)


def make_source(settings: RiderSettings, spool: RiderSpool) -> PositionSourcePort:
    if settings.source == "gpsd":
        g = settings.gpsd
        return GpsdSource(
            g.host,
            g.port,
            connect_timeout_s=g.connect_timeout_s,
            read_timeout_s=g.read_timeout_s,
            poll_interval_s=g.poll_interval_s,
        )
    if settings.source == "nmea":
        s = settings.serial
        return SerialNmeaSource(s.port, baudrate=s.baudrate, read_timeout_s=s.read_timeout_s)
    r = settings.replay
    if r.path is None:
        raise ValueError("BRIGADE_RIDER_REPLAY__PATH is required with source=replay")
    if settings.validity.clock_trusted and not r.rebase_times:
        logger.warning(
            "replaying %s with its recorded times against a trusted clock: fixes older than %.0fs are refused "
            "as stale (set BRIGADE_RIDER_REPLAY__REBASE_TIMES=true or BRIGADE_RIDER_VALIDITY__CLOCK_TRUSTED=false)",
            r.path.name,
            settings.validity.max_age_s,
        )
    last = spool.last_position()
    return ReplaySource(
        r.path,
        speed=r.speed,
        rebase_times=r.rebase_times,
        loop=r.loop,
        resume_after=last.fix_at if last is not None and not r.rebase_times else None,
    )


class RiderRuntime:
    def __init__(
        self,
        *,
        rider_id: str,
        unit_id: str,
        root: str,
        link: MqttLinkPort,
        spool: RiderSpool,
        outbox: DeviceOutbox,
        tracker: RiderTracker,
        board: RouteBoard,
        replies: HubReplies,
    ) -> None:
        """``replies`` must be the outbox's ``on_acked`` / ``on_refused`` (see ``from_settings``)."""
        self.rider_id = rider_id
        self.unit_id = unit_id
        self.link = link
        self.spool = spool
        self.outbox = outbox
        self.tracker = tracker
        self.board = board
        self.replies = replies
        self.feed = RouteFeed(link, self.board, spool, root=root, unit_id=unit_id)
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: RiderSettings) -> RiderRuntime:
        unit_id = settings.unit_id
        mqtt = settings.mqtt.model_copy(update={"client_id": unit_id})
        presence = Presence(client_id=unit_id, status=PresenceStatus.ONLINE, kind="rider_tracker")
        link = PahoMqttLink(mqtt, presence=presence)
        spool = RiderSpool(settings.spool_path)
        board = RouteBoard(settings.rider_id)
        replies = HubReplies(board, spool)
        outbox = DeviceOutbox(
            settings.spool_path,
            link,
            device_id=unit_id,
            root=mqtt.topic_root,
            retry_after_s=settings.outbox_retry_s,
            on_acked=replies.acked,
            on_refused=replies.refused,
        )
        tracker = RiderTracker(
            rider_id=settings.rider_id,
            source=make_source(settings, spool),
            spool=spool,
            outbox=outbox,
            link=link,
            validity=settings.validity.rules(),
            throttle=settings.throttle.rules(),
            batching=settings.batching.rules(),
        )
        return cls(
            rider_id=settings.rider_id,
            unit_id=unit_id,
            root=mqtt.topic_root,
            link=link,
            spool=spool,
            outbox=outbox,
            tracker=tracker,
            board=board,
            replies=replies,
        )

    async def start(self) -> None:
        """Connect (in the background: the unit works offline), listen for acks and the route, track."""
        await self.replies.restore(self.outbox)
        await self.link.start()
        await self.outbox.start()
        await self.feed.start()
        self._task = asyncio.create_task(self.tracker.run(), name=f"tracker-{self.rider_id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.outbox.stop()
        await self.link.stop()
        self.spool.close()

    async def wait(self) -> None:
        """Until the tracker stops (it does not, unless it fails)."""
        if self._task is not None:
            await self._task

    async def unsent(self) -> int:
        """Positions and events not yet acknowledged by the hub (journal + outbox)."""

        def count() -> int:
            return self.spool.waiting()[0] + self.outbox.pending()

        return await asyncio.to_thread(count)

    def current_place(self, max_age_s: float = 60.0) -> Place | None:
        """Where the bike is, if the last accepted fix is recent enough to say so."""
        fix = self.tracker.status.last_accepted
        if fix is None or fix.lat is None or fix.lon is None or time.monotonic() - fix.received_mono > max_age_s:
            return None
        return Place(fix.lat, fix.lon)

    async def report(
        self,
        order_id: str,
        kind: DeliveryEventKind,
        *,
        code: str | None = None,
        note: str | None = None,
        reason: FailureReason | None = None,
    ) -> None:
        """Check, queue durably, and show a rider's report. Raises InvalidReport when it makes no sense."""
        self.board.check(order_id, kind)
        place = self.current_place()
        event = build_report(
            rider_id=self.rider_id,
            order_id=order_id,
            kind=kind,
            at=datetime.now(UTC),
            code=code,
            note=note,
            reason=reason,
            place=place,
        )
        message_id = uuid.uuid4()
        self.board.record(order_id, kind, event.reason, message_id=str(message_id))  # pending the hub's answer
        try:
            await self.tracker.report(event, message_id)
        except BaseException:
            self.board.withdraw(str(message_id))
            raise
