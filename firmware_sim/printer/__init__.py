"""A simulated ESC/POS printer on TCP or a serial pty: records jobs, answers DLE EOT, takes faults."""

from firmware_sim.printer.job_decoder import PrintedLine
from firmware_sim.printer.pty_printer import PtyPrinter
from firmware_sim.printer.simulated_printer import Fault, PrintJob, SimulatedPrinter
from firmware_sim.printer.status_replies import Paper
from firmware_sim.printer.tcp_printer import TcpPrinter

__all__ = ["Fault", "Paper", "PrintJob", "PrintedLine", "PtyPrinter", "SimulatedPrinter", "TcpPrinter"]
