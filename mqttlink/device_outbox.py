"""A device's durable outbox: messages survive power cuts and long outages, and a row is deleted
only when the hub's application-level ack names it (a broker PUBACK is not delivery).

Each row keeps its envelope id for life, so a resend is recognised by the hub's inbox. Rows are
sent in order (``seq`` is the row id); unacknowledged rows are sent again after ``retry_after_s``.
SQLite runs with ``synchronous=FULL``: when ``put`` returns, the message is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts import topics
from contracts.base import Body
from contracts.envelope import Envelope, encode, wrap
from contracts.messaging import Ack
from mqttlink.messages import subscribe_template
from mqttlink.port import LinkError, MqttLinkPort

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    created_at REAL NOT NULL,
    last_sent_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class RefusedMessage:
    """A message of this device that the hub refused: what was sent, and why it was refused."""

    message_id: str
    code: str
    reason: str
    topic: str
    payload: bytes
    """The envelope as it was sent (empty if the row was already gone)."""


RefusalHandler = Callable[[RefusedMessage], Awaitable[None]]
"""Shows a refusal to the device's user (rider screen, POS, kitchen display)."""
AckHandler = Callable[[list[str]], Awaitable[None]]
"""Told the ids the hub applied (a device showing "pending confirmation" until then)."""


