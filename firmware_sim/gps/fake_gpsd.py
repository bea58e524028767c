"""A fake gpsd speaking the gpsd JSON protocol (VERSION, ?WATCH -> DEVICES + WATCH, ?POLL -> POLL), with
the faults a real one shows now and then and a real one cannot be made to show on demand: no
device yet, notices in the middle of an answer, missing fields, the deprecated ``alt`` only, a
daemon that stops answering, a port that accepts and never greets.

The real gpsd (``GpsdProcess``, ``GpsfakeProcess``) is what the main tests use; this is for faults.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class GpsdFaults:
    greet: bool = True
    """False: accept connections and never send VERSION (a wrong or wedged service)."""
    devices: bool = True
    """False: DEVICES is empty, as right after gpsd starts (gpsd-py3's device() raises KeyError)."""
    notice_before_poll: bool = False
    """Send a DEVICE notice before each POLL answer."""
    silent_after_polls: int | None = None
    """Stop answering (keep the socket open) after this many polls on a connection."""
    sky: bool = True
    """False: POLL with an empty sky list (gpsd-py3's parser raises IndexError)."""
    old_alt_only: bool = False
    drop: set[str] = field(default_factory=set)
    """TPV fields to leave out (speed, track, eph, epx, epy, time...)."""


class FakeGpsd:
    def __init__(self, tpv: Callable[[int], dict[str, Any] | None], faults: GpsdFaults | None = None) -> None:
        """``tpv(n)`` gives the TPV report for the n-th poll (None: no fix report yet)."""
        self.tpv = tpv
        self.faults = faults or GpsdFaults()
        self.connections = 0
        self.polls = 0
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                owner.connections += 1
                owner._serve(self.request, self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self._server.server_bind()
        self._server.server_activate()
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-gpsd", daemon=True)
        self._stop = threading.Event()

    def __enter__(self) -> FakeGpsd:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _send(self, wfile: Any, packet: dict[str, Any]) -> None:
        wfile.write((json.dumps(packet) + "\r\n").encode())
        wfile.flush()

    def _serve(self, sock: socket.socket, rfile: Any, wfile: Any) -> None:
        faults = self.faults
        if not faults.greet:
            self._stop.wait()
            return
        self._send(wfile, {"class": "VERSION", "release": "3.22", "rev": "3.22", "proto_major": 3, "proto_minor": 14})
        polls_here = 0
        for raw in rfile:
            line = raw.decode(errors="replace").strip()
            if line.startswith("?WATCH"):
                devices = [_device()] if faults.devices else []
                self._send(wfile, {"class": "DEVICES", "devices": devices})
                self._send(wfile, {"class": "WATCH", "enable": True, "json": False})
            elif line.startswith("?POLL"):
                polls_here += 1
                if faults.silent_after_polls is not None and polls_here > faults.silent_after_polls:
                    self._stop.wait()
                    return
                if faults.notice_before_poll:
                    self._send(wfile, {**_device(), "class": "DEVICE"})
                self.polls += 1
                self._send(wfile, self._poll(self.polls))

    def _poll(self, n: int) -> dict[str, Any]:
        faults = self.faults
        tpv = self.tpv(n)
        tpvs = []
        if tpv is not None:
            tpv = {"class": "TPV", "device": "/dev/ttyFAKE", **tpv}
            if faults.old_alt_only and "altHAE" in tpv:
                tpv["alt"] = tpv.pop("altHAE")
                tpv.pop("altMSL", None)
            for name in faults.drop:
                tpv.pop(name, None)
            tpvs.append(tpv)
        sky = [{"class": "SKY", "satellites": [{"PRN": 5, "used": True}]}] if faults.sky else []
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"class": "POLL", "time": now, "active": 1 if tpvs else 0, "tpv": tpvs, "sky": sky}


def _device() -> dict[str, Any]:
    return {"class": "DEVICE", "path": "/dev/ttyFAKE", "driver": "NMEA0183", "bps": 9600, "activated": "x"}


def moving_tpv(n: int, *, start: datetime | None = None, lat: float = 31.2304, lon: float = 121.4737) -> dict[str, Any]:
    """A 3D fix for poll ``n``: one second and about 5 m north per poll."""
    begin = start or datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    at = begin.timestamp() + n
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "mode": 3,
        "time": stamp,
        "lat": lat + n * 4.5e-5,
        "lon": lon,
        "altHAE": 12.0,
        "altMSL": 4.0,
        "speed": 5.0,
        "track": 0.0,
        "eph": 6.0,
        "epx": 4.0,
        "epy": 5.0,
    }
