"""The edge agent on the in-memory broker with simulated printers on real sockets: fast, every rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from contracts import topics
from contracts.devices import DeviceState, PrinterStatus
from contracts.envelope import decode, encode_body
from contracts.kitchen import PrintOutcome, PrintResult, TicketLine, TicketReceived
from contracts.messaging import DeadLetter
from edge_agent.spool import TicketSpool
from firmware_sim.printer import Fault
from mqttlink import FakeBroker, FakeMqttLink
from tests.edge_agent.harness import STORE, FakeHub, SimStore, sim_store
from tests.edge_agent.tickets import ticket


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[SimStore, FakeHub]]:
    broker = FakeBroker()
    hub = FakeHub(broker)
    await hub.start()
    async with sim_store(tmp_path / "edge") as s:
        link = FakeMqttLink(broker)
        await link.start()
        await s.start_agent(link)
        yield s, hub


def _t(order: str, station: str = "wok", **changes: object):  # type: ignore[no-untyped-def]
    return ticket(store_id=STORE, ticket_id=f"{order}:{station}", order_id=order, station_id=station, **changes)


async def test_a_ticket_prints_once_on_its_station_printer_and_the_hub_hears_it(
    store: tuple[SimStore, FakeHub],
) -> None:
    s, hub = store
    for _ in range(3):  # the broker redelivered it twice
        await hub.send(_t("o1"))
    [printed] = await s.wait_printed(1, "wok")
    assert printed.ticket_id == "o1:wok" and not printed.reprint and printed.backup_from is None
    [result] = await hub.wait_for(PrintResult, 1)
    assert (result.outcome, result.printer_id, result.backup_from) == (PrintOutcome.PRINTED, "wok-p", None)
    assert hub.bodies(TicketReceived) == [], "printed at once: the print result says it arrived, too"
    await s.agent.outbox.flush_once()  # type: ignore[union-attr]
    assert s.agent.outbox.pending() == 0, "acknowledged rows are gone"  # type: ignore[union-attr]
    assert len(s.printed()) == 1 and s.agent.intake.duplicates == 2  # type: ignore[union-attr]


async def test_a_ticket_no_printer_can_take_yet_is_reported_received(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    for name in ("wok", "receipt"):
        s.printers[name].printer.set_fault(Fault.OFFLINE)
    await hub.send(_t("o1b"))
    [received] = await hub.wait_for(TicketReceived, 1)
    [failed] = await hub.wait_for(PrintResult, 1)
    assert received.ticket_id == failed.ticket_id == "o1b:wok" and failed.outcome is PrintOutcome.FAILED
    s.printers["receipt"].printer.set_fault(None)
    [printed] = await s.wait_printed(1, "receipt")
    assert printed.backup_from == "wok"
    results = await hub.wait_for(PrintResult, 2)
    assert results[-1].outcome is PrintOutcome.PRINTED


async def test_a_changed_order_prints_only_what_changed(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    first = _t("o2")
    await hub.send(first)
    await s.wait_printed(1, "wok")
    changed = _t("o2", revision=2, lines=(first.lines[0], TicketLine(line_id="n1", name="酸辣汤", quantity=1)))
    await hub.send(changed)
    printed = await s.wait_printed(2, "wok")
    change = next(t for t in printed if t.revision == 2)
    assert change.changed and not change.reprint
    assert "+ 1x 酸辣汤" in change.text and "- 1x 鱼香肉丝" in change.text and "宫保鸡丁" not in change.text
    await hub.send(_t("o2", revision=3, reprint=True, lines=changed.lines))
    reprint = next(t for t in await s.wait_printed(3, "wok") if t.revision == 3)
    assert reprint.reprint and "1x 酸辣汤" in reprint.text


async def test_paper_out_sends_the_stations_tickets_down_its_chain(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    s.printers["grill"].printer.set_fault(Fault.PAPER_OUT)
    await hub.send(_t("o3", "grill"))
    [printed] = await s.wait_printed(1, "backup")
    assert printed.backup_from == "grill" and not printed.reprint, "nothing went out on the grill printer"
    assert "BACKUP FROM grill" in printed.text
    s.printers["backup"].printer.set_fault(Fault.OFFLINE)
    await hub.send(_t("o4", "grill"))
    [last] = await s.wait_printed(1, "receipt")
    assert last.ticket_id == "o4:grill" and last.backup_from == "grill"
    results = await hub.wait_for(PrintResult, 2)
    assert {(r.ticket_id, r.printer_id, r.backup_from) for r in results} == {
        ("o3:grill", "backup-p", "grill"),
        ("o4:grill", "receipt-p", "grill"),
    }
    states = {b.device_id: b.status for b in hub.bodies(DeviceState)}
    assert states["grill-p"] is PrinterStatus.PAPER_OUT and states["backup-p"] is PrinterStatus.OFFLINE


async def test_a_printer_back_online_takes_its_station_again(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    s.printers["wok"].printer.set_fault(Fault.OFFLINE)
    await hub.send(_t("o5"))
    await s.wait_printed(1, "receipt")
    s.printers["wok"].printer.set_fault(None)
    await hub.wait_for(DeviceState, 1)

    def wok_online() -> bool:
        return [b.status for b in hub.bodies(DeviceState) if b.device_id == "wok-p"][-1] is PrinterStatus.ONLINE

    while not wok_online():
        await hub.wait_for(DeviceState, len(hub.bodies(DeviceState)) + 1)
    await hub.send(_t("o6"))
    [printed] = await s.wait_printed(1, "wok")
    assert printed.ticket_id == "o6:wok" and printed.backup_from is None


async def test_a_job_dropped_mid_print_is_printed_again_marked_reprint(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    s.printers["wok"].printer.drop_next_jobs(1, after_bytes=200)
    await hub.send(_t("o7"))
    [again] = await s.wait_printed(1)
    assert again.reprint, "outcome unknown: never printed again unmarked"
    first = s.printers["wok"].printer.jobs[0]
    assert first.interrupted and "宫保鸡丁" not in first.text, "the first attempt never finished"


async def test_unknown_stations_and_garbage_never_stop_the_agent(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    topic = topics.KITCHEN_TICKET.build(store_id=STORE, station_id="wok")
    dead = FakeMqttLink(hub.broker)
    await dead.start()
    await hub.link.publish(topic, b"\xff\x00 not json")
    await hub.link.publish(topic, encode_body(_t("o8", "grill"), source="hub"))  # on the wrong station's topic
    await hub.send(_t("o9", "dessert"))  # no printer: the default printer takes it
    await hub.send(_t("o10"))
    printed = await s.wait_printed(2)
    assert {(t.ticket_id, t.backup_from) for t in printed} == {("o9:dessert", "dessert"), ("o10:wok", None)}
    reasons = [decode(m.payload, DeadLetter).body.reason for m in hub.broker.messages_on(topics.DEAD_LETTER.build())]
    assert len(reasons) == 2 and "not a Brigade envelope" in reasons[0] and "o8:grill" in reasons[1]


async def test_no_printer_at_all_for_a_station_is_reported_failed(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = FakeHub(broker)
    await hub.start()
    async with sim_store(tmp_path / "edge", default_printer=None) as s:
        link = FakeMqttLink(broker)
        await link.start()
        await s.start_agent(link)
        await hub.send(_t("o11", "dessert"))
        await hub.send(_t("o12"))
        [failed] = [r for r in await hub.wait_for(PrintResult, 2) if r.outcome is PrintOutcome.FAILED]
        assert failed.ticket_id == "o11:dessert" and "no printer for station dessert" in (failed.error or "")
        assert [t.ticket_id for t in await s.wait_printed(1)] == ["o12:wok"]


async def test_a_restart_reprints_a_job_caught_printing_and_keeps_unacked_messages(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = FakeHub(broker, auto_ack=False)
    await hub.start()
    async with sim_store(tmp_path / "edge") as s:
        spool = TicketSpool(s.settings().spool_path)  # the agent that died had journaled and started a job
        result = spool.journal(_t("o13"))
        assert result.job is not None
        spool.mark_printing(result.job)
        spool.close()
        link = FakeMqttLink(broker)
        await link.start()
        await s.start_agent(link)
        [printed] = await s.wait_printed(1, "wok")
        assert printed.reprint and printed.ticket_id == "o13:wok"
        await hub.wait_for(PrintResult, 1)  # it also reports the receipt a crash had held back
        assert s.agent.outbox.pending() == 1, "no ack from the hub: kept"  # type: ignore[union-attr]
        await s.stop_agent()
        await s.start_agent(link)
        assert s.agent.outbox.pending() == 1  # type: ignore[union-attr]
        await hub.send(_t("o13"))  # the broker redelivers the ticket after the restart
        assert len(s.printed()) == 1
