"""The MQTT adapter over paho-mqtt 2.x, bridged into asyncio.

paho's network thread never runs our code: it only hands messages and acknowledgements to the
event loop (``call_soon_threadsafe``). Handlers run on the loop, one message at a time, each
wrapped so a failing handler is logged and the next message still flows. Incoming QoS 1
messages are acknowledged to the broker only after their handler returned.

Locking: paho calls ``on_publish`` holding its ``_out_message_mutex``, and our callbacks take
``self._lock``. So the order is always paho's mutex, then ours; we never call into paho while
holding ``self._lock``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import encode_body
from mqttlink.port import Handler, LinkError, MqttMessage
from mqttlink.settings import MqttSettings

logger = logging.getLogger(__name__)

UNSUPPORTED_PROTOCOL_VERSION = 132
V5_CONNACK_PROBE_S = 3.0
"""amqtt neither answers nor refuses a v5 CONNECT that carries properties: give up on v5 after this."""


class _QuietWhileReconnecting(logging.Filter):
    """paho logs "Client is not connected" at ERROR for every publish queued during a reconnect;
    the link reports connection changes itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "not connected" not in record.getMessage()


_paho_logger = logging.getLogger("mqttlink.paho")
_paho_logger.addFilter(_QuietWhileReconnecting())


@dataclass(frozen=True, slots=True)
class _Subscription:
    topic_filter: str
    handler: Handler
    qos: int
    shared: bool


