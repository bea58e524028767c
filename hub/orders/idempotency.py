"""An order's idempotency key, and the fingerprint that tells a retry from a reused key.

The key is (channel, scope, external id). Channels whose ids are local to a store, because a POS
or a person numbers them per store ("1001" comes back in every store every day), are scoped by
the store. Every other channel is a sales platform (meituan, eleme, a mini program) whose order
ids are unique across the platform: its scope is empty, so one platform order can never become
two orders in two stores.

The same key with the same request is a retry and returns the first order; the same key with
another request is a mistake on the caller's side and is refused, never answered with an order
the caller did not ask for.
"""

from __future__ import annotations

import hashlib
import json

from hub.errors import InvalidInput
from hub.orders.schemas import OrderIn

STORE_SCOPED_CHANNELS = frozenset({"store-pos", "manual", "phone", "walk-in"})
"""Channels whose external ids are only unique within a store: the store's POS (``store-pos``),
orders staff type in (``manual``, the default for staff), phone and walk-in orders."""


class IdempotencyKeyReused(InvalidInput):
    code = "order.idempotency_key_reused"


def key_scope(channel: str, store_id: str) -> str:
    """The store for a store-scoped channel; empty for a channel whose ids are global."""
    return store_id if channel in STORE_SCOPED_CHANNELS else ""


def request_fingerprint(body: OrderIn, *, order_id: str | None = None) -> str:
    """SHA-256 of the request as validated (times in UTC, defaults filled in) and the order id a store
    chose, if any. ``channel`` is left out: the resolved channel is part of the key itself."""
    fields = body.model_dump(mode="json", exclude={"channel"})
    fields["order_id"] = order_id
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_same_request(stored_hash: str | None, request_hash: str) -> None:
    """Raise when the key was used before by another request (orders placed before fingerprints
    were kept have none: they replay as before)."""
    if stored_hash is not None and stored_hash != request_hash:
        raise IdempotencyKeyReused(
            "idempotency key reused with another request: this external_id already placed a different "
            "order on this channel; send the same request to get that order back, or use a new external_id"
        )
