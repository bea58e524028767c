"""The one place python-escpos is imported, with its import-time side effects undone.

Importing escpos calls ``logging.basicConfig()`` (a stderr handler on the root logger) and makes
a new temporary directory for its capabilities cache on every start. We point the cache at one
fixed directory and remove the handler it added, so the process's own logging setup wins. Its
per-job INFO chatter on the root logger is filtered out.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from types import ModuleType


def _load() -> tuple[ModuleType, ModuleType, ModuleType]:
    cache = Path(tempfile.gettempdir()) / f"brigade-escpos-{os.getuid()}"
    cache.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache))
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        from escpos import constants
        from escpos import escpos as escpos_core
        from escpos import printer as printers
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
    return printers, constants, escpos_core


class _DropEscposChatter(logging.Filter):
    """python-escpos logs "Network printer enabled" and the like on the root logger for every job."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "root" and "/escpos/" in record.pathname and record.levelno < logging.WARNING)


escpos_printers, escpos_constants, escpos_core = _load()
logging.getLogger().addFilter(_DropEscposChatter())

__all__ = ["escpos_constants", "escpos_core", "escpos_printers"]