class PahoMqttLink:
    """One MQTT connection with reconnect, presence, persistent session and awaited publishes."""

    def __init__(self, settings: MqttSettings, *, presence: Presence | None = None) -> None:
        self._settings = settings
        self._presence = presence
        self._use_v5 = settings.protocol in ("auto", "5")
        self._v5_confirmed = False
        self._subscriptions: list[_Subscription] = []
        self._session_live = False
        """Set under ``_lock`` when on_connect has taken its snapshot of the subscriptions."""
        self._lock = threading.Lock()
        self._pending: dict[int, asyncio.Future[None]] = {}
        self._pending_subscribes: set[int] = set()
        self._early_subacks: set[int] = set()
        self._generation = 0
        self._shared_available = False
        self._client: paho.Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[paho.MQTTMessage, int]] = asyncio.Queue()
        self._connected = asyncio.Event()
        self._consumer: asyncio.Task[None] | None = None
        self._stopping = False
        self._retired: paho.Client | None = None
        """The client of a v5 attempt given up for 3.1.1: its last callbacks are ignored."""

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def shared_subscriptions(self) -> bool:
        return self._shared_available

    @property
    def protocol(self) -> str:
        return "5" if self._use_v5 else "3.1.1"

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._consumer = self._loop.create_task(self._consume(), name=f"mqtt-consume-{self._settings.client_id}")
        self._open_client()

    async def stop(self) -> None:
        self._stopping = True
        client = self._client
        if client is not None:
            if self._presence is not None and self.connected:
                with contextlib.suppress(LinkError, asyncio.TimeoutError):
                    async with asyncio.timeout(2.0):
                        await self._publish_presence(PresenceStatus.OFFLINE)
            client.disconnect()
            await asyncio.to_thread(client.loop_stop)
        if self._consumer is not None:
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for fut in pending:
            if not fut.done():
                fut.set_exception(LinkError("link stopped"))
        self._connected.clear()

    async def wait_connected(self, timeout: float | None = None) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._connected.wait()
        except TimeoutError as exc:
            raise LinkError(f"not connected to {self._settings.host}:{self._settings.port} after {timeout}s") from exc

    # -- publish / subscribe -------------------------------------------------------------

    async def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> None:
        client = self._require_client()
        if qos == 0:
            info = client.publish(topic, payload, qos=0, retain=retain)
            _check_rc(info.rc, topic)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # PUBACKs are handled under this mutex, so the ack cannot arrive before the future is known.
        with client._out_message_mutex:
            info = client.publish(topic, payload, qos=qos, retain=retain)
            _check_rc(info.rc, topic)
            with self._lock:
                self._pending[info.mid] = fut
        try:
            async with asyncio.timeout(self._settings.publish_timeout_s):
                await fut
        except TimeoutError as exc:
            raise LinkError(f"broker did not acknowledge {topic} within {self._settings.publish_timeout_s}s") from exc
        finally:
            if not fut.done() or fut.cancelled():  # timed out here, or the caller gave up (its own timeout)
                with self._lock:
                    self._pending.pop(info.mid, None)

    async def subscribe(self, topic_filter: str, handler: Handler, *, qos: int = 1, shared: bool = False) -> None:
        sub = _Subscription(topic_filter, handler, qos, shared)
        with self._lock:  # on_connect snapshots the list under the same lock: one of us subscribes it
            self._subscriptions.append(sub)
            live = self._session_live
        client = self._client
        if client is None or not live:
            return  # subscribed on connect
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        rc, mid = self._send_subscribe(client, sub)
        if rc != paho.MQTT_ERR_SUCCESS or mid is None:
            return  # subscribed again on reconnect
        with self._lock:
            if mid in self._early_subacks:
                self._early_subacks.discard(mid)
                return
            self._pending[mid] = fut
            self._pending_subscribes.add(mid)
        try:
            async with asyncio.timeout(self._settings.publish_timeout_s):
                await fut
        except TimeoutError as exc:
            raise LinkError(f"broker did not acknowledge subscription {topic_filter}") from exc

    # -- internals -----------------------------------------------------------------------

    def _require_client(self) -> paho.Client:
        if self._client is None:
            raise LinkError("link not started")
        return self._client

    def _wire_filter(self, sub: _Subscription) -> str:
        group = self._settings.shared_group
        if sub.shared and group and self._shared_available:
            return topics.shared(sub.topic_filter, group)
        return sub.topic_filter

    def _send_subscribe(self, client: paho.Client, sub: _Subscription) -> tuple[int, int | None]:
        if self._use_v5:
            return client.subscribe(self._wire_filter(sub), options=SubscribeOptions(qos=sub.qos))
        return client.subscribe(self._wire_filter(sub), qos=sub.qos)

    def _open_client(self) -> None:
        s = self._settings
        if self._use_v5:
            client = paho.Client(
                CallbackAPIVersion.VERSION2, client_id=s.client_id, protocol=paho.MQTTv5, manual_ack=True
            )
        else:
            client = paho.Client(
                CallbackAPIVersion.VERSION2,
                client_id=s.client_id,
                protocol=paho.MQTTv311,
                clean_session=not s.persistent_session,
                manual_ack=True,
            )
        client.enable_logger(_paho_logger)
        client.reconnect_delay_set(
            min_delay=max(1, round(s.reconnect_min_s)), max_delay=max(1, round(s.reconnect_max_s))
        )
        client.max_inflight_messages_set(s.max_inflight)
        client.max_queued_messages_set(0)
        if s.username:
            client.username_pw_set(s.username, s.password.get_secret_value() if s.password else None)
        if s.tls:
            client.tls_set(ca_certs=s.tls_ca_file, certfile=s.tls_cert_file, keyfile=s.tls_key_file)
        if self._presence is not None:
            client.will_set(self._presence_topic(), self._presence_payload(PresenceStatus.OFFLINE), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_socket_open = self._on_socket_open
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        if self._use_v5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = s.session_expiry_s if s.persistent_session else 0
            client.connect_async(
                s.host, s.port, keepalive=s.keepalive_s, clean_start=not s.persistent_session, properties=props
            )
        else:
            client.connect_async(s.host, s.port, keepalive=s.keepalive_s)
        with self._lock:
            self._session_live = False
        self._client = client
        client.loop_start()

    def _presence_topic(self) -> str:
        assert self._presence is not None
        return topics.PRESENCE.build(root=self._settings.topic_root, client_id=self._presence.client_id)

    def _presence_payload(self, status: PresenceStatus) -> bytes:
        assert self._presence is not None
        body = self._presence.model_copy(update={"status": status})
        return encode_body(body, source=self._presence.client_id)

    async def _publish_presence(self, status: PresenceStatus) -> None:
        await self.publish(self._presence_topic(), self._presence_payload(status), qos=1, retain=True)

    def _call_in_loop(self, fn: Any, *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(fn, *args)

    # paho thread callbacks: hand over to the loop, never run our code here ------------

    def _on_connect(
        self, client: paho.Client, _userdata: Any, flags: Any, reason: ReasonCode, properties: Properties | None
    ) -> None:
        if reason.is_failure:
            if reason.value == UNSUPPORTED_PROTOCOL_VERSION and self._use_v5 and self._settings.protocol == "auto":
                logger.info(
                    "broker %s:%s refused MQTT v5; falling back to 3.1.1", self._settings.host, self._settings.port
                )
                self._retired = client  # before paho reports the refused connection as a disconnect
                self._call_in_loop(self._schedule_fallback, client)
            else:
                logger.warning("connection to %s:%s refused: %s", self._settings.host, self._settings.port, reason)
            return
        if self._use_v5:
            self._v5_confirmed = True  # this broker speaks v5: never fall back on a later hiccup
            available = getattr(properties, "SharedSubscriptionAvailable", 1) if properties else 1
            self._shared_available = bool(available)
        else:
            self._shared_available = False
        with self._lock:
            self._generation += 1
            subscriptions = list(self._subscriptions)
            self._session_live = True
        for sub in subscriptions:
            self._send_subscribe(client, sub)
        if self._presence is not None:
            client.publish(self._presence_topic(), self._presence_payload(PresenceStatus.ONLINE), qos=1, retain=True)
        logger.info(
            "connected to %s:%s as %s (MQTT %s, session present: %s)",
            self._settings.host,
            self._settings.port,
            self._settings.client_id,
            self.protocol,
            getattr(flags, "session_present", None),
        )
        self._call_in_loop(self._connected.set)

    def _on_socket_open(self, client: paho.Client, _userdata: Any, _sock: Any) -> None:
        if self._use_v5 and self._settings.protocol == "auto" and not self._v5_confirmed:
            self._call_in_loop(self._arm_v5_probe, client)

    def _on_disconnect(
        self, client: paho.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _properties: Properties | None
    ) -> None:
        if client is self._retired:
            return  # the v5 attempt, closed on purpose: its successor is already connecting
        with self._lock:
            self._generation += 1
            self._session_live = False
            subs = [self._pending.pop(mid) for mid in list(self._pending_subscribes) if mid in self._pending]
            self._pending_subscribes.clear()
        for fut in subs:  # resubscribed on reconnect
            self._call_in_loop(_resolve, fut)
        if not self._stopping:
            logger.warning(
                "disconnected from %s:%s (%s); reconnecting", self._settings.host, self._settings.port, reason
            )
        self._call_in_loop(self._connected.clear)

    def _on_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            generation = self._generation
        self._call_in_loop(self._queue.put_nowait, (message, generation))

    def _on_publish(
        self, _client: paho.Client, _userdata: Any, mid: int, _reason: ReasonCode, _properties: Properties | None
    ) -> None:
        with self._lock:
            fut = self._pending.pop(mid, None)
        if fut is not None:
            self._call_in_loop(_resolve, fut)

    def _on_subscribe(
        self, _client: paho.Client, _userdata: Any, mid: int, _reasons: Any, _properties: Properties | None
    ) -> None:
        with self._lock:
            fut = self._pending.pop(mid, None)
            self._pending_subscribes.discard(mid)
            if fut is None:
                if len(self._early_subacks) > 1000:
                    self._early_subacks.clear()
                self._early_subacks.add(mid)
        if fut is not None:
            self._call_in_loop(_resolve, fut)

    # loop side ------------------------------------------------------------------------

    def _arm_v5_probe(self, client: paho.Client) -> None:
        assert self._loop is not None

        def check() -> None:
            if (
                self._client is client
                and self._use_v5
                and not self._v5_confirmed
                and not self.connected
                and not self._stopping
            ):
                logger.info(
                    "no CONNACK to MQTT v5 from %s:%s within %.0fs; falling back to 3.1.1",
                    self._settings.host,
                    self._settings.port,
                    V5_CONNACK_PROBE_S,
                )
                self._schedule_fallback(client)

        self._loop.call_later(V5_CONNACK_PROBE_S, check)

    def _schedule_fallback(self, old: paho.Client) -> None:
        if self._client is not old or not self._use_v5:
            return
        assert self._loop is not None
        self._use_v5 = False
        self._loop.create_task(self._fall_back_to_v311(old))

    async def _fall_back_to_v311(self, old: paho.Client) -> None:
        self._retired = old
        old.disconnect()
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
            self._pending_subscribes.clear()
        for fut in pending:
            if not fut.done():
                fut.set_exception(LinkError("reconnecting with MQTT 3.1.1; publish again"))
        if not self._stopping:
            self._open_client()  # first: the old thread may sit in paho's reconnect wait for up to a second
        await asyncio.to_thread(old.loop_stop)

    async def _consume(self) -> None:
        while True:
            message, generation = await self._queue.get()
            incoming = MqttMessage(message.topic, bytes(message.payload), message.qos, bool(message.retain))
            for sub in list(self._subscriptions):
                if not paho.topic_matches_sub(sub.topic_filter, incoming.topic):
                    continue
                try:
                    await sub.handler(incoming)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception(
                        "handler for %s failed on a message on %s; continuing", sub.topic_filter, incoming.topic
                    )
            self._ack_incoming(message, generation)

    def _ack_incoming(self, message: paho.MQTTMessage, generation: int) -> None:
        client = self._client
        if message.qos == 0 or client is None:
            return
        with self._lock:
            current = self._generation
        if generation == current:  # otherwise the broker redelivers it on the new connection
            client.ack(message.mid, message.qos)


def _check_rc(rc: int, topic: str) -> None:
    if rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN):
        raise LinkError(f"publish to {topic} refused: {paho.error_string(rc)}")


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
