"""The board's local state file (SQLite, one document): a restart shows the same tickets.

Blocking: call it from a worker thread (``KdsWriter`` does). ``synchronous=FULL``: when ``save``
returns, the board is on disk.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS board_state (key TEXT PRIMARY KEY, doc TEXT NOT NULL, saved_at REAL NOT NULL)"


class BoardFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    @classmethod
    def open_or_set_aside(cls, path: Path) -> BoardFile:
        """Open the file; one that is not a database is renamed ``*.corrupt-<time>`` and started afresh."""
        try:
            board_file = cls(path)
            board_file.load()
            return board_file
        except sqlite3.DatabaseError as exc:
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            logger.warning("board state %s is unreadable (%s); moved to %s, starting empty", path, exc, aside)
            path.rename(aside)
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            return cls(path)

    def load(self) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM board_state WHERE key = 'board'").fetchone()
        if row is None:
            return None
        try:
            doc = json.loads(row[0])
        except json.JSONDecodeError:
            logger.warning("board state in %s is not JSON; starting with an empty board", self.path)
            return None
        return doc if isinstance(doc, dict) else None

    def save(self, doc: dict[str, Any]) -> None:
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._db.execute(
                "INSERT INTO board_state (key, doc, saved_at) VALUES ('board', ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET doc = excluded.doc, saved_at = excluded.saved_at",
                (text, time.time()),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
