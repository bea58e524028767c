"""A simulated ESC/POS printer, whatever the transport: records jobs, answers DLE EOT, takes faults.

A transport (TCP 9100 or a serial pty) opens a session per connection and feeds it bytes. The
session parses them like firmware: status requests are answered at once; everything else goes on
paper if the printer can print (paper in, cover closed), and is lost if it cannot, as on a
real printer whose buffer is thrown away. Each session that put anything on paper is a job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from firmware_sim.printer.escpos_stream import Command, EscposStreamParser, StatusRequest, Text, Token
from firmware_sim.printer.job_decoder import JobDecoder, PrintedLine
from firmware_sim.printer.status_replies import Condition, Paper, status_byte

logger = logging.getLogger(__name__)


class Fault(StrEnum):
    OFFLINE = "offline"
    """Switched off: TCP connections are refused, a serial line stays silent."""
    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    COVER_OPEN = "cover_open"
    SLOW = "slow"
    DROP_MID_JOB = "drop_mid_job"
    """The connection is cut after some bytes of each job (TCP only: a serial line has no connection)."""


@dataclass
class PrintJob:
    number: int
    printer: str
    lines: list[PrintedLine]
    raw: bytes
    started_at: float
    printed_at: float | None
    """When (by the printer's clock) the first cut was reached: the ticket is in the kitchen."""
    interrupted: bool
    """The connection dropped, or the paper ran out, before the end of the job."""
    cuts: int = 0

    @property
    def complete(self) -> bool:
        return self.cuts > 0 and not self.interrupted

    @property
    def text_lines(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def text(self) -> str:
        return "\n".join(self.text_lines)


@dataclass
class _Session:
    printer: SimulatedPrinter
    parser: EscposStreamParser = field(default_factory=EscposStreamParser)
    decoder: JobDecoder | None = None
    raw: bytearray = field(default_factory=bytearray)
    started_at: float = 0.0
    printed_at: float | None = None
    printed_tokens: int = 0
    printed_bytes: int = 0
    lost_tokens: int = 0
    dropped: bool = False


class SimulatedPrinter:
    def __init__(
        self,
        name: str,
        *,
        chinese_by_default: bool = False,
        output_path: Path | None = None,
        split_jobs_at_cut: bool = False,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.timezone = ZoneInfo(timezone)
        """The store's: the job stamps in the output file read like the times on the tickets."""
        self._clock = clock
        self.chinese_by_default = chinese_by_default
        self.output_path = output_path
        self.split_jobs_at_cut = split_jobs_at_cut
        """A serial line has no connections: a cut ends a job there."""
        self.condition = Condition()
        self.powered = True
        self.slow_s = 0.0
        self.drop_after_bytes = 64
        self.drop_jobs = 0
        self.jobs: list[PrintJob] = []
        self.lost_sessions = 0
        """Sessions that sent something to print while the printer could not print."""
        self.status_requests = 0
        self.sessions_closed = 0
        self._power_listeners: list[Callable[[bool], None]] = []
        self._change_listeners: list[Callable[[], None]] = []
        self._changed: asyncio.Event | None = None

    # -- faults -------------------------------------------------------------------------------

    def set_fault(self, fault: Fault | None, *, slow_s: float = 0.5, drop_after_bytes: int = 64) -> None:
        """Switch to one fault (or back to healthy with None)."""
        paper = Paper.OUT if fault is Fault.PAPER_OUT else Paper.NEAR_END if fault is Fault.PAPER_NEAR_END else Paper.OK
        self.condition = Condition(paper=paper, cover_open=fault is Fault.COVER_OPEN)
        self.slow_s = slow_s if fault is Fault.SLOW else 0.0
        self.drop_jobs = 1_000_000 if fault is Fault.DROP_MID_JOB else 0
        self.drop_after_bytes = drop_after_bytes
        self.set_power(fault is not Fault.OFFLINE)

    def set_paper(self, paper: Paper) -> None:
        self.condition = Condition(paper=paper, cover_open=self.condition.cover_open)

    def set_cover_open(self, cover_open: bool) -> None:
        self.condition = Condition(paper=self.condition.paper, cover_open=cover_open)

    def drop_next_jobs(self, count: int = 1, *, after_bytes: int = 64) -> None:
        self.drop_jobs = count
        self.drop_after_bytes = after_bytes

    def set_power(self, on: bool) -> None:
        if on == self.powered:
            return
        self.powered = on
        logger.info("printer %s switched %s", self.name, "on" if on else "off")
        for listener in list(self._power_listeners):
            listener(on)

    def on_power_change(self, listener: Callable[[bool], None]) -> None:
        self._power_listeners.append(listener)

    # -- sessions (called by a transport, on the event loop) -----------------------------------

    def open_session(self) -> _Session:
        return _Session(self, started_at=self._clock())

    def feed(self, session: _Session, data: bytes) -> tuple[bytes, bool]:
        """Process bytes; returns (status replies to send back, True if the connection must drop now)."""
        if not self.powered:
            return b"", False  # switched off: nothing is read, nothing answers
        session.raw += data
        return self._apply(session, session.parser.feed(data))

    def close_session(self, session: _Session, *, interrupted: bool = False) -> PrintJob | None:
        """The connection ended (``interrupted``: not by the sender's choice). Returns the job, if any."""
        if not interrupted and not session.dropped:
            self._apply(session, session.parser.finish())
        job = self._finish_job(session, interrupted=interrupted or session.dropped)
        self.sessions_closed += 1
        self._notify()
        return job

    def _apply(self, session: _Session, tokens: list[Token]) -> tuple[bytes, bool]:
        replies = bytearray()
        for token in tokens:
            if isinstance(token, StatusRequest):
                self.status_requests += 1
                replies += status_byte(token.n, self.condition)
                continue
            if not self.condition.can_print:
                session.lost_tokens += 1
                continue
            if session.decoder is None:
                session.decoder = JobDecoder(chinese_by_default=self.chinese_by_default)
            session.decoder.apply(token)
            session.printed_tokens += 1
            session.printed_bytes += len(token.data) if isinstance(token, Text) else 2 + len(token.args)
            is_cut = isinstance(token, Command) and token.name in ("GSV", "ESCi", "ESCm")
            if is_cut and session.printed_at is None:
                session.printed_at = self._clock()
            if self._should_drop(session) and not is_cut:
                self.drop_jobs -= 1
                session.dropped = True
                return bytes(replies), True
            if is_cut and self.split_jobs_at_cut:
                self._finish_job(session, interrupted=False)
        return bytes(replies), False

    def _should_drop(self, session: _Session) -> bool:
        """Only a connection can drop (TCP); a serial line has none."""
        return not self.split_jobs_at_cut and self.drop_jobs > 0 and session.printed_bytes >= self.drop_after_bytes

    def _finish_job(self, session: _Session, *, interrupted: bool) -> PrintJob | None:
        decoder = session.decoder
        lost = session.lost_tokens
        raw = bytes(session.raw)
        session.decoder, session.lost_tokens, session.raw = None, 0, bytearray()
        printed_at, session.printed_at = session.printed_at, None
        started_at, session.started_at = session.started_at, self._clock()
        session.printed_tokens = session.printed_bytes = 0
        if decoder is None:
            if lost:
                self.lost_sessions += 1
            return None
        job = PrintJob(
            number=len(self.jobs) + 1,
            printer=self.name,
            lines=decoder.close(),
            raw=raw,
            started_at=started_at,
            printed_at=printed_at,
            interrupted=interrupted or lost > 0,
            cuts=decoder.cut_count,
        )
        self.jobs.append(job)
        self._write_out(job)
        self._notify()
        return job

    def on_change(self, listener: Callable[[], None]) -> None:
        """Called (on the transport's loop) whenever a job is recorded or a session ends."""
        self._change_listeners.append(listener)

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
        for listener in list(self._change_listeners):
            listener()

    # -- reading back ---------------------------------------------------------------------------

    async def wait_for_jobs(
        self, count: int, predicate: Callable[[PrintJob], bool] = lambda j: True, timeout: float = 10.0
    ) -> list[PrintJob]:
        """Wait (on the event loop that runs the transport) until ``count`` jobs match."""
        await self.wait_until(lambda: sum(1 for j in self.jobs if predicate(j)) >= count, timeout)
        return [j for j in self.jobs if predicate(j)]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Re-checked whenever a session ends or a job is recorded."""
        if self._changed is None:
            self._changed = asyncio.Event()
        changed = self._changed

        async def _wait() -> None:
            while not condition():
                changed.clear()
                await changed.wait()

        async with asyncio.timeout(timeout):
            await _wait()

    def _write_out(self, job: PrintJob) -> None:
        if self.output_path is None:
            return
        at = datetime.fromtimestamp(job.printed_at or job.started_at, tz=UTC).astimezone(self.timezone)
        stamp = at.strftime("%H:%M:%S")
        state = "complete" if job.complete else "INTERRUPTED"
        with contextlib.suppress(OSError), self.output_path.open("a", encoding="utf-8") as out:
            out.write(f"===== {self.name} job {job.number} at {stamp} ({state}) =====\n{job.text}\n\n")
