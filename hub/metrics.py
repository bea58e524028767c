"""Prometheus metrics, one registry per hub instance (tests build many apps).

A label whose values come from outside (a channel named in an order body, a device's message type,
a rule id) uses ``BoundedCounter`` / ``BoundedGauge``: nobody can create series without end.
"""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

OTHER = "other"
MAX_LABEL_VALUES = 50
"""Distinct values kept per label; the ones seen after that are counted as "other"."""
MAX_LABEL_LENGTH = 64
_lock = threading.Lock()


def _bounded(metric: Any, labelvalues: tuple[object, ...], labelkwargs: dict[str, object]) -> dict[str, str]:
    values = dict(zip(metric._labelnames, labelvalues, strict=False)) | labelkwargs
    seen: dict[str, set[str]] = metric.__dict__.setdefault("_brigade_seen", {})
    bounded: dict[str, str] = {}
    with _lock:
        for name, raw in values.items():
            value = str(raw)[:MAX_LABEL_LENGTH]
            known = seen.setdefault(name, set())
            if value not in known:
                if len(known) >= MAX_LABEL_VALUES:
                    value = OTHER
                else:
                    known.add(value)
            bounded[name] = value
    return bounded


class BoundedCounter(Counter):
    def labels(self, *labelvalues: object, **labelkwargs: object) -> BoundedCounter:
        return super().labels(**_bounded(self, labelvalues, labelkwargs))


class BoundedGauge(Gauge):
    def labels(self, *labelvalues: object, **labelkwargs: object) -> BoundedGauge:
        return super().labels(**_bounded(self, labelvalues, labelkwargs))


class HubMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.orders_created = BoundedCounter(
            "brigade_orders_created_total", "Orders created", ["channel"], registry=self.registry
        )
        self.orders_replayed = Counter(
            "brigade_orders_idempotent_replays_total",
            "Order requests answered with an existing order",
            registry=self.registry,
        )
        self.outbox_published = Counter(
            "brigade_outbox_published_total", "Outbox messages acknowledged by the broker", registry=self.registry
        )
        self.outbox_pending = Gauge(
            "brigade_outbox_pending", "Outbox messages not yet acknowledged", registry=self.registry
        )
        self.mqtt_consumed = BoundedCounter(
            "brigade_mqtt_consumed_total", "Device messages consumed", ["type"], registry=self.registry
        )
        self.mqtt_duplicates = Counter(
            "brigade_mqtt_duplicates_total", "Redelivered device messages ignored", registry=self.registry
        )
        self.mqtt_bridge_queued = Gauge(
            "brigade_mqtt_bridge_queued",
            "Device messages received and waiting in the bridge's queues to be applied",
            registry=self.registry,
        )
        self.mqtt_dead_letters = BoundedCounter(
            "brigade_mqtt_dead_letters_total", "Device messages sent to dead-letter", ["reason"], registry=self.registry
        )
        self.kitchen_unconfirmed = Gauge(
            "brigade_kitchen_tickets_unconfirmed",
            "Kitchen tickets not confirmed printed or shown within the limit",
            registry=self.registry,
        )
        self.kitchen_alerts = BoundedCounter(
            "brigade_kitchen_ticket_alerts_total",
            "Kitchen ticket confirmation alerts",
            ["store_id"],
            registry=self.registry,
        )
        self.delivery_riders = BoundedGauge(
            "brigade_delivery_riders", "Active riders by GPS status", ["status"], registry=self.registry
        )
        self.delivery_positions_dropped = Gauge(
            "brigade_delivery_rider_positions_dropped",
            "Positions the hub dropped as dated too far ahead of its clock, per rider (from the database)",
            ["rider_id"],
            registry=self.registry,
        )
        self.delivery_late = Counter(
            "brigade_delivery_late_total", "Deliveries found late (delivery.late events)", registry=self.registry
        )
        self.delivery_plans = Counter(
            "brigade_delivery_plans_total", "Store route plans written by the dispatcher", registry=self.registry
        )
        self.crm_events = Counter(
            "brigade_crm_order_events_total", "Order events handled by the CRM feed", registry=self.registry
        )
        self.crm_recompute_seconds = Gauge(
            "brigade_crm_recompute_seconds", "Duration of the last CRM recompute", registry=self.registry
        )
        self.rule_actions = BoundedCounter(
            "brigade_rule_actions_total", "Customers acted on by automation rules", ["rule_id"], registry=self.registry
        )
        self.coupons_granted = BoundedCounter(
            "brigade_coupons_granted_total", "Coupons granted by automation rules", ["rule_id"], registry=self.registry
        )
        self.notifications = BoundedCounter(
            "brigade_notifications_total",
            "Customer messages handled by the sender",
            ["outcome"],
            registry=self.registry,
        )
        self.logins = BoundedCounter(
            "brigade_auth_logins_total",
            "Staff password checks by outcome (ok, failed, throttled, busy)",
            ["outcome"],
            registry=self.registry,
        )
        self.request_latency = Histogram(
            "brigade_http_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5),
        )
