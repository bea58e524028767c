"""Generate the JSON Schemas of every message (envelope + body) into ``contracts/schemas``.

Run ``python -m contracts.schema_gen`` after changing a model; a test fails while they are stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from contracts.envelope import Envelope
from contracts.registry import BODY_TYPES

SCHEMA_DIR = Path(__file__).parent / "schemas"


def render_schemas() -> dict[str, str]:
    """File name -> schema text, for every message type."""
    out: dict[str, str] = {}
    for body_type in BODY_TYPES:
        schema = Envelope[body_type].model_json_schema()  # type: ignore[valid-type]
        schema["title"] = f"Brigade message {body_type.message_type}"
        schema["$id"] = f"https://brigade.example/schemas/v1/{body_type.message_type}.json"
        out[f"{body_type.message_type}.json"] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def stale_files(directory: Path = SCHEMA_DIR) -> list[str]:
    """Schema files that are missing, different from the models, or left over."""
    wanted = render_schemas()
    problems = [
        name
        for name, text in wanted.items()
        if not (directory / name).exists() or (directory / name).read_text(encoding="utf-8") != text
    ]
    problems += [p.name for p in directory.glob("*.json") if p.name not in wanted]
    return sorted(problems)


def main() -> int:
    SCHEMA_DIR.mkdir(exist_ok=True)
    wanted = render_schemas()
    for stale in SCHEMA_DIR.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} schemas to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
