"""The audit log: append-only and hash-chained, so an edited or deleted row can be found."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlite_utils

GENESIS = "0" * 64
_COLUMNS = ("id", "at", "action", "entity", "record_id", "client_id", "detail")


def row_hash(row: dict, prev_hash: str) -> str:
    """The hash sealing one audit row to the one before it."""
    text = "|".join("" if row[c] is None else str(row[c]) for c in _COLUMNS) + "|" + prev_hash
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _last(db: sqlite_utils.Database) -> tuple[int, str]:
    row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1] or GENESIS) if row else (0, GENESIS)


def write_audit(
    db: sqlite_utils.Database,
    action: str,
    entity: str,
    record_id: int | None = None,
    client_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one sealed audit row. `detail` names fields and counts, never personal values.

    Call inside the write's transaction, so the record and its audit row commit together.
    """
    last_id, prev = _last(db)
    row = {
        "id": last_id + 1,
        "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "action": action,
        "entity": entity,
        "record_id": record_id,
        "client_id": client_id,
        "detail": detail,
    }
    db.execute(
        "INSERT INTO audit (id, at, action, entity, record_id, client_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*(row[c] for c in _COLUMNS), prev, row_hash(row, prev)],
    )


def seal(db: sqlite_utils.Database) -> int:
    """Give rows written before the chain existed their hashes, in order; returns how many."""
    unsealed = list(db.query("SELECT * FROM audit WHERE hash IS NULL ORDER BY id"))
    if not unsealed:
        return 0
    with db.atomic():
        prev_row = db.execute(
            "SELECT hash FROM audit WHERE hash IS NOT NULL AND id < ? ORDER BY id DESC LIMIT 1", [unsealed[0]["id"]]
        ).fetchone()
        prev = prev_row[0] if prev_row else GENESIS
        for row in unsealed:
            digest = row_hash(row, prev)
            db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, row["id"]])
            prev = digest
    return len(unsealed)


def verify(db: sqlite_utils.Database) -> list[str]:
    """Every break in the chain, as a sentence naming the row: edited, deleted or reordered."""
    problems = []
    prev, expected_id = GENESIS, None
    for row in db.query("SELECT * FROM audit ORDER BY id"):
        if expected_id is not None and row["id"] != expected_id:
            problems.append(f"Audit rows {expected_id} to {row['id'] - 1} are missing (deleted).")
        if row["hash"] is None:
            problems.append(f"Audit row {row['id']} was never sealed.")
        elif row["prev_hash"] != prev:
            problems.append(
                f"Audit row {row['id']} does not follow the row before it (a row before it was deleted or changed)."
            )
        elif row_hash(row, prev) != row["hash"]:
            problems.append(f"Audit row {row['id']} was changed after it was written.")
        prev = row["hash"] or prev
        expected_id = row["id"] + 1
    return problems
