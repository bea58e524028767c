"""Control characters in payload text are a contract violation (-> dead letter), not a printer command.
A device's own report (an error, a dead letter's reason) is cleaned instead, so it always gets through."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import ContractError
from contracts.devices import DeviceState, PrinterStatus, ReportedPrinter
from contracts.envelope import decode, encode_body
from contracts.kitchen import KitchenTicket, PrintOutcome, PrintResult, TicketLine
from contracts.messaging import DeadLetter
from contracts.store_orders import StoreMenu, StoreOrder, StoreOrderLine

DRAWER = "开钱箱\x1bp\x00\x19\x19"
"""ESC p 0 25 25: the pulse that opens a cash drawer."""
AT = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)


def _store_order(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": "o-1",
        "store_id": "sh-001",
        "local_order_id": "1001",
        "order_number": "P1001",
        "placed_at": AT.isoformat(),
        "lines": [{"menu_item_id": "KB", "quantity": 1, "modifiers": ["少辣"], "note": "打包"}],
        "notes": "堂食\n3号桌",
    }
    body.update(changes)
    return body


def _payload(body: dict[str, Any], kind: str = "store.order") -> bytes:
    return json.dumps({"v": 1, "type": kind, "source": "edge-1", "body": body}).encode()


@pytest.mark.parametrize(
    ("changes", "where", "char"),
    [
        ({"lines": [{"menu_item_id": "KB", "quantity": 1, "modifiers": [DRAWER]}]}, "body.lines.0.modifiers.0", "001B"),
        ({"lines": [{"menu_item_id": "KB", "quantity": 1, "note": "葱\x10\x04\x01"}]}, "body.lines.0.note", "0010"),
        ({"order_number": "T\x1b@1"}, "body.order_number", "001B"),
        ({"order_number": "T\n1"}, "body.order_number", "000A"),
        ({"notes": "3号桌\x1bd\x05"}, "body.notes", "001B"),
        ({"notes": "C1 \x9b"}, "body.notes", "009B"),
        ({"notes": "DEL \x7f"}, "body.notes", "007F"),
        ({"notes": "a lone CR \r here"}, "body.notes", "000D"),
        ({"customer_phone": "138\x001234"}, "body.customer_phone", "0000"),
    ],
)
def test_a_store_order_with_a_control_character_is_a_contract_error(
    changes: dict[str, Any], where: str, char: str
) -> None:
    with pytest.raises(ContractError) as refused:
        decode(_payload(_store_order(**changes)), StoreOrder)
    assert where in refused.value.reason
    assert f"control character U+{char}" in refused.value.reason


def test_line_breaks_are_kept_in_long_text_only() -> None:
    order = decode(_payload(_store_order(notes="堂食\r\n3号桌\n不要香菜")), StoreOrder).body
    assert order.notes == "堂食\r\n3号桌\n不要香菜"
    with pytest.raises(ValidationError, match="control character U\\+000A"):
        StoreOrderLine(menu_item_id="KB", quantity=1, modifiers=("少辣\n",))


def test_identifiers_take_no_control_characters_or_trailing_line_break() -> None:
    for bad in ("1001\n", "10\x1b01", "\x85"):
        with pytest.raises(ContractError, match=r"body\.local_order_id"):
            decode(_payload(_store_order(local_order_id=bad)), StoreOrder)


def test_hub_payloads_refuse_them_too() -> None:
    with pytest.raises(ValidationError, match="control character U\\+001B"):
        TicketLine(line_id="l1", name="宫保鸡丁", quantity=1, modifiers=(DRAWER,))
    menu = {"store_id": "sh-001", "station_names": {"wok\x1b": "炒锅"}}
    with pytest.raises(ContractError) as refused:
        decode(_payload(menu, "store.menu"), StoreMenu)
    # The reason names the bad key with its raw bytes, yet it still fits in a dead letter.
    letter = DeadLetter(topic="t", reason=refused.value.reason, payload="", consumer="hub", at=AT)
    assert "\x1b" not in letter.reason and "station_names" in letter.reason


def test_reports_are_cleaned_not_refused() -> None:
    result = PrintResult(
        job_id="j1",
        ticket_id="o1:wok",
        order_id="o1",
        revision=1,
        store_id="sh-001",
        station_id="wok",
        printer_id="wok-p",
        outcome=PrintOutcome.FAILED,
        error="paper out\n\x1b\x10\x04 offline",
        at=AT,
    )
    assert result.error == "paper out \ufffd\ufffd\ufffd offline"
    state = DeviceState(device_id="wok-p", kind="printer", status=PrinterStatus.ERROR, detail="err\tx\x9b", at=AT)
    assert state.detail == "err x\ufffd"
    letter = decode(encode_body(DeadLetter(topic="t", reason=DRAWER, payload="", consumer="hub", at=AT), source="hub"))
    assert letter.body.reason == "开钱箱\ufffdp\ufffd\ufffd\ufffd"


def test_an_agent_reports_a_printer_whose_error_spans_lines_and_runs_long() -> None:
    """python-escpos errors carry line breaks; a report of one must never stop the agent's health loop."""
    error = (
        "cannot connect to tcp://127.0.0.1:9100: Device not found (Could not open socket for 127.0.0.1:\n[Errno 111])"
    )
    state = DeviceState(
        device_id="edge-1",
        kind="edge_agent",
        status=PrinterStatus.ERROR,
        detail="x" * 500,
        printers=(ReportedPrinter(printer_id="wok-p", status=PrinterStatus.OFFLINE, detail=error * 3),),
        at=AT,
    )
    detail = state.printers[0].detail
    assert detail is not None and "\n" not in detail and detail.startswith("cannot connect")
    assert len(detail) == 200 and detail.endswith("\u2026")
    assert state.detail is not None and len(state.detail) == 200


def test_tickets_without_control_characters_roundtrip_unchanged() -> None:
    ticket = KitchenTicket(
        ticket_id="o1:wok",
        order_id="o1",
        order_number="A001",
        revision=1,
        store_id="sh-001",
        station_id="wok",
        channel="meituan",
        placed_at=AT,
        notes="放门口\n保温箱",
        lines=(TicketLine(line_id="l1", name="宫保鸡丁 (大份)", quantity=2, modifiers=("少辣", "加\u3000葱")),),
    )
    assert decode(encode_body(ticket, source="hub"), KitchenTicket).body == ticket
