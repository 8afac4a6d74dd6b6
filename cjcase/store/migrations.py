"""The shipped schema migrations, `NNNN_name.sql`, numbered without gaps."""

from __future__ import annotations

import re
from pathlib import Path

from cjcase.domain.errors import DatabaseError
from cjcase.store.resources import resource_dir

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def migrations() -> list[tuple[int, Path]]:
    """The shipped migrations in order, checked for gaps in their numbering."""
    found = []
    for path in sorted(resource_dir("migrations").glob("*.sql")):
        match = _MIGRATION_NAME.fullmatch(path.name)
        if not match:
            raise DatabaseError(f"Migration file {path.name} is not named NNNN_name.sql.")
        found.append((int(match.group(1)), path))
    for expected, (number, path) in enumerate(found, start=1):
        if number != expected:
            raise DatabaseError(f"Migration {path.name} should be numbered {expected:04d}.")
    return found


def latest_version() -> int:
    """The schema version this program writes."""
    return len(migrations())
