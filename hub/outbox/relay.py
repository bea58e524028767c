"""Publishes committed outbox rows; marks a row sent only after the broker acknowledged it.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` inside a transaction that stays open while the
batch is published, so several hub processes never publish the same row in normal operation.
A crash between publish and commit republishes the row: receivers deduplicate (at-least-once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, select, update
from sqlalchemy.engine import Connection

from hub.db import Database
from hub.db_types import utcnow
from hub.kernel.sql_dialect import one_of
from hub.metrics import HubMetrics
from hub.outbox.tables import OutboxMessage
from mqttlink import LinkError, MqttLinkPort

logger = logging.getLogger(__name__)

outbox = OutboxMessage.__table__  # type: ignore[attr-defined]

SentHook = Callable[[Connection, Sequence[str], datetime], None]
"""Called in the marking transaction with the message ids the broker acknowledged."""


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        link: MqttLinkPort,
        metrics: HubMetrics,
        *,
        batch_size: int = 200,
        idle_poll_s: float = 0.2,
        publish_timeout_s: float = 15.0,
        sent_hooks: Sequence[SentHook] = (),
    ) -> None:
        self._db = db
        self._link = link
        self._metrics = metrics
        self._batch_size = batch_size
        self._idle_poll_s = idle_poll_s
        self._publish_timeout_s = publish_timeout_s
        self._sent_hooks = tuple(sent_hooks)
        self.wakeup = asyncio.Event()

    async def run(self) -> None:
        while True:
            if not self._link.connected:
                with contextlib.suppress(LinkError):
                    await self._link.wait_connected(5)
                continue
            try:
                published = await self.relay_once()
            except LinkError as exc:
                logger.warning("outbox relay: %s; retrying", exc)
                await asyncio.sleep(0.5)
                continue
            except Exception:
                logger.exception("outbox relay batch failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if published == 0:
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_poll_s):
                        await self.wakeup.wait()

    async def relay_once(self) -> int:
        """Publish one batch; the number of rows the broker acknowledged."""
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(self._relay_batch, loop)

    def _relay_batch(self, loop: asyncio.AbstractEventLoop) -> int:
        with self._db.engine.begin() as conn:
            rows = conn.execute(
                select(
                    outbox.c.id, outbox.c.message_id, outbox.c.topic, outbox.c.payload, outbox.c.qos, outbox.c.retain
                )
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            future = asyncio.run_coroutine_threadsafe(self._publish_all(rows), loop)
            outcomes = future.result(timeout=self._publish_timeout_s + 5)
            now = utcnow()
            done = [row for row, error in zip(rows, outcomes, strict=True) if error is None]
            failed = [(row, error) for row, error in zip(rows, outcomes, strict=True) if error is not None]
            if done:
                conn.execute(
                    update(outbox)
                    .where(one_of(conn, outbox.c.id, [r.id for r in done], Integer))
                    .values(sent_at=now, attempts=outbox.c.attempts + 1)
                )
                for hook in self._sent_hooks:
                    hook(conn, [r.message_id for r in done], now)
            for row, error in failed:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(attempts=outbox.c.attempts + 1, last_error=error[:500])
                )
        self._metrics.outbox_published.inc(len(done))
        if failed:
            raise LinkError(f"{len(failed)} of {len(rows)} outbox messages not acknowledged: {failed[0][1]}")
        return len(done)

    async def _publish_all(self, rows: Sequence[Any]) -> list[str | None]:
        """Each row's error (None: acknowledged). One deadline for the batch, not a timer per message."""
        tasks = [
            asyncio.ensure_future(
                self._link.publish(row.topic, bytes(row.payload), qos=row.qos, retain=bool(row.retain))
            )
            for row in rows
        ]
        try:
            _, pending = await asyncio.wait(tasks, timeout=self._publish_timeout_s)
        finally:  # timed out, or the relay itself is cancelled (shutdown): no publish outlives the batch
            for task in tasks:
                if not task.done():
                    task.cancel()
        outcomes: list[str | None] = []
        for task in tasks:
            if task in pending:
                outcomes.append("publish timed out")
                continue
            error = task.exception()
            if error is None:
                outcomes.append(None)
            elif isinstance(error, LinkError | TimeoutError):
                outcomes.append(str(error) or "publish timed out")
            else:
                raise error
        return outcomes
