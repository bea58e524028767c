from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contracts import ContractError, topics
from contracts.envelope import decode, encode, encode_body, wrap
from contracts.kitchen import KitchenTicket, TicketLine, TicketStatus
from contracts.rider import DeliveryEvent, DeliveryEventKind, RiderRoute
from contracts.schema_gen import stale_files


def _ticket(**changes: object) -> KitchenTicket:
    fields: dict[str, object] = dict(
        ticket_id="o1:grill",
        order_id="o1",
        order_number="A001",
        revision=1,
        store_id="s1",
        station_id="grill",
        channel="meituan",
        placed_at=datetime(2026, 11, 24, 4, 0, tzinfo=UTC),
        lines=(TicketLine(line_id="l1", name="宫保鸡丁", quantity=2, modifiers=("少辣",), allergens=("花生",)),),
    )
    fields.update(changes)
    return KitchenTicket.model_validate(fields)


def test_roundtrip_keeps_chinese_text_and_types() -> None:
    ticket = _ticket()
    envelope = decode(encode_body(ticket, source="hub", seq=7))
    assert envelope.body == ticket
    assert envelope.type == "kitchen.ticket"
    assert envelope.seq == 7
    assert "宫保鸡丁" in encode_body(ticket, source="hub").decode("utf-8")


def test_unknown_fields_are_ignored_for_mixed_version_fleets() -> None:
    raw = json.loads(encode_body(_ticket(), source="hub"))
    raw["added_in_v1_5"] = "x"
    raw["body"]["printer_colour"] = "red"
    assert decode(json.dumps(raw).encode()).body == _ticket()


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xff\xfe",
        b"[]",
        b"{}",
        b'{"v":1,"type":"no.such"}',
        b'{"v":9,"type":"kitchen.ticket"}',
        b'{"v":1,"type":"kitchen.ticket","source":"hub","body":{"order_id":"o1"}}',
    ],
)
def test_malformed_payloads_raise_one_clear_exception(payload: bytes) -> None:
    with pytest.raises(ContractError) as info:
        decode(payload)
    assert info.value.reason


def test_decode_checks_the_expected_type() -> None:
    with pytest.raises(ContractError, match=r"expected 'kitchen\.ticket_status'"):
        decode(encode_body(_ticket(), source="hub"), TicketStatus)


def test_body_rules_are_enforced() -> None:
    with pytest.raises(ContractError):
        decode(
            b'{"v":1,"type":"rider.delivery_event","source":"r1",'
            b'"body":{"rider_id":"r1","order_id":"o1","kind":"failed","at":"2026-11-24T00:00:00Z"}}'
        )
    ok = DeliveryEvent(
        rider_id="r1", order_id="o1", kind=DeliveryEventKind.DELIVERED, proof_code="4821", at=datetime.now(UTC)
    )
    assert decode(encode_body(ok, source="r1")).body == ok


def test_topics_build_parse_and_wildcard() -> None:
    topic = topics.KITCHEN_TICKET.build(root="brigade", store_id="s1", station_id="grill")
    assert topic == "brigade/v1/stores/s1/kitchen/grill/tickets"
    assert topics.KITCHEN_TICKET.parse(topic) == {"store_id": "s1", "station_id": "grill"}
    assert topics.TICKET_STATUS.parse(topic) is None
    assert topics.KITCHEN_TICKET.wildcard(store_id="s1") == "brigade/v1/stores/s1/kitchen/+/tickets"
    assert topics.match(topic) == (topics.KITCHEN_TICKET, {"store_id": "s1", "station_id": "grill"})
    assert topics.shared("a/b", "hub") == "$share/hub/a/b"


@pytest.mark.parametrize("value", ["a/b", "+", "#", "", "with space"])
def test_topic_segments_are_validated(value: str) -> None:
    with pytest.raises(ContractError):
        topics.KITCHEN_TICKET.build(store_id=value, station_id="grill")


def test_json_schemas_are_up_to_date() -> None:
    stale = stale_files()
    assert not stale, f"regenerate with `python -m contracts.schema_gen`: {stale}"


def test_an_envelope_class_is_built_once_per_body_type_even_across_garbage_collections() -> None:
    """pydantic keeps ``Envelope[X]`` weakly: without our cache a collection between two messages
    made the next one build the class and its validator again."""
    import gc
    import weakref

    route = RiderRoute(rider_id="r-1", plan_id="p-1", version=1, planned_at=datetime(2026, 12, 6, tzinfo=UTC))
    built = weakref.ref(type(wrap(route, source="hub")))  # no strong reference kept here
    gc.collect()
    assert built() is not None, "the envelope class was collected: the next message builds it again"
    from contracts.envelope import envelope_for

    assert type(wrap(route, source="hub")) is built() is envelope_for(RiderRoute)
    assert type(decode(encode(wrap(route, source="hub")), RiderRoute)) is built()
