"""A rider unit on the fake broker (or a real one): spool, outbox, tracker, with a hub stand-in."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Iterable
from pathlib import Path

from mqttlink import MqttLinkPort
from mqttlink.device_outbox import DeviceOutbox
from rider_tracker.batching import BatchRules
from rider_tracker.fix import Fix
from rider_tracker.fix_validity import ValidityRules
from rider_tracker.hub_replies import HubReplies
from rider_tracker.route_board import RouteBoard
from rider_tracker.sources.port import PositionSourcePort
from rider_tracker.spool import RiderSpool
from rider_tracker.throttle import ThrottleRules
from rider_tracker.tracker import RiderTracker

EVERY_FIX = ThrottleRules(min_interval_s=0, moving_interval_s=0, stationary_interval_s=0)
RIDER = "r-42"


class FixListSource:
    """A fake position source: the given fixes, then the end."""

    def __init__(self, fixes: Iterable[Fix], name: str = "list") -> None:
        self.name = name
        self._fixes = list(fixes)

    async def fixes(self) -> AsyncGenerator[Fix, None]:
        for fix in self._fixes:
            yield fix


class RiderRig:
    def __init__(
        self,
        path: Path,
        link: MqttLinkPort,
        *,
        root: str = "brigade",
        source: PositionSourcePort | None = None,
        throttle: ThrottleRules = EVERY_FIX,
        batching: BatchRules | None = None,
        validity: ValidityRules | None = None,
        clock: Callable[[], float] = time.time,
        retry_after_s: float = 5.0,
        rider_id: str = RIDER,
        device_id: str | None = None,
    ) -> None:
        self.path = path
        self.link = link
        self.spool = RiderSpool(path)
        self.board = RouteBoard(rider_id)
        self.replies = HubReplies(self.board, self.spool)
        self.outbox = DeviceOutbox(
            path,
            link,
            device_id=device_id or rider_id,
            root=root,
            retry_after_s=retry_after_s,
            on_acked=self.replies.acked,
            on_refused=self.replies.refused,
        )
        self.tracker = RiderTracker(
            rider_id=rider_id,
            source=source or FixListSource([]),
            spool=self.spool,
            outbox=self.outbox,
            link=link,
            validity=validity or ValidityRules(clock_trusted=False),
            throttle=throttle,
            batching=batching or BatchRules(),
            clock=clock,
        )

    async def close(self) -> None:
        await self.outbox.stop()
        self.spool.close()
