"""Opening and encrypting the caseload file: the store's work, plus what the services keep.

The store opens, upgrades and backs up a file; the audit log and the pseudonym key are records,
so anchoring the one and making the other happen here, before the day's backup takes them.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import ReadOnlyError, WriterBusy
from cjcase.services import audit, erasure, keys, settings
from cjcase.store import backups, encryption, killpoints
from cjcase.store.database import connect, latest_version
from cjcase.store.files import backup_dir

COPIES_SETTING = "copies_outside_backups"


def open_caseload(
    path: Path, read_only: bool = False, verify: bool = True, passphrase: str | None = None, editing: bool = False
) -> sqlite_utils.Database:
    """Open (creating and upgrading) a caseload; a writable one is anchored, keyed and backed up.

    A writable open takes the one-writer lock, checks the file (unless `verify` is False: the
    TUI checks in the background instead) and once a day takes a verified backup. `editing` (the
    terminal's writable open) refuses an organisation's combined file, which is only read.
    """
    db = connect(path, read_only=read_only, verify=verify, passphrase=passphrase)
    if editing and not read_only:
        from cjcase.services.combine import is_combined

        if is_combined(db):
            db.close()
            raise ReadOnlyError(
                f"{path} is an organisation's combined file, which is read, never edited: open it with "
                "--read-only to look at it, or use `cjcase export`, `agenda` or `check` on it. To change a "
                "record, edit on the keyworker's laptop, then combine again."
            )
    if not read_only:
        try:
            _settle(db, Path(getattr(db, "path", None) or path))  # links resolved
        except BaseException:
            db.close()
            raise
    return db


def open_beside_editing(path: Path, read_only: bool = False, passphrase: str | None = None) -> sqlite_utils.Database:
    """Open a caseload for a command that reads it (an export), which may run while a keyworker
    has it open: as an editing session when nobody else is (so it is upgraded and backed up as
    usual), else, and always when `read_only`, as a reader beside the editing session, whose own
    writes (an export's audit row) are each one short transaction that waits its turn."""
    if not read_only:
        try:
            return open_caseload(path, passphrase=passphrase)
        except WriterBusy:
            pass  # an editing session is open: the one-writer rule is for those, not for a read
    return connect(path, passphrase=passphrase, shared=True)


def client_count(db: sqlite_utils.Database) -> int:
    """How many clients the caseload holds (0 for one just made)."""
    return db.execute("SELECT count(*) FROM clients").fetchone()[0]


def _settle(db: sqlite_utils.Database, path: Path) -> list[int]:
    """What every writable open does before work starts; returns the clients erased again."""
    passphrase = getattr(db, "passphrase", None)
    if passphrase:  # an encrypt killed half-way is finished: no plain copy outlives it
        encryption.finish(path, passphrase, copies_outside(db))
    else:
        encryption.clear_leftovers(path)  # a backup's .partial from a kill
    audit.anchor(db)  # once, for a new file or one from before the chain was anchored
    keys.ensure_pseudonym_key(db)
    again = erasure.reapply(db, path)  # an erase or restore killed half-way is finished here
    kept = settings.get(db, "backup_keep_days")
    keep_days = int(kept) if kept.isdigit() else backups.OTHERS_KEPT_DAYS
    backups.daily_backup(db, path, keep_days=keep_days)  # after re-applying, so no backup brings an erased client back
    return again


def encrypt_caseload(path: Path, passphrase: str) -> list[Path]:
    """Encrypt a caseload, its backups and the copies `backup PATH` wrote elsewhere with a
    passphrase, and record it in the audit log; or finish an encrypt that was killed.

    Returns the backups and copies that were encrypted."""
    encryption.check_passphrase(passphrase)
    path = Path(path)
    also: list[Path] = []
    if path.exists():
        # migrated, anchored and backed up before it changes form (not settled when already
        # encrypted: finishing that is the encrypt's own work, below)
        was_encrypted = encryption.is_encrypted(path)
        db = connect(path, passphrase=passphrase) if was_encrypted else open_caseload(path)
        try:
            also = copies_outside(db)
        finally:
            db.close()
    encrypted = encryption.encrypt(path, passphrase, also)
    db = open_caseload(path, passphrase=passphrase)
    try:
        with db.atomic():
            audit.write_audit(db, "update", "database", None, None, f"encrypted; backups encrypted {len(encrypted)}")
    finally:
        db.close()
    return encrypted


def backup_caseload(db: sqlite_utils.Database, path: Path, target: Path | None = None) -> Path:
    """A verified backup now: into backups/ beside the caseload, or to `target` (a file or a folder).

    A copy written outside backups/ is remembered (in the caseload, so encrypted with it), so
    that `encrypt` encrypts it too; it is never rotated: it is the user's."""
    path = Path(path)
    folder = backup_dir(path) if target is None else (target if target.is_dir() else target.parent)
    written = backups.write_backup(db, folder, "manual")
    if target is not None and not target.is_dir():
        backups.manifest_path(written).replace(backups.manifest_path(target))
        written = written.replace(target)
    if written.parent.resolve() != backup_dir(path).resolve():
        known = [str(p) for p in copies_outside(db, plain_only=False)]
        if str(written.resolve()) not in known:
            with db.atomic():
                db.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [COPIES_SETTING, json.dumps([*known, str(written.resolve())])],
                )
    return written


def copies_outside(db: sqlite_utils.Database, plain_only: bool = True) -> list[Path]:
    """The copies of this caseload `backup PATH` wrote outside backups/ that are still there (and
    still plain, unless `plain_only` is False), and still this caseload's (its key)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [COPIES_SETTING]).fetchone()
    try:
        paths = [Path(p) for p in json.loads(row[0])] if row else []
    except (ValueError, TypeError):
        paths = []
    if not plain_only:
        return paths
    key = db.execute("SELECT value FROM settings WHERE key = ?", [keys.KEY_SETTING]).fetchone()
    return [p for p in paths if key and encryption.copy_key(p) == key[0]]


def restore_caseload(
    path: Path, backup_file: Path, passphrase: str | None = None, caseload_passphrase: str | None = None
) -> tuple[Path | None, list[int]]:
    """Put a verified backup in place of the caseload, erase again whoever was erased since it was
    taken, and record the restore. An encrypted caseload stays encrypted with its own passphrase
    (`caseload_passphrase`), whatever form the backup had. Returns where the replaced file went
    (None when there was none), and who was erased again."""
    recorded = []

    def record_restore(copy: sqlite_utils.Database) -> None:
        # Written into the restored copy before the swap, so a kill just after it leaves a caseload
        # whose audit log says it was restored (else `check` sees the backups' longer chains as
        # rows deleted). A backup from before the anchored chain gets its row after the upgrade.
        version = copy.execute("PRAGMA user_version").fetchone()[0]
        if version == latest_version() and audit.is_anchored(copy):
            audit.write_audit(copy, "restore", "database", None, None, f"from {Path(backup_file).name}")
            recorded.append(True)

    aside = backups.restore(path, backup_file, passphrase, caseload_passphrase, staged=record_restore)
    killpoints.reached("restore-swapped")
    db = connect(path, passphrase=caseload_passphrase or passphrase)
    try:
        again = _settle(db, Path(path))
        if not recorded:
            with db.atomic():
                audit.write_audit(db, "restore", "database", None, None, f"from {Path(backup_file).name}")
    finally:
        db.close()
    return aside, again
