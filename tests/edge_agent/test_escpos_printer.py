"""The python-escpos adapter against the simulated printer on real TCP sockets and a real pty."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from contracts.devices import PrinterStatus
from edge_agent.errors import PrinterUnavailable, PrintOutcomeUnknown
from edge_agent.printing.escpos_printer import EscposPrinter, PrinterAddress
from edge_agent.printing.printer_status import parse_status
from edge_agent.printing.profile import PrinterProfile
from edge_agent.printing.ticket_renderer import PrintRequest, render_ticket
from firmware_sim.printer import Fault, Paper, PtyPrinter, SimulatedPrinter, TcpPrinter
from firmware_sim.printer.ticket_reader import read_ticket
from tests.edge_agent.tickets import ticket

DATA = render_ticket(PrintRequest(ticket()), PrinterProfile(), ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def sim() -> AsyncIterator[TcpPrinter]:
    printer = TcpPrinter(SimulatedPrinter("wok"))
    await printer.start()
    yield printer
    await printer.stop()


def _adapter(sim: TcpPrinter, timeout_s: float = 2.0) -> EscposPrinter:
    return EscposPrinter("wok", PrinterAddress.parse(sim.url), timeout_s=timeout_s)


class _Marks:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


async def test_a_job_is_printed_and_confirmed_by_the_printers_status(sim: TcpPrinter) -> None:
    marks = _Marks()
    reading = await _adapter(sim).print_job(DATA, marks)
    assert reading.ready and reading.status is PrinterStatus.ONLINE and marks.calls == 1
    [job] = await sim.printer.wait_for_jobs(1)
    printed = read_ticket(job)
    assert printed is not None and printed.complete and printed.ticket_id == "o-1001:wok"
    assert "2x 宫保鸡丁" in job.text


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Fault.OFFLINE, PrinterStatus.OFFLINE),
        (Fault.PAPER_OUT, PrinterStatus.PAPER_OUT),
        (Fault.COVER_OPEN, PrinterStatus.COVER_OPEN),
    ],
)
async def test_a_printer_that_cannot_print_gets_nothing(sim: TcpPrinter, fault: Fault, status: PrinterStatus) -> None:
    sim.printer.set_fault(fault)
    marks = _Marks()
    with pytest.raises(PrinterUnavailable) as caught:
        await _adapter(sim).print_job(DATA, marks)
    assert caught.value.status is status
    assert marks.calls == 0, "nothing was sent: the job may go to another printer unmarked"
    assert sim.printer.jobs == []


async def test_near_end_still_prints_and_says_so(sim: TcpPrinter) -> None:
    sim.printer.set_fault(Fault.PAPER_NEAR_END)
    reading = await _adapter(sim).print_job(DATA, _Marks())
    assert reading.status is PrinterStatus.PAPER_NEAR_END
    await sim.printer.wait_for_jobs(1, lambda j: j.complete)


async def test_a_connection_dropped_mid_job_is_an_unknown_outcome(sim: TcpPrinter) -> None:
    sim.printer.drop_next_jobs(1, after_bytes=100)
    with pytest.raises(PrintOutcomeUnknown):
        await _adapter(sim).print_job(DATA, _Marks())
    [job] = await sim.printer.wait_for_jobs(1)
    assert job.interrupted


async def test_paper_running_out_during_the_job_is_an_unknown_outcome(sim: TcpPrinter) -> None:
    """A write that succeeds is not a print: only the status after the job tells."""
    marks_seen = asyncio.Event()
    loop = asyncio.get_running_loop()

    def before_send() -> None:
        sim.printer.set_paper(Paper.OUT)  # the roll runs out as the job starts
        loop.call_soon_threadsafe(marks_seen.set)

    with pytest.raises(PrintOutcomeUnknown, match="paper_out"):
        await _adapter(sim).print_job(DATA, before_send)
    assert marks_seen.is_set()


async def test_a_slow_printer_times_out_quickly_not_after_sixty_seconds(sim: TcpPrinter) -> None:
    sim.printer.set_fault(Fault.SLOW, slow_s=3.0)
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable):
        await _adapter(sim, timeout_s=0.5).print_job(DATA, _Marks())
    assert time.monotonic() - started < 2.5


async def test_a_fresh_printer_object_per_job_recovers_after_a_failed_connect(sim: TcpPrinter) -> None:
    adapter = _adapter(sim)
    sim.printer.set_fault(Fault.OFFLINE)
    with pytest.raises(PrinterUnavailable):
        await adapter.print_job(DATA, _Marks())
    sim.printer.set_fault(None)
    await sim.wait_listening()
    await adapter.print_job(DATA, _Marks())
    await sim.printer.wait_for_jobs(1, lambda j: j.complete)


async def test_status_read_alone(sim: TcpPrinter) -> None:
    assert (await _adapter(sim).read_status()).status is PrinterStatus.ONLINE
    sim.printer.set_fault(Fault.PAPER_OUT)
    assert (await _adapter(sim).read_status()).status is PrinterStatus.PAPER_OUT


async def test_serial_printer_on_a_pty() -> None:
    pty = PtyPrinter(SimulatedPrinter("bar"))
    await pty.start()
    try:
        adapter = EscposPrinter("bar", PrinterAddress.parse(f"serial://{pty.path}?baudrate=9600"), timeout_s=2)
        await adapter.print_job(DATA, _Marks())
        [job] = await pty.printer.wait_for_jobs(1)
        assert job.complete and "2x 宫保鸡丁" in job.text
        pty.printer.set_fault(Fault.OFFLINE)  # a switched-off serial printer is silent
        with pytest.raises(PrinterUnavailable):
            await EscposPrinter("bar", adapter.address, timeout_s=0.5).print_job(DATA, _Marks())
    finally:
        await pty.stop()


def test_addresses_and_status_bytes() -> None:
    assert PrinterAddress.parse("tcp://10.0.0.5").port == 9100
    serial = PrinterAddress.parse("serial:///dev/ttyUSB0?baudrate=9600")
    assert (serial.device, serial.baudrate) == ("/dev/ttyUSB0", 9600)
    with pytest.raises(ValueError, match="use tcp"):
        PrinterAddress.parse("usb://04b8:0202")
    assert parse_status(b"\x12\x12\x1e").status is PrinterStatus.PAPER_NEAR_END
    assert parse_status(b"\x1a\x32\x7e").status is PrinterStatus.PAPER_OUT
    assert parse_status(b"\x1a\x16\x12").status is PrinterStatus.COVER_OPEN
    assert parse_status(b"\x1a\x12\x12").status is PrinterStatus.OFFLINE