class DeviceOutbox:
    def __init__(
        self,
        path: Path,
        link: MqttLinkPort,
        *,
        device_id: str,
        root: str,
        retry_after_s: float = 5.0,
        batch_size: int = 100,
        on_refused: RefusalHandler | None = None,
        on_acked: AckHandler | None = None,
    ) -> None:
        self._path = path
        self._on_refused = on_refused
        self._on_acked = on_acked
        self._link = link
        self._device_id = device_id
        self._root = root
        self._retry_after_s = retry_after_s
        self._batch_size = batch_size
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.acked_total = 0

    # -- writing --------------------------------------------------------------------------

    def put_now(
        self, template: topics.TopicTemplate, body: Body, *, message_id: uuid.UUID | None = None, **params: str
    ) -> uuid.UUID:
        """Durably enqueue (blocking; a few ms). Returns the envelope id the hub will ack.

        Give ``message_id`` to make a retried put idempotent: the same id is queued once.
        """
        message_id = message_id or uuid.uuid4()
        topic = template.build(root=self._root, **params)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO outbox (message_id, topic, payload, qos, retain, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (str(message_id), topic, b"", template.qos, int(template.retain), time.time()),
                )
                if cursor.rowcount:  # the row gets its payload in the same transaction: never sent empty
                    seq = int(cursor.lastrowid or 0)
                    envelope = wrap(body, source=self._device_id, seq=seq, message_id=message_id)
                    self._db.execute("UPDATE outbox SET payload = ? WHERE seq = ?", (encode(envelope), seq))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        self._wake()
        return message_id

    async def put(
        self, template: topics.TopicTemplate, body: Body, *, message_id: uuid.UUID | None = None, **params: str
    ) -> uuid.UUID:
        return await asyncio.to_thread(self.put_now, template, body, message_id=message_id, **params)

    def _wake(self) -> None:
        """Callable from the loop or from a worker thread."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wakeup.set)

    # -- reading ----------------------------------------------------------------------------

    def pending(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def pending_ids(self, message_ids: list[str]) -> set[str]:
        """Those of ``message_ids`` still waiting for the hub's ack."""
        if not message_ids:
            return set()
        with self._lock:
            marks = ",".join("?" for _ in message_ids)
            rows = self._db.execute(
                f"SELECT message_id FROM outbox WHERE message_id IN ({marks})",  # noqa: S608
                message_ids,
            ).fetchall()
        return {str(r[0]) for r in rows}

    def acknowledge(self, message_ids: list[str]) -> int:
        if not message_ids:
            return 0
        with self._lock:
            marks = ",".join("?" for _ in message_ids)
            cursor = self._db.execute(f"DELETE FROM outbox WHERE message_id IN ({marks})", message_ids)  # noqa: S608
            removed = cursor.rowcount
        self.acked_total += removed
        return removed

    def take_refused(self, refusals: dict[str, tuple[str, str]]) -> list[RefusedMessage]:
        """Forget refused messages (id -> (code, reason)) and return what each of them was."""
        if not refusals:
            return []
        ids = list(refusals)
        with self._lock:
            marks = ",".join("?" for _ in ids)
            rows = {
                str(r[0]): (str(r[1]), bytes(r[2]))
                for r in self._db.execute(
                    f"SELECT message_id, topic, payload FROM outbox WHERE message_id IN ({marks})",  # noqa: S608
                    ids,
                )
            }
        taken = [
            RefusedMessage(
                message_id=i,
                code=code,
                reason=reason,
                topic=rows.get(i, ("", b""))[0],
                payload=rows.get(i, ("", b""))[1],
            )
            for i, (code, reason) in refusals.items()
        ]
        self.acknowledge(ids)
        return taken

    def _due(self, now: float) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(
                "SELECT seq, topic, payload, qos, retain FROM outbox "
                "WHERE last_sent_at IS NULL OR last_sent_at < ? ORDER BY seq LIMIT ?",
                (now - self._retry_after_s, self._batch_size),
            ).fetchall()

    def _mark_sent(self, seqs: list[int], now: float) -> None:
        with self._lock:
            self._db.executemany(
                "UPDATE outbox SET last_sent_at = ?, attempts = attempts + 1 WHERE seq = ?", [(now, s) for s in seqs]
            )

    # -- running ------------------------------------------------------------------------------

    async def start(self, *, send: bool = True) -> None:
        """Listen for the hub's acks and (unless ``send`` is off, for tests) send in the background."""
        self._loop = asyncio.get_running_loop()
        await subscribe_template(
            self._link, topics.ACK, self._on_ack, root=self._root, consumer=self._device_id, device_id=self._device_id
        )
        if send:
            self._task = asyncio.create_task(self._send_forever(), name=f"outbox-{self._device_id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with self._lock:
            self._db.close()

    async def _on_ack(self, envelope: Envelope[Ack], _params: dict[str, str]) -> None:
        refusals = {str(r.message_id): (r.code, r.reason) for r in envelope.body.refused}
        ids = [str(i) for i in envelope.body.message_ids if str(i) not in refusals]
        refused = await asyncio.to_thread(self.take_refused, refusals)
        await asyncio.to_thread(self.acknowledge, ids)
        if self._on_acked is not None and ids:
            try:
                await self._on_acked(ids)
            except Exception:
                logger.exception("outbox %s: handling the ack of %d messages failed", self._device_id, len(ids))
        for message in refused:
            logger.warning("outbox %s: the hub refused %s (%s)", self._device_id, message.message_id, message.code)
            if self._on_refused is not None:
                try:
                    await self._on_refused(message)
                except Exception:
                    logger.exception("outbox %s: showing refusal %s failed", self._device_id, message.message_id)

    async def _send_forever(self) -> None:
        while True:
            try:
                sent = await self.flush_once()
            except LinkError as exc:
                logger.info("outbox %s: broker unavailable (%s); %d waiting", self._device_id, exc, self.pending())
                sent = 0
                with contextlib.suppress(LinkError):
                    await self._link.wait_connected(self._retry_after_s)
            if sent == 0:
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(1.0, self._retry_after_s)):
                        await self._wakeup.wait()

    async def flush_once(self) -> int:
        """Send what is due, in order; the number of messages the broker accepted."""
        if not self._link.connected:
            return 0
        rows = await asyncio.to_thread(self._due, time.time())
        if not rows:
            return 0
        done: list[int] = []
        try:
            for seq, topic, payload, qos, retain in rows:
                await self._link.publish(topic, bytes(payload), qos=qos, retain=bool(retain))
                done.append(seq)
        finally:
            if done:
                await asyncio.to_thread(self._mark_sent, done, time.time())
        return len(done)
