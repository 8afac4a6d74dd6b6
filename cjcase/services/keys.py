"""The organisation's pseudonym key and the pseudo_id made from a client reference with it."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import CjcaseError, KeyChangeRefused
from cjcase.services.audit import KEY_SETTING, organisation_key, write_audit

_KEY_TEXT = re.compile(r"[0-9a-f]{64}")


def pseudo_id(key: bytes, client_ref: str) -> str:
    """HMAC-SHA256 of the client reference under the key: lowercase hex, first 16 characters."""
    return hmac.new(key, client_ref.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def recipient_key(key: bytes, recipient: str) -> bytes:
    """The key of one recipient's extracts: HMAC-SHA256 of the recipient's name under the
    organisation's key. Stable across quarters for that recipient; two recipients' pseudonyms
    differ, so they cannot link their files."""
    return hmac.new(key, recipient.strip().encode("utf-8"), hashlib.sha256).digest()


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
    if path.is_dir():
        raise CjcaseError(f"{path} is a folder: give the file to write the key into, e.g. {path / 'cjcase.key'}.")
    if not path.parent.is_dir():
        raise CjcaseError(f"The folder {path.parent} does not exist: create it first, or write the key elsewhere.")
    try:
        path.write_text(key.hex() + "\n", encoding="ascii")
    except OSError as error:
        raise CjcaseError(f"Could not write the key to {path} ({error.strerror}): choose another place.") from None
    try:
        path.chmod(0o600)
    except OSError:
        pass
    with db.atomic():
        write_audit(db, "export", "pseudonym_key")


def key_in_use(db: sqlite_utils.Database) -> bool:
    """Whether pseudonyms made with the current key may exist: clients are recorded, or an
    extract was written, or a client was erased (erasures are remembered by pseudonym)."""
    return bool(
        db.execute("SELECT 1 FROM clients LIMIT 1").fetchone()
        or db.execute(
            "SELECT 1 FROM audit WHERE action IN ('export', 'erase') AND entity != 'pseudonym_key' LIMIT 1"
        ).fetchone()
    )


def import_key(db: sqlite_utils.Database, path: Path, force: bool = False) -> None:
    """Replace the key with one exported from another laptop of the organisation.

    A different key already in use is replaced only with `force`: it changes every pseudonym.
    """
    try:
        text = path.read_bytes().decode("latin-1").strip().lower()
    except OSError as error:
        raise CjcaseError(f"Cannot read the key file {path} ({error}).") from None
    if not _KEY_TEXT.fullmatch(text):
        raise CjcaseError(
            f"{path} is not a cjcase pseudonym key: it should hold the 64 hexadecimal characters "
            "written by `cjcase key export`."
        )
    if not force and text != get_key(db).hex() and key_in_use(db):
        raise KeyChangeRefused(
            f"{path} holds a different key from this caseload's: importing it changes every "
            "pseudonym, so extracts already sent will no longer match. Give --force to replace it."
        )
    with db.atomic():
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [KEY_SETTING, text],
        )
        write_audit(db, "import", "pseudonym_key")
