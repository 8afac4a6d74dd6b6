"""The audit log: append-only and hash-chained, and anchored so a cut or rewritten chain is found.

Each row carries the hash of the one before it. The chain's length and head are kept in the
settings as the anchor, keyed (HMAC) under the organisation key, and copied into every backup's
manifest; rows are sealed in the transaction that writes them. `verify` checks the rows, the
triggers that keep the table append-only, the anchor and the newest backup's manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

GENESIS = "0" * 64
_COLUMNS = ("id", "at", "action", "entity", "record_id", "client_id", "detail")
KEY_SETTING = "pseudonym_key"
ANCHOR_SETTING = "audit_anchor"
ANCHORED = "audit chain anchored"

# The triggers that keep the table append-only, as cjcase creates them (compared without layout).
TRIGGERS = {
    "audit_no_update": """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN old.hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END""",
    "audit_no_delete": """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END""",
    "audit_sealed_on_insert": """CREATE TRIGGER audit_sealed_on_insert BEFORE INSERT ON audit
WHEN new.hash IS NULL OR new.prev_hash IS NULL
BEGIN
    SELECT RAISE(ABORT, 'audit rows are sealed as they are written');
END""",
}


def row_hash(row: dict, prev_hash: str) -> str:
    """The hash sealing one audit row to the one before it."""
    text = "|".join("" if row[c] is None else str(row[c]) for c in _COLUMNS) + "|" + prev_hash
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def organisation_key(db: sqlite_utils.Database) -> bytes:
    """The organisation's key (pseudonyms and the chain's anchor); made here the first time."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [KEY_SETTING]).fetchone()
    if row:
        return bytes.fromhex(row[0])
    key = secrets.token_bytes(32)
    db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [KEY_SETTING, key.hex()])
    return key


def anchor_text(key: bytes, length: int, head: str) -> str:
    """The anchor as stored: length, head and their HMAC under the organisation key."""
    mac = hmac.new(key, f"{length}|{head}".encode("ascii"), hashlib.sha256).hexdigest()
    return f"{length} {head} {mac}"


def read_anchor(text: str | None, key: bytes) -> tuple[int, str] | None:
    """(length, head) from an anchor whose HMAC holds under the key, else None."""
    parts = (text or "").split()
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    length, head, _ = parts
    if not hmac.compare_digest(anchor_text(key, int(length), head), " ".join(parts)):
        return None
    return int(length), head


def stored_anchor(db: sqlite_utils.Database) -> str | None:
    """The anchor text kept in the settings (None before the chain was anchored)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [ANCHOR_SETTING]).fetchone()
    return row[0] if row else None


def _last(db: sqlite_utils.Database) -> tuple[int, str]:
    row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1] or GENESIS) if row else (0, GENESIS)


def _length_before(db: sqlite_utils.Database) -> int:
    """The chain's length as the anchor says (so a cut chain stays visibly short), else counted."""
    parts = (stored_anchor(db) or "").split()
    if parts and parts[0].isdigit():
        return int(parts[0])
    return db.execute("SELECT count(*) FROM audit").fetchone()[0]


