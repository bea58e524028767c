"""Consumes device topics: decode, dedupe (inbox), apply in one transaction, ack; dead-letter the rest.

The bridge holds no business rule: each route names the service function that applies it.
Messages are applied by a few workers; all messages of one sender go to the same worker, in order.
A route with ``apply_many`` (rider positions) is applied in groups: whatever of it is waiting in a
worker's queue (up to ``max_group`` messages) goes through one transaction with one inbox insert,
and each sender gets one ack naming all its messages of the group. Under light load a group is one
message, so grouping adds no latency; under load it turns thousands of small transactions into few.
A device's resend of a message still queued is dropped, and one of a message applied a moment ago
is acked from memory (``resends.py``), so an outage's backlog and its retries cannot grow the queue
faster than it drains; ``brigade_mqtt_bridge_queued`` shows what waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from datetime import UTC, datetime
from typing import Any

from contracts import topics
from contracts.envelope import Envelope, decode, sender_of
from contracts.errors import ContractError
from contracts.messaging import Ack, Refusal
from hub.bridge.device_registry import DeviceRegistry, RegistryUnavailable, source_problem
from hub.bridge.failures import AttemptCounter, describe, is_transient
from hub.bridge.resends import Arrival, ResendFilter
from hub.bridge.routes import Route
from hub.db import Database
from hub.errors import DomainError
from hub.metrics import HubMetrics
from hub.outbox.inbox import claim_message, claim_messages
from mqttlink import LinkError, MqttLinkPort, MqttMessage, dead_letter, publish_body

logger = logging.getLogger(__name__)

_Item = tuple[Route, MqttMessage, Envelope[Any], dict[str, str]]
MAX_ACK_IDS = 5000
"""An Ack names at most this many message ids (the contract's limit)."""
APPLY_FAILED = "bridge.apply_failed"
UNKNOWN_SOURCE = "bridge.unknown_source"
CONTRACT_INVALID = ContractError.code


class _Later:
    """The database is unavailable: neither applied nor refused; the sender resends."""


LATER = _Later()


class MqttBridge:
    def __init__(
        self,
        db: Database,
        link: MqttLinkPort,
        metrics: HubMetrics,
        routes: list[Route],
        *,
        root: str,
        source: str,
        consumer: str = "hub",
        workers: int = 4,
        max_group: int = 64,
        max_attempts: int = 3,
        registry: DeviceRegistry | None = None,
    ) -> None:
        self._db = db
        self._link = link
        self._metrics = metrics
        self._routes = routes
        self._root = root
        self._source = source
        self._consumer = consumer
        self._max_group = max_group
        self._max_attempts = max_attempts
        self._attempts = AttemptCounter()
        self.registry = registry or DeviceRegistry(db)
        self._queues: list[asyncio.Queue[_Item]] = [asyncio.Queue(maxsize=1000) for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        self._resends = ResendFilter()
        self._answering: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(q), name=f"bridge-worker-{i}") for i, q in enumerate(self._queues)
        ]
        for route in self._routes:
            await self._link.subscribe(
                route.template.wildcard(root=self._root), self._receiver(route), qos=1, shared=True
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _receiver(self, route: Route) -> Any:
        async def receive(message: MqttMessage) -> None:
            params = route.template.parse(message.topic, root=self._root)
            if params is None or not message.payload:
                return
            try:
                envelope: Envelope[Any] = decode(message.payload, route.template.payload)
            except ContractError as exc:
                self._metrics.mqtt_dead_letters.labels(reason="contract").inc()
                await self._refuse_unreadable(route, message, params, exc.reason)
                return
            if route.inbox and route.ack:
                arrival = self._resends.arrived(envelope)
                if arrival is not Arrival.NEW:
                    self._metrics.mqtt_duplicates.inc()
                    if arrival is Arrival.SETTLED:
                        self._answer_resend(envelope)
                    return
            queue = self._queues[zlib.crc32(envelope.source.encode()) % len(self._queues)]
            await queue.put((route, message, envelope, params))
            self._metrics.mqtt_bridge_queued.inc()

        return receive

    def _answer_resend(self, envelope: Envelope[Any]) -> None:
        """Ack a resend of a message applied a moment ago, without waiting behind the queue."""
        task = asyncio.create_task(self._ack(envelope), name=f"ack-resend-{envelope.id}")
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _work(self, queue: asyncio.Queue[_Item]) -> None:
        carry: _Item | None = None
        while True:
            if carry is None:
                item = await queue.get()
                self._metrics.mqtt_bridge_queued.dec()
            else:
                item, carry = carry, None
            route, message, envelope, params = item
            taken = [item]
            settled: set[Any] = set()
            try:
                if not await self._admit(item):
                    continue
                if route.apply_many is None:
                    if await self.handle(route, message, envelope, params):
                        settled.add(envelope.id)
                    continue
                group = [item]
                while len(group) < self._max_group and not queue.empty():
                    following = queue.get_nowait()
                    self._metrics.mqtt_bridge_queued.dec()
                    if following[0] is not route:
                        carry = following  # keeps each sender's order: handled right after this group
                        break
                    taken.append(following)
                    if await self._admit(following):
                        group.append(following)
                settled |= await self.handle_group(route, group)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.error(  # no traceback: its text may quote personal data
                    "bridge failed on %s message %s from %s: %s; the sender will retry",
                    envelope.type,
                    envelope.id,
                    envelope.source,
                    describe(exc),
                )
            finally:
                for done in taken:
                    self._resends.finished(done[2], settled=done[2].id in settled)

    async def _refuse_unreadable(self, route: Route, message: MqttMessage, params: dict[str, str], reason: str) -> None:
        """Dead-letter a message that breaks the contract (a NUL in a note, a wrong type); when it names a
        registered sender of this topic, that device also gets it refused, so its outbox moves on and its
        user sees why (a resend would be refused again). A forged or unknown sender is told nothing."""
        sender = sender_of(message.payload)
        problem: str | None = "no readable sender"
        if sender is not None and route.ack and "client_id" not in params:
            with contextlib.suppress(RegistryUnavailable):
                problem = await self._sender_problem(sender[1], params)
        if sender is None or problem is not None:
            await self._dead_letter(message, reason)
            return
        message_id, source = sender
        await self._dead_letter(message, reason, source=source)
        refusal = Refusal(
            message_id=message_id, code=CONTRACT_INVALID, reason=f"the hub cannot read this message: {reason}"
        )
        await self._publish_ack(
            Ack(device_id=source, message_ids=(message_id,), at=datetime.now(UTC), refused=(refusal,))
        )

    async def _sender_problem(self, source: str, params: dict[str, str]) -> str | None:
        """Why ``source`` may not speak on a topic with ``params`` (None: it may); raises
        ``RegistryUnavailable`` when the registry cannot say."""
        device = None if "client_id" in params else await self.registry.lookup(source)
        return source_problem(source, params, device)

    async def _admit(self, item: _Item) -> bool:
        """Whether the envelope's source may speak on this topic; a forged or unknown one is dead-lettered,
        and nothing is sent to the source it claims."""
        _, message, envelope, params = item
        try:
            problem = await self._sender_problem(envelope.source, params)
        except RegistryUnavailable:
            logger.warning("device registry unavailable: message %s waits for its resend", envelope.id)
            return False
        if problem is None:
            return True
        logger.warning("%s message %s dead-lettered: %s", envelope.type, envelope.id, problem)
        self._metrics.mqtt_dead_letters.labels(reason=UNKNOWN_SOURCE).inc()
        await self._dead_letter(message, f"{UNKNOWN_SOURCE}: {problem}", source=envelope.source)
        return False

    async def handle_group(self, route: Route, group: list[_Item]) -> set[Any]:
        """Apply a group in one transaction; returns the ids applied or found applied, and acked."""
        try:
            applied, refused = await asyncio.to_thread(self._apply_group, route, group)
        except Exception as failure:
            logger.warning(
                "a group of %d %s messages failed (%s); applying them one by one",
                len(group),
                route.template.pattern,
                describe(failure),
            )
            settled: set[Any] = set()
            for item in group:
                try:
                    if await self.handle(*item):
                        settled.add(item[2].id)
                except Exception as one:
                    logger.error(  # no traceback: its text may quote personal data
                        "bridge failed on message %s from %s: %s; the sender will retry",
                        item[2].id,
                        item[2].source,
                        describe(one),
                    )
            return settled
        refusals: dict[Any, Refusal] = {}
        for index, error in refused.items():
            _, message, envelope, _ = group[index]
            self._metrics.mqtt_dead_letters.labels(reason=error.code).inc()
            await self._dead_letter(message, f"{error.code}: {error.detail}", source=envelope.source)
            refusals[envelope.id] = Refusal(message_id=envelope.id, code=error.code[:200], reason=error.detail[:2000])
        if applied:
            self._metrics.mqtt_consumed.labels(type=group[0][2].type).inc(applied)
        if not route.ack:
            return set()
        await self._ack_many([item[2] for item in group], refusals)
        return {item[2].id for item in group} - set(refusals)

    def _apply_group(self, route: Route, group: list[_Item]) -> tuple[int, dict[int, DomainError]]:
        assert route.apply_many is not None
        with self._db.session() as session:
            fresh = list(range(len(group)))
            if route.inbox:
                claimed = claim_messages(session, [str(item[2].id) for item in group], self._consumer)
                fresh = []
                for i, item in enumerate(group):
                    message_id = str(item[2].id)
                    if message_id in claimed:
                        claimed.discard(message_id)  # the same id twice in one group: the second is a duplicate
                        fresh.append(i)
                if len(fresh) < len(group):
                    self._metrics.mqtt_duplicates.inc(len(group) - len(fresh))
            refused = route.apply_many(session, [(group[i][2], group[i][3]) for i in fresh]) if fresh else {}
            session.commit()
        return len(fresh) - len(refused), {fresh[k]: exc for k, exc in refused.items()}

    async def _ack_many(self, envelopes: list[Envelope[Any]], refusals: dict[Any, Refusal] | None = None) -> None:
        refusals = refusals or {}
        by_source: dict[str, list[Any]] = {}
        for envelope in envelopes:
            by_source.setdefault(envelope.source, []).append(envelope.id)
        now = datetime.now(UTC)
        bodies = [
            Ack(
                device_id=source,
                message_ids=tuple(chunk),
                at=now,
                refused=tuple(refusals[m] for m in chunk if m in refusals),
            )
            for source, ids in by_source.items()
            for chunk in (ids[i : i + MAX_ACK_IDS] for i in range(0, len(ids), MAX_ACK_IDS))
        ]
        await asyncio.gather(*(self._publish_ack(body) for body in bodies))

    async def handle(self, route: Route, message: MqttMessage, envelope: Envelope[Any], params: dict[str, str]) -> bool:
        """Apply one message; True when it was applied or found applied, and acked."""
        outcome = await self._apply_bounded(route, envelope, params)
        if isinstance(outcome, _Later):
            return False
        refusal = outcome if isinstance(outcome, Refusal) else None
        if refusal is not None:
            self._metrics.mqtt_dead_letters.labels(reason=refusal.code).inc()
            await self._dead_letter(message, f"{refusal.code}: {refusal.reason}", source=envelope.source)
        elif outcome:
            self._metrics.mqtt_consumed.labels(type=envelope.type).inc()
        if not route.ack:
            return False
        await self._ack(envelope, refusal)
        return refusal is None

    async def _apply_bounded(
        self, route: Route, envelope: Envelope[Any], params: dict[str, str]
    ) -> bool | Refusal | _Later:
        """Applied (True), a duplicate (False), refused, or later (the database is away).

        A failure that is not the database being away is tried again at once, up to
        ``max_attempts`` in all; one that is (connection lost, pool exhausted) waits for the
        sender's resend and counts only while the database answers. Either way a message that
        keeps failing is refused in the end, so the sender's outbox moves on.
        """
        message_id = str(envelope.id)
        while True:
            try:
                applied = await asyncio.to_thread(self._apply, route, envelope, params)
            except DomainError as exc:
                self._attempts.forget(message_id)
                return Refusal(message_id=envelope.id, code=exc.code[:200], reason=exc.detail[:2000])
            except Exception as exc:
                what = describe(exc)
                transient = is_transient(exc)
                if transient and not await self._database_answers():
                    logger.warning(
                        "database unavailable applying %s message %s from %s (%s); the sender will retry",
                        envelope.type,
                        envelope.id,
                        envelope.source,
                        what,
                    )
                    return LATER
                attempts = self._attempts.add(message_id)
                if attempts >= self._max_attempts:
                    self._attempts.forget(message_id)
                    logger.error(
                        "%s message %s from %s failed %d times (%s): dead-lettered and refused",
                        envelope.type,
                        envelope.id,
                        envelope.source,
                        attempts,
                        what,
                    )
                    reason = f"the hub could not apply this message after {attempts} attempts ({what})"
                    return Refusal(message_id=envelope.id, code=APPLY_FAILED, reason=reason[:2000])
                logger.warning(
                    "%s message %s from %s failed (attempt %d of %d): %s",
                    envelope.type,
                    envelope.id,
                    envelope.source,
                    attempts,
                    self._max_attempts,
                    what,
                )
                if transient:
                    return LATER
            else:
                self._attempts.forget(message_id)
                return applied

    async def _database_answers(self) -> bool:
        try:
            await asyncio.to_thread(self._db.ping)
        except Exception:
            return False
        return True

    def _apply(self, route: Route, envelope: Envelope[Any], params: dict[str, str]) -> bool:
        with self._db.session() as session:
            if route.inbox and not claim_message(session, str(envelope.id), self._consumer):
                self._metrics.mqtt_duplicates.inc()
                return False
            route.apply(session, envelope, params)
            session.commit()
            return True

    async def _ack(self, envelope: Envelope[Any], refusal: Refusal | None = None) -> None:
        """Tell the sender it may forget the message; a refusal goes with its reason, for its user."""
        await self._publish_ack(
            Ack(
                device_id=envelope.source,
                message_ids=(envelope.id,),
                at=datetime.now(UTC),
                refused=(refusal,) if refusal is not None else (),
            )
        )

    async def _publish_ack(self, body: Ack) -> None:
        try:
            await publish_body(
                self._link, topics.ACK, body, source=self._source, root=self._root, device_id=body.device_id
            )
        except (LinkError, ContractError) as exc:
            logger.warning(
                "could not ack %d messages to %s: %s (they will be resent; the inbox drops them)",
                len(body.message_ids),
                body.device_id,
                exc,
            )

    async def _dead_letter(self, message: MqttMessage, reason: str, source: str | None = None) -> None:
        try:
            await dead_letter(self._link, message, reason, root=self._root, consumer=self._source, source=source)
        except LinkError as exc:
            logger.warning("could not dead-letter a message from %s: %s", message.topic, exc)
