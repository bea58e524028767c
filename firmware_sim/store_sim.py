"""A simulated store: its printers (simulated ESC/POS on TCP) and its edge agent.

The agent runs in this process (``inline``) or as a real ``python -m edge_agent`` process
(``process``), which tests and benchmarks may kill and restart while the printers, like real
hardware, stay up. Printers: wok -> receipt, grill -> backup -> receipt, and the receipt printer
takes the tickets of any station without a printer of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from edge_agent.agent import EdgeAgent
from edge_agent.settings import EdgeSettings, PrinterConfig
from firmware_sim.printer import PrintJob, SimulatedPrinter, TcpPrinter
from firmware_sim.printer.ticket_reader import PrintedTicket, read_tickets
from mqttlink import MqttSettings

logger = logging.getLogger(__name__)

KITCHEN_LAYOUT: tuple[tuple[str, str | None, str | None], ...] = (
    ("wok", "wok", "receipt"),
    ("grill", "grill", "backup"),
    ("backup", None, "receipt"),
    ("receipt", None, None),
)
"""(printer, the station it serves, its fallback printer)."""

AgentMode = Literal["inline", "process"]


class SimulatedStore:
    def __init__(
        self,
        store_id: str,
        *,
        mqtt: MqttSettings,
        var_dir: Path,
        output_dir: Path | None = None,
        agent_mode: AgentMode = "inline",
        device_id: str | None = None,
        host: str = "127.0.0.1",
        **agent_settings: Any,
    ) -> None:
        self.store_id = store_id
        self.mqtt = mqtt
        self.var_dir = var_dir
        self.agent_mode = agent_mode
        self.device_id = device_id or f"edge-{store_id}"
        self.agent_settings = agent_settings
        self.printers = {
            name: TcpPrinter(
                SimulatedPrinter(
                    f"{store_id}/{name}",
                    output_path=output_dir / f"{store_id}-{name}.txt" if output_dir is not None else None,
                    timezone=str(agent_settings.get("timezone", "Asia/Shanghai")),  # the store's, as on its tickets
                ),
                host=host,
            )
            for name, _, _ in KITCHEN_LAYOUT
        }
        self.agent: EdgeAgent | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.agent_starts = 0
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        for printer in self.printers.values():
            await printer.start()
        await self.start_agent()

    async def stop(self) -> None:
        await self.stop_agent()
        for printer in self.printers.values():
            await printer.stop()

    def settings(self) -> EdgeSettings:
        values: dict[str, Any] = {
            "store_id": self.store_id,
            "device_id": self.device_id,
            "var_dir": self.var_dir,
            "mqtt": self.mqtt.model_copy(update={"client_id": self.device_id}),
            "printers": [
                PrinterConfig(
                    id=f"{name}-p",
                    connection=self.printers[name].url,
                    station=station,
                    fallback=f"{fallback}-p" if fallback else None,
                )
                for name, station, fallback in KITCHEN_LAYOUT
            ],
            "default_printer": "receipt-p",
        }
        values.update(self.agent_settings)
        return EdgeSettings(**values)

    async def start_agent(self) -> None:
        settings = self.settings()
        self.agent_starts += 1
        if self.agent_mode == "inline":
            self.agent = EdgeAgent(settings)
            self._task = asyncio.create_task(self.agent.run(), name=f"agent-{self.store_id}")
            return
        self.process = await asyncio.to_thread(self._spawn, settings)

    def _spawn(self, settings: EdgeSettings) -> subprocess.Popen[bytes]:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        config = self.var_dir / "edge.json"
        config.write_text(settings.model_dump_json(), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGADE_EDGE_")}
        with (self.var_dir / "edge.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "edge_agent", "run", "--config", str(config)], stdout=log, stderr=log, env=env
            )

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Inline: the agent has subscribed and is running. Process: it is alive (see ``wait_listening``)."""
        if self.agent is not None and self._task is not None:
            ready = asyncio.create_task(self.agent.ready.wait())
            done, _ = await asyncio.wait({ready, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if self._task in done:
                self._task.result()
            if ready not in done:
                ready.cancel()
                raise TimeoutError(f"agent of {self.store_id} not ready after {timeout}s")

    def kill_agent(self, sig: int = signal.SIGKILL) -> None:
        """Process mode: kill the agent as a power cut would (SIGKILL) or ask it to stop (SIGTERM)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            logger.warning("agent of %s (pid %d) ignored signal %d for 15 s: killed", self.store_id, process.pid, sig)
            process.kill()
            process.wait(15)

    async def stop_agent(self) -> None:
        if self.agent is not None and self._task is not None:
            self.agent.stop()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(15):
                    await self._task
            self.agent, self._task = None, None
        if self.process is not None:
            await asyncio.to_thread(self.kill_agent, signal.SIGTERM)

    @property
    def agent_pid(self) -> int | None:
        if self.process is not None:
            return self.process.pid
        return os.getpid() if self.agent is not None else None

    # -- what came out ------------------------------------------------------------------------

    def jobs(self) -> list[PrintJob]:
        return [job for p in self.printers.values() for job in p.printer.jobs]

    def printed(self) -> list[PrintedTicket]:
        return read_tickets(self.jobs())

    def on_job(self, listener: Callable[[], None]) -> None:
        for printer in self.printers.values():
            printer.printer.on_change(listener)
