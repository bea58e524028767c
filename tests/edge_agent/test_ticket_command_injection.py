"""Text that reaches the renderer with control characters in it never becomes a printer command.

The hub refuses control characters at its boundary; these tickets are built past that validation
(``model_construct``), as a publisher bypassing the hub or an old message would deliver them. The
bytes checked are the ones the simulated printer captured from the python-escpos adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from contracts.kitchen import KitchenTicket, TicketLine
from edge_agent.printing.escpos_printer import EscposPrinter, PrinterAddress
from edge_agent.printing.printable_text import printable, printable_line, without_control_bytes
from edge_agent.printing.profile import PrinterProfile
from edge_agent.printing.ticket_renderer import PrintRequest, render_ticket
from firmware_sim.printer import SimulatedPrinter, TcpPrinter
from firmware_sim.printer.escpos_stream import Command, EscposStreamParser, Token
from tests.edge_agent.tickets import PLACED, ticket

DRAWER = "开钱箱\x1bp\x00\x19\x19"
RESET = "\x1b@"


def _injected() -> KitchenTicket:
    clean = ticket()
    line = TicketLine.model_construct(
        line_id="l1",
        name=f"宫保鸡丁{RESET}",
        quantity=1,
        modifiers=(DRAWER, f"少辣{RESET}"),
        allergens=("花生\x10\x14\x01",),
        note="不要葱\x1d\x56\x00\n第二行\x9b",
    )
    return KitchenTicket.model_construct(
        **{
            **clean.__dict__,
            "order_number": f"A017{RESET}",
            "store_name": f"外滩店{DRAWER}",
            "station_name": "炒锅\x1c.",
            "customer_display": f"王小明{RESET}",
            "notes": f"尽快{DRAWER}\r\n客人在等{RESET}",
            "placed_at": PLACED,
            "lines": (line,),
        }
    )


def _tokens(data: bytes) -> list[Token]:
    parser = EscposStreamParser()
    return parser.feed(data) + parser.finish()


def _commands(data: bytes) -> list[str]:
    return [t.name for t in _tokens(data) if isinstance(t, Command)]


@pytest.fixture
async def sim() -> AsyncIterator[TcpPrinter]:
    printer = TcpPrinter(SimulatedPrinter("wok"))
    await printer.start()
    yield printer
    await printer.stop()


async def test_the_captured_bytes_hold_no_command_from_the_data(sim: TcpPrinter) -> None:
    profile, tz = PrinterProfile(), ZoneInfo("Asia/Shanghai")
    adapter = EscposPrinter("wok", PrinterAddress.parse(sim.url), timeout_s=2.0)
    await adapter.print_job(render_ticket(PrintRequest(_injected()), profile, tz), lambda: None)
    await adapter.print_job(render_ticket(PrintRequest(ticket()), profile, tz), lambda: None)
    injected, clean = await sim.printer.wait_for_jobs(2)

    commands = _commands(injected.raw)
    assert "ESCp" not in commands, "the cash drawer command came from the data"
    assert commands.count("ESC@") == 1, "one reset: the renderer's own, first"
    assert commands.count("FS&") == 1 and commands.count("FS.") == 1, "Chinese mode on once, off once at the end"
    clean_commands = _commands(clean.raw)
    assert commands[commands.index("FS.") :] == clean_commands[clean_commands.index("FS.") :], "off, then the cut"
    assert set(commands) <= set(clean_commands), "no command a clean ticket does not have"
    for fragment in (b"\x1bp", b"\x1b@\x1c", b"\x10\x14", b"\x1dV\x00"):
        assert injected.raw.count(fragment) == clean.raw.count(fragment)

    text = injected.text
    assert "+ 开钱箱?p???" in text, "the tampering is visible, the Chinese text intact"
    assert "#A017?@" in text and "外滩店开钱箱?p???" in text
    assert "尽快开钱箱?p???" in text and "客人在等?@" in text, "a note keeps its line break"
    assert "第二行?" in text and "过敏: 花生???" in text
    assert injected.complete


def test_printable_text_keeps_line_breaks_and_replaces_every_other_control() -> None:
    every_control = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]))
    assert printable(f"a\r\nb\rc\n{every_control}") == "a\nb\nc\n" + "?" * 10 + "\n??\n" + "?" * 51
    assert printable_line("a\nb\r\x1b") == "a?b??"
    assert printable("开钱箱 ，é€") == "开钱箱 ，é€", "printable text is left alone"
    assert without_control_bytes("宫保鸡丁，\x1b".encode("gb18030")) == "宫保鸡丁，?".encode("gb18030")
