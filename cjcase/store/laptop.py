"""What this laptop remembers for the person using it, apart from any caseload: a small JSON file
in the user's config folder (`laptop.json`). Views and choices only, never a client's data.

A caseload travels (a backup, a handover, a shared office file); whose clients "my clients" means
belongs to the laptop, so it is not written into the caseload.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE_NAME = "laptop.json"


def laptop_file() -> Path:
    """The file in the platform's user-config folder (on Linux `~/.config/cjcase/`)."""
    import platformdirs

    return Path(platformdirs.user_config_dir("cjcase", appauthor=False)) / FILE_NAME


def read_laptop(path: Path | None = None) -> dict[str, Any]:
    """What the laptop remembers; nothing when the file is missing, unreadable or not ours."""
    try:
        values = json.loads((path or laptop_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}


def remember(values: dict[str, Any], path: Path | None = None) -> None:
    """Keep these values (beside the others the file holds), written whole or not at all.
    Raises OSError when the folder cannot be written."""
    path = path or laptop_file()
    kept = {**read_laptop(path), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(kept, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)
