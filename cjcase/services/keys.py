"""The organisation's pseudonym key and the pseudo_id made from a client reference with it."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import CjcaseError
from cjcase.services.audit import KEY_SETTING, organisation_key, write_audit

_KEY_TEXT = re.compile(r"[0-9a-f]{64}")


def pseudo_id(key: bytes, client_ref: str) -> str:
    """HMAC-SHA256 of the client reference under the key: lowercase hex, first 16 characters."""
    return hmac.new(key, client_ref.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def ensure_pseudonym_key(db: sqlite_utils.Database) -> None:
    """Create the organisation's pseudonym key with the database, so every backup holds it
    (erasures are remembered by pseudonym and re-applied after a restore)."""
    if db.execute("SELECT 1 FROM settings WHERE key = ?", [KEY_SETTING]).fetchone():
        return
    with db.atomic():
        organisation_key(db)
        write_audit(db, "create", "pseudonym_key")


def get_key(db: sqlite_utils.Database) -> bytes:
    """The organisation's key (made with the database; made now for one that predates that)."""
    ensure_pseudonym_key(db)
    row = db.execute("SELECT value FROM settings WHERE key = ?", [KEY_SETTING]).fetchone()
    return bytes.fromhex(row[0])


def export_key(db: sqlite_utils.Database, path: Path) -> None:
    """Write the key to a file, so other laptops of the organisation make the same pseudonyms."""
    key = get_key(db)
    path.write_text(key.hex() + "\n", encoding="ascii")
    try:
        path.chmod(0o600)
    except OSError:
        pass
    with db.atomic():
        write_audit(db, "export", "pseudonym_key")


def import_key(db: sqlite_utils.Database, path: Path) -> None:
    """Replace the key with one exported from another laptop of the organisation."""
    try:
        text = path.read_bytes().decode("latin-1").strip().lower()
    except OSError as error:
        raise CjcaseError(f"Cannot read the key file {path} ({error}).") from None
    if not _KEY_TEXT.fullmatch(text):
        raise CjcaseError(
            f"{path} is not a cjcase pseudonym key: it should hold the 64 hexadecimal characters "
            "written by `cjcase key export`."
        )
    with db.atomic():
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [KEY_SETTING, text],
        )
        write_audit(db, "import", "pseudonym_key")
