"""Logging for the edge process: one stderr handler (journald keeps it), at the configured level.

Our own loggers log at ``level`` (INFO by default: every ticket printed). python-escpos logs each
connection at INFO through the root logger itself (``logging.info``); those records are kept only
from WARNING up. Setting the root logger's level instead would silence every logger of ours.
"""

from __future__ import annotations

import logging
import sys


class _RootLoggerChatter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name != "root" or record.levelno >= logging.WARNING


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RootLoggerChatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("mqttlink.paho", "escpos"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
