"""Where the real data nobody here wrote lives: ``../shared/data`` beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA = Path(os.environ.get("BRIGADE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
