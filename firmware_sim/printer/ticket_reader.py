"""Reading a Brigade kitchen ticket back from paper: which ticket, which revision, which marks.

What a cook would read: the QR code (the order id), the footer (ticket id and revision), the
inverse banners (REPRINT, BACKUP FROM <station>, CHANGED, CANCELLED) and the item lines.
Tests and the latency benchmark count tickets with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from firmware_sim.printer.simulated_printer import PrintJob

_FOOTER = re.compile(r"^(?P<ticket>[A-Za-z0-9_.-]+:[A-Za-z0-9_.:-]+) r(?P<rev>\d+)$")
_QR = re.compile(r"^\[QR (?P<data>.*)\]$")
_BACKUP = re.compile(r"BACKUP FROM (?P<station>\S+)")


@dataclass(frozen=True)
class PrintedTicket:
    printer: str
    ticket_id: str
    order_id: str
    station_id: str
    revision: int
    reprint: bool
    backup_from: str | None
    changed: bool
    cancelled: bool
    complete: bool
    printed_at: float | None
    text: str

    @property
    def key(self) -> tuple[str, int]:
        return self.ticket_id, self.revision


def read_ticket(job: PrintJob) -> PrintedTicket | None:
    """The ticket on this job, or None if the job is not a readable Brigade ticket."""
    footer = qr = None
    for line in job.lines:
        text = line.text.strip()
        if footer is None and (m := _FOOTER.match(text)):
            footer = m
        if qr is None and (q := _QR.match(text)):
            qr = q.group("data")
    if footer is None:
        return None
    ticket_id = footer.group("ticket")
    order_id, _, station_id = ticket_id.rpartition(":")
    inverse = [line for line in job.lines if any(s.style.inverse for s in line.segments)]
    banners = [line.text.strip() for line in inverse]
    big = [line.text.strip() for line in inverse if any(s.style.width > 1 for s in line.segments)]
    backup = next((m.group("station") for b in banners if (m := _BACKUP.search(b))), None)
    return PrintedTicket(
        printer=job.printer,
        ticket_id=ticket_id,
        order_id=qr or order_id,
        station_id=station_id,
        revision=int(footer.group("rev")),
        reprint=any(b.startswith("REPRINT") for b in big),
        backup_from=backup,
        changed=any(b.startswith("CHANGED") for b in big),
        cancelled=any(b.startswith("CANCELLED") for b in big),
        complete=job.complete,
        printed_at=job.printed_at,
        text=job.text,
    )


def read_tickets(jobs: list[PrintJob]) -> list[PrintedTicket]:
    return [t for t in (read_ticket(j) for j in jobs) if t is not None]