def write_audit(
    db: sqlite_utils.Database,
    action: str,
    entity: str,
    record_id: int | None = None,
    client_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one sealed audit row and move the anchor on. `detail` names fields and counts,
    never personal values.

    Call inside the write's transaction, so the record, its audit row and the anchor commit together.
    """
    key = organisation_key(db)
    length = _length_before(db) + 1
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
    digest = row_hash(row, prev)
    db.execute(
        "INSERT INTO audit (id, at, action, entity, record_id, client_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*(row[c] for c in _COLUMNS), prev, digest],
    )
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [ANCHOR_SETTING, anchor_text(key, length, digest)],
    )


def is_anchored(db: sqlite_utils.Database) -> bool:
    """Whether the chain was ever anchored: it has an anchor, or the audit row saying it got one."""
    return stored_anchor(db) is not None or bool(
        db.execute("SELECT 1 FROM audit WHERE action = 'create' AND detail = ? LIMIT 1", [ANCHORED]).fetchone()
    )


def anchor(db: sqlite_utils.Database) -> bool:
    """Anchor a chain that never was: a new caseload, or one written before anchoring existed.

    Rows written before the chain existed get their hashes, once, here; the trigger that refuses
    unsealed rows is created; the anchor is written. After that nothing is ever sealed later:
    a row without its hash is a break. Returns whether anything was done.
    """
    if getattr(db, "read_only", False) or is_anchored(db):
        return False
    with db.atomic():
        had_key = db.execute("SELECT 1 FROM settings WHERE key = ?", [KEY_SETTING]).fetchone()
        _seal_legacy(db)
        for name, sql in TRIGGERS.items():
            if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]).fetchone():
                db.execute(sql)
        # A new caseload's first row makes its key; an older one's says only that it was anchored.
        write_audit(db, "create", "audit_anchor" if had_key else "pseudonym_key", detail=ANCHORED)
    return True


def _seal_legacy(db: sqlite_utils.Database) -> None:
    prev = GENESIS
    for row in list(db.query("SELECT * FROM audit ORDER BY id")):
        if row["hash"] is None:
            digest = row_hash(row, prev)
            db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, row["id"]])
            prev = digest
        else:
            prev = row["hash"]


def verify(db: sqlite_utils.Database, manifests: list[Path] | None = None) -> list[str]:
    """Every break in the chain, as a sentence: a row edited, deleted, reordered or never sealed;
    a trigger dropped or changed; the anchor missing, forged, or not matching the chain's length
    or head; or the chain shorter than a backup's manifest says it was."""
    problems = []
    prev, expected_id = GENESIS, None
    count, heads = 0, {}
    for row in db.query("SELECT * FROM audit ORDER BY id"):
        count += 1
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
        heads[count] = row["hash"]
    if not is_anchored(db):
        return problems  # a file not yet opened by this version is anchored at its next open
    problems += _verify_triggers(db)
    key_row = db.execute("SELECT value FROM settings WHERE key = ?", [KEY_SETTING]).fetchone()
    anchored = read_anchor(stored_anchor(db), bytes.fromhex(key_row[0])) if key_row else None
    if anchored is None:
        problems.append("The audit chain's anchor is missing or was not written by cjcase.")
    else:
        length, head = anchored
        if count != length:
            problems.append(
                f"The audit log holds {count} rows but its anchor says {length}: rows were deleted or added by hand."
            )
        elif heads.get(count) != head:
            problems.append("The last audit row is not the one the anchor names: the end of the chain was rewritten.")
    if key_row:
        problems += _verify_manifests(db, manifests or [], bytes.fromhex(key_row[0]), heads)
    return problems


def _verify_triggers(db: sqlite_utils.Database) -> list[str]:
    found = {
        row[0]: " ".join(row[1].split())
        for row in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")
    }
    problems = []
    for name, sql in TRIGGERS.items():
        if name not in found:
            problems.append(f"The audit log's trigger {name} was dropped, so the log could be changed unseen.")
        elif found[name] != " ".join(sql.split()):
            problems.append(f"The audit log's trigger {name} was changed.")
    return problems


def _verify_manifests(db: sqlite_utils.Database, manifests: list[Path], key: bytes, heads: dict[int, str]) -> list[str]:
    restored = db.execute("SELECT max(at) FROM audit WHERE action = 'restore'").fetchone()[0] or ""
    for manifest in manifests:
        try:
            content = json.loads(manifest.read_text(encoding="utf-8"))
            text, taken = content.get(ANCHOR_SETTING), str(content.get("taken_at", ""))
        except (OSError, ValueError, AttributeError):
            continue
        anchored = read_anchor(text, key)
        if anchored is None or taken <= restored:
            continue  # another caseload's backup, one under a key since replaced, or one before a restore
        length, head = anchored
        if heads.get(length) != head:
            return [
                f"The audit log does not hold the chain recorded with the backup {manifest.name[: -len('.manifest')]} "
                f"({length} rows): rows were deleted, or the chain was rewritten."
            ]
        return []  # the newest readable manifest is enough
    return []
