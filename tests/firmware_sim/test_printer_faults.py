"""The simulated printer on real sockets and a real pty: jobs, DLE EOT replies, and each fault."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from firmware_sim.printer import Fault, Paper, PtyPrinter, SimulatedPrinter, TcpPrinter
from tests.services import free_port, wait_for_port

JOB = b"\x1b@\x1c&" + "宫保鸡丁\n".encode("gb18030") + b"\x1c.\x1bd\x06\x1dV\x00"
STATUS_ALL = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"


@pytest.fixture
async def tcp(tmp_path: Path) -> AsyncIterator[TcpPrinter]:
    printer = TcpPrinter(SimulatedPrinter("grill", output_path=tmp_path / "grill.txt"))
    await printer.start()
    yield printer
    await printer.stop()


async def _send(port: int, data: bytes, *, reply: int = 0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.readexactly(reply), 5) if reply else b""
    writer.close()
    await writer.wait_closed()
    return answer


async def test_a_job_per_connection_decoded_and_written_to_a_readable_file(tcp: TcpPrinter, tmp_path: Path) -> None:
    await _send(tcp.port, JOB)
    [job] = await tcp.printer.wait_for_jobs(1)
    assert job.complete and job.text_lines == ["宫保鸡丁", "[FEED 6]", "[CUT]"]
    assert job.raw == JOB
    assert "宫保鸡丁" in (tmp_path / "grill.txt").read_text(encoding="utf-8")


async def test_status_is_answered_at_once_and_a_status_only_connection_is_no_job(tcp: TcpPrinter) -> None:
    assert await _send(tcp.port, STATUS_ALL, reply=3) == b"\x12\x12\x12"
    tcp.printer.set_fault(Fault.PAPER_NEAR_END)
    assert await _send(tcp.port, STATUS_ALL, reply=3) == b"\x12\x12\x1e"
    await tcp.printer.wait_until(lambda: tcp.printer.sessions_closed == 2)
    assert tcp.printer.jobs == []


async def test_offline_refuses_connections_until_switched_back_on(tcp: TcpPrinter) -> None:
    tcp.printer.set_fault(Fault.OFFLINE)
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", tcp.port)
    tcp.printer.set_fault(None)
    await tcp.wait_listening()
    await _send(tcp.port, JOB)
    await tcp.printer.wait_for_jobs(1)


async def test_paper_out_accepts_nothing_and_says_so(tcp: TcpPrinter) -> None:
    tcp.printer.set_fault(Fault.PAPER_OUT)
    reply = await _send(tcp.port, JOB + STATUS_ALL, reply=3)
    assert reply[0] & 0x08, "offline bit"
    assert reply[1] & 0x20, "stopped by paper end"
    assert reply[2] == 0x7E, "paper end sensor"
    await tcp.printer.wait_until(lambda: tcp.printer.sessions_closed == 1)
    assert tcp.printer.jobs == [] and tcp.printer.lost_sessions == 1


async def test_cover_open_stops_printing(tcp: TcpPrinter) -> None:
    tcp.printer.set_fault(Fault.COVER_OPEN)
    reply = await _send(tcp.port, JOB + STATUS_ALL, reply=3)
    assert reply[1] & 0x04
    await tcp.printer.wait_until(lambda: tcp.printer.sessions_closed == 1)
    assert tcp.printer.jobs == []


async def test_dropping_the_connection_mid_job_leaves_an_interrupted_job(tcp: TcpPrinter) -> None:
    tcp.printer.drop_next_jobs(1, after_bytes=8)
    reader, writer = await asyncio.open_connection("127.0.0.1", tcp.port)
    writer.write(JOB)
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the printer hung up
    writer.close()
    [job] = await tcp.printer.wait_for_jobs(1)
    assert job.interrupted and not job.complete and "[CUT]" not in job.text_lines
    await _send(tcp.port, JOB)  # one-shot: the next job prints
    await tcp.printer.wait_for_jobs(1, lambda j: j.complete)


async def test_a_slow_printer_is_slow(tcp: TcpPrinter) -> None:
    tcp.printer.set_fault(Fault.SLOW, slow_s=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _send(tcp.port, STATUS_ALL, reply=3)
    assert loop.time() - started >= 0.3


async def test_paper_running_out_mid_session_interrupts_the_job(tcp: TcpPrinter) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", tcp.port)
    writer.write(JOB[:12] + b"\n" + STATUS_ALL)
    await writer.drain()
    await asyncio.wait_for(reader.readexactly(3), 5)
    tcp.printer.set_paper(Paper.OUT)
    writer.write(JOB[12:] + STATUS_ALL)
    await writer.drain()
    assert (await asyncio.wait_for(reader.readexactly(3), 5))[2] == 0x7E
    writer.close()
    [job] = await tcp.printer.wait_for_jobs(1)
    assert job.interrupted and "[CUT]" not in job.text_lines


async def test_serial_pty_prints_splits_jobs_at_the_cut_and_answers_status() -> None:
    printer = PtyPrinter(SimulatedPrinter("bar"))
    await printer.start()
    try:
        fd = os.open(printer.path, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, JOB + JOB + STATUS_ALL)
            jobs = await printer.printer.wait_for_jobs(2)
            assert [j.text_lines[0] for j in jobs] == ["宫保鸡丁", "宫保鸡丁"]
            reply = b""
            loop = asyncio.get_running_loop()
            while len(reply) < 3:
                reply += await asyncio.wait_for(loop.run_in_executor(None, os.read, fd, 3), 5)
            assert reply == b"\x12\x12\x12"
        finally:
            os.close(fd)
    finally:
        await printer.stop()


def test_brigade_sim_printer_runs_a_printer_and_writes_what_it_prints(tmp_path: Path) -> None:
    port, out = free_port(), tmp_path / "bar.txt"
    cmd = [
        sys.executable,
        "-m",
        "firmware_sim.main",
        "printer",
        "--name",
        "bar",
        "--port",
        str(port),
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, timeout=20)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(JOB + STATUS_ALL)
            assert conn.recv(3) == b"\x12\x12\x12"
        deadline = time.monotonic() + 10
        while "(complete)" not in (out.read_text(encoding="utf-8") if out.exists() else ""):
            assert time.monotonic() < deadline and proc.poll() is None, "nothing printed"
            time.sleep(0.05)  # another process writes the file
        assert "宫保鸡丁" in out.read_text(encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(10)


async def test_the_output_file_stamps_jobs_in_the_stores_time_like_the_ticket(tmp_path: Path) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from edge_agent.printing.profile import PrinterProfile
    from edge_agent.printing.ticket_renderer import PrintRequest, render_ticket
    from tests.kds_terminal.pilot import make_ticket

    placed = datetime(2025, 3, 14, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai
    printed = placed.timestamp() + 5
    out = tmp_path / "wok.txt"
    printer = TcpPrinter(SimulatedPrinter("wok", output_path=out, timezone="Asia/Shanghai", clock=lambda: printed))
    await printer.start()
    try:
        data = render_ticket(
            PrintRequest(ticket=make_ticket("o1", placed_at=placed)), PrinterProfile(), ZoneInfo("Asia/Shanghai")
        )
        await _send(printer.port, data)
        await printer.printer.wait_for_jobs(1)
    finally:
        await printer.stop()
    text = out.read_text(encoding="utf-8")
    assert "===== wok job 1 at 11:30:05 (complete) =====" in text, text[:300]
    assert "11:30" in text.split("=====", 2)[2], "the ticket itself says the same store time"
