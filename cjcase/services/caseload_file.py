"""Opening and encrypting the caseload file: the store's work, plus what the services keep.

The store opens, upgrades and backs up a file; the audit log and the pseudonym key are records,
so anchoring the one and making the other happen here, before the day's backup takes them.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from cjcase.services import audit, erasure, keys
from cjcase.store import backups, encryption, killpoints
from cjcase.store.database import connect


def open_caseload(
    path: Path, read_only: bool = False, verify: bool = True, passphrase: str | None = None
) -> sqlite_utils.Database:
    """Open (creating and upgrading) a caseload; a writable one is anchored, keyed and backed up.

    A writable open takes the one-writer lock, checks the file (unless `verify` is False: the
    TUI checks in the background instead) and once a day takes a verified backup.
    """
    db = connect(path, read_only=read_only, verify=verify, passphrase=passphrase)
    if not read_only:
        try:
            _settle(db, Path(getattr(db, "path", None) or path))  # links resolved
        except BaseException:
            db.close()
            raise
    return db


def _settle(db: sqlite_utils.Database, path: Path) -> list[int]:
    """What every writable open does before work starts; returns the clients erased again."""
    audit.anchor(db)  # once, for a new file or one from before the chain was anchored
    keys.ensure_pseudonym_key(db)
    again = erasure.reapply(db, path)  # an erase or restore killed half-way is finished here
    backups.daily_backup(db, path)  # after re-applying, so no backup brings an erased client back
    return again


def encrypt_caseload(path: Path, passphrase: str) -> list[Path]:
    """Encrypt a caseload and its backups with a passphrase, and record it in the audit log.

    Returns the backups that were encrypted."""
    encryption.check_passphrase(passphrase)
    path = Path(path)
    if path.exists() and not encryption.is_encrypted(path):
        open_caseload(path).close()  # migrated, anchored and backed up before it changes form
    encrypted = encryption.encrypt(path, passphrase)
    db = open_caseload(path, passphrase=passphrase)
    try:
        with db.atomic():
            audit.write_audit(db, "update", "database", None, None, f"encrypted; backups encrypted {len(encrypted)}")
    finally:
        db.close()
    return encrypted


def restore_caseload(
    path: Path, backup_file: Path, passphrase: str | None = None, caseload_passphrase: str | None = None
) -> tuple[Path | None, list[int]]:
    """Put a verified backup in place of the caseload, erase again whoever was erased since it was
    taken, and record the restore. An encrypted caseload stays encrypted with its own passphrase
    (`caseload_passphrase`), whatever form the backup had. Returns where the replaced file went
    (None when there was none), and who was erased again."""
    aside = backups.restore(path, backup_file, passphrase, caseload_passphrase)
    killpoints.reached("restore-swapped")
    db = connect(path, passphrase=caseload_passphrase or passphrase)
    try:
        again = _settle(db, Path(path))
        with db.atomic():
            audit.write_audit(db, "restore", "database", None, None, f"erasures re-applied {len(again)}")
    finally:
        db.close()
    return aside, again
