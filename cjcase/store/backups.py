"""Backups: written with SQLite's backup API, verified, rotated; restore verifies first."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import DamagedDatabase, DatabaseError, DiskFull, PassphraseError
from cjcase.store import killpoints
from cjcase.store.files import (
    DATABASE_ERRORS,
    acquire_writer_lock,
    backup_dir,
    is_disk_full,
    is_encrypted,
    open_connection,
    open_encrypted,
    quote,
    release_writer_lock,
)
from cjcase.store.migrations import latest_version

DAILY_KEPT = 7
WEEKLY_KEPT = 4
OTHERS_KEPT_DAYS = 90  # manual and pre-upgrade backups (the setting backup_keep_days)
_NAME = re.compile(r"caseload-(\d{8})-(\d{6})-(\d{6})-([a-z0-9-]+)\.db")


@dataclass(frozen=True)
class Backup:
    """A backup file and what its name says about it."""

    path: Path
    taken_at: datetime
    reason: str  # daily, manual, before-vN, before-restore

    @property
    def size(self) -> int:
        """Its size in bytes."""
        return self.path.stat().st_size


def _open_file(path: Path, passphrase: str | None, read_only: bool = True):
    if passphrase and (is_encrypted(path) or not read_only):
        return open_encrypted(path, passphrase, read_only=read_only)
    if read_only:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return sqlite3.connect(path)


def verify_file(path: Path, passphrase: str | None = None, quick: bool = False) -> str | None:
    """None when a database file passes SQLite's integrity check, else what is wrong.

    `quick` runs quick_check: every page and b-tree, but not whether each index agrees with
    its table (0.7 s rather than 11 s at 50,000 clients).
    """
    try:
        conn = _open_file(path, passphrase)
        try:
            pragma = "quick_check" if quick else "integrity_check"
            result = [row[0] for row in conn.execute(f"PRAGMA {pragma}").fetchall()]
        finally:
            conn.close()
    except (DatabaseError, *DATABASE_ERRORS) as error:
        return str(error)
    return None if result == ["ok"] else "; ".join(result[:3])


def write_backup(db: sqlite_utils.Database, folder: Path, reason: str) -> Path:
    """Copy the database to `folder`: backup API to a temporary name, fsync, rename, verify."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"caseload-{stamp}-{reason}.db"
    partial = folder / f".{target.name}.partial"
    passphrase = getattr(db, "passphrase", None)
    try:
        # A backup of an encrypted database is encrypted with the same passphrase.
        copy = _open_file(partial, passphrase, read_only=False)
        try:
            db.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            copy.close()
        _fsync(partial)
        killpoints.reached("backup-copied")
    except (OSError, *DATABASE_ERRORS) as error:
        _discard(partial)
        if is_disk_full(error, folder):
            raise DiskFull(
                f"The disk is full, so the backup was not written: nothing half-written was left in "
                f"{folder}, and the caseload is unchanged. Free some space, or back up to another disk "
                "with `cjcase backup PATH`."
            ) from None
        raise
    problem = verify_file(partial, passphrase)
    if problem:
        _discard(partial)
        raise DamagedDatabase(f"The backup could not be verified ({problem}): the database itself is probably damaged.")
    partial.replace(target)
    _write_manifest(db, target)
    _fsync_dir(folder)
    return target


def manifest_path(backup: Path) -> Path:
    """The manifest beside a backup: the audit chain's keyed anchor when the backup was taken,
    so a chain later cut short or rewritten in the caseload can be told from the real one."""
    return Path(backup).with_name(Path(backup).name + ".manifest")


def _write_manifest(db: sqlite_utils.Database, target: Path) -> None:
    try:
        row = db.execute("SELECT value FROM settings WHERE key = 'audit_anchor'").fetchone()
    except DATABASE_ERRORS:
        row = None  # a file from before the settings table (a backup taken before upgrading it)
    content = {"audit_anchor": row[0] if row else None, "taken_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}
    manifest = manifest_path(target)
    partial = manifest.with_name(f".{manifest.name}.partial")
    partial.write_text(json.dumps(content), encoding="utf-8")
    _fsync(partial)
    partial.replace(manifest)


def refuse_caseload_as_target(target: Path, caseload: Path) -> None:
    """A backup written to a named file never lands on the caseload itself (or its journal or
    lock), whatever link it is reached through."""
    real, live = Path(target).resolve(), Path(caseload).resolve()
    if real in (live, *(live.with_name(live.name + end) for end in ("-wal", "-shm", "-journal", ".lock"))):
        raise DatabaseError(
            f"Nothing was written: {target} is the caseload itself (or its journal or lock). "
            "Name another file, or a folder, for the backup."
        )


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the file itself is already on disk
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def list_backups(folder: Path) -> list[Backup]:
    """The backups in a folder, newest first."""
    found = []
    if folder.is_dir():
        for path in folder.glob("caseload-*.db"):
            match = _NAME.fullmatch(path.name)
            if match:
                taken = datetime.strptime(match.group(1) + match.group(2) + match.group(3), "%Y%m%d%H%M%S%f")
                found.append(Backup(path, taken, match.group(4)))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def latest_verified(folder: Path, passphrase: str | None = None) -> Backup | None:
    """The newest backup that passes the integrity check."""
    for backup in list_backups(folder):
        if verify_file(backup.path, passphrase) is None:
            return backup
    return None


def restore_hint(folder: Path, passphrase: str | None = None) -> str:
    """A sentence naming the newest backup that passes its check, and how to restore it."""
    offer = latest_verified(folder, passphrase)
    if offer:
        return (
            f"The latest verified backup is {offer.path} ({offer.taken_at:%d/%m/%Y %H:%M}): "
            f"restore it with `cjcase restore {offer.path}`."
        )
    if list_backups(folder):
        return f"No backup in {folder} could be verified here: `cjcase backup --list` shows them."
    return "There is no verified backup to restore."


def daily_backup(
    db: sqlite_utils.Database, path: Path, today: date | None = None, keep_days: int = OTHERS_KEPT_DAYS
) -> Path | None:
    """Take the day's backup of a database that holds data, if none was taken today, and rotate.

    A database that fails verification here is refused: nothing more is written to it.
    """
    today = today or date.today()
    folder = backup_dir(path)
    if not db.execute("SELECT EXISTS (SELECT 1 FROM clients)").fetchone()[0]:
        return None
    if any(b.taken_at.date() == today for b in list_backups(folder)):
        return None
    try:
        written = write_backup(db, folder, "daily")
    except DiskFull:
        # The work goes on: a full disk is no reason to refuse today's changes.
        warnings = getattr(db, "warnings", None)
        if warnings is not None:
            warnings.append(
                "Warning: the disk is full, so today's backup was not taken (nothing half-written was "
                "left). You can go on working, but free some space soon: the next open tries again."
            )
        return None
    except DamagedDatabase:
        offer = latest_verified(folder, getattr(db, "passphrase", None))
        hint = (
            f"The latest verified backup is {offer.path} ({offer.taken_at:%d/%m/%Y %H:%M}): "
            f"restore it with `cjcase restore {offer.path}`."
            if offer
            else "There is no verified backup to restore."
        )
        raise DamagedDatabase(f"{path} is damaged, so cjcase will not write to it. {hint}") from None
    rotate(folder, today, keep_days)
    return written


def rotate(folder: Path, today: date, keep_days: int = OTHERS_KEPT_DAYS) -> list[Path]:
    """Keep the 7 newest daily backups and the newest of each of the 4 weeks before them, and the
    manual and pre-upgrade backups of the last `keep_days` days (what is older would keep erased
    clients for good). Only backups/ is rotated: a copy saved elsewhere is the user's.
    Returns what was removed."""
    daily = [b for b in list_backups(folder) if b.reason == "daily"]
    keep = {b.path for b in daily[:DAILY_KEPT]}
    weeks: dict[tuple[int, int], Backup] = {}
    for backup in daily[DAILY_KEPT:]:
        week = backup.taken_at.isocalendar()[:2]
        weeks.setdefault(week, backup)
    keep |= {b.path for b in list(weeks.values())[:WEEKLY_KEPT]}
    removed = [b.path for b in daily if b.path not in keep]
    removed += [
        b.path for b in list_backups(folder) if b.reason != "daily" and (today - b.taken_at.date()).days > keep_days
    ]
    for path in removed:
        path.unlink(missing_ok=True)
        manifest_path(path).unlink(missing_ok=True)
    return removed


def restore(
    path: Path,
    backup_file: Path,
    passphrase: str | None = None,
    caseload_passphrase: str | None = None,
    staged: Callable[[sqlite_utils.Database], None] | None = None,
) -> Path | None:
    """Replace the caseload with a verified backup; the current file is kept aside.

    `passphrase` opens the backup; `caseload_passphrase` the current caseload, when it is
    encrypted: the restored file is then encrypted with it, whatever form the backup had. The
    new file is built and verified beside the old one, the old one is kept aside (a hard link,
    so the caseload's name never goes missing), and one rename puts the new one in place; any
    failure before that rename leaves the caseload as it was. Works on a current file that is
    truncated or damaged. Returns where the replaced file was kept (None when there was none).
    The caller re-applies erasures afterwards. `staged`, when given, writes into the restored
    copy before it is put in place, in one transaction (the restore's own audit row: a kill after
    the swap then leaves a caseload that says it was restored).
    """
    backup_file = Path(backup_file)
    path = Path(path).resolve() if Path(path).is_symlink() else Path(path)  # the file, not the link
    if not backup_file.is_file():
        raise DatabaseError(f"There is no backup at {backup_file}: `cjcase backup --list` shows them.")
    problem = verify_file(backup_file, passphrase)
    if problem:
        raise DatabaseError(f"{backup_file} fails its integrity check ({problem}); nothing was restored.")
    conn = _open_file(backup_file, passphrase)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        is_caseload = (
            conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN ('clients', 'audit')").fetchone()[0] == 2
        )
    finally:
        conn.close()
    if not is_caseload or version > latest_version():
        raise DatabaseError(f"{backup_file} is not a backup this cjcase can restore; nothing was restored.")
    _check_caseload_passphrase(path, passphrase, caseload_passphrase)
    lock = acquire_writer_lock(path)
    staging = path.with_name(f".{path.name}.restoring")
    aside = _free_name(path.with_name(f"{path.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}"))
    kept: Path | None = None
    try:
        try:
            _build_restored(backup_file, staging, passphrase, caseload_passphrase)
            if staged is not None:
                _write_staged(staging, caseload_passphrase or passphrase, staged)
            if path.exists():
                kept = _set_aside(path, aside, caseload_passphrase)
            _swap_in(staging, path, kept)
        except BaseException:
            _discard(staging)
            if kept is not None and path.exists() and os.path.samefile(path, kept):
                _discard(kept)  # the caseload is unchanged: no copy of it is left behind
                kept = None
            raise
    except (OSError, *DATABASE_ERRORS) as error:
        if is_disk_full(error):
            raise DatabaseError(
                f"The disk is full, so {backup_file} could not be restored: {path} is unchanged. "
                "Free some space, then run the restore again."
            ) from None
        raise DatabaseError(f"The restore failed ({error}): {path} is unchanged.") from None
    finally:
        release_writer_lock(lock)
    return kept


def _check_caseload_passphrase(path: Path, passphrase: str | None, caseload_passphrase: str | None) -> None:
    """An encrypted caseload stays encrypted: its passphrase must be given, and must be its own."""
    if not is_encrypted(path):
        return
    if not caseload_passphrase:
        raise PassphraseError(
            f"{path} is encrypted: give its passphrase (CJCASE_PASSPHRASE for scripts), so that the "
            "restored caseload is encrypted with it too. Nothing was restored."
        )
    try:
        open_encrypted(path, caseload_passphrase, read_only=True).close()
    except PassphraseError:
        if caseload_passphrase != passphrase:  # a damaged caseload: the backup's own passphrase vouches
            raise PassphraseError(
                f"That passphrase does not open {path}, so the restored caseload cannot be encrypted with "
                "it. Nothing was restored; try again."
            ) from None


def _encrypt_file(source: Path, target: Path, passphrase: str) -> None:
    """Write an encrypted copy of a plain database file (sqlcipher_export). Here, not in
    encryption.py, because a restore into an encrypted caseload needs it too."""
    import sqlcipher3

    target.unlink(missing_ok=True)
    plain = sqlite3.connect(source)
    version = plain.execute("PRAGMA user_version").fetchone()[0]
    plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    plain.close()
    conn = sqlcipher3.connect(str(source))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"ATTACH DATABASE {quote(str(target))} AS encrypted KEY {quote(passphrase)}")
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute(f"PRAGMA encrypted.user_version = {version}")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    _fsync(target)


def _build_restored(backup_file: Path, staging: Path, passphrase: str | None, caseload_passphrase: str | None) -> None:
    """Write the backup's content to `staging` in the caseload's form (encrypted with the
    caseload's passphrase when there is one), flush it to disk and verify it."""
    target = caseload_passphrase or passphrase
    _discard(staging)
    if target and not passphrase:
        _encrypt_file(backup_file, staging, target)  # a plain backup into an encrypted caseload
    else:
        source = _open_file(backup_file, passphrase)
        copy = _open_file(staging, passphrase, read_only=False)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            if target != passphrase:
                copy.execute(f"PRAGMA rekey = {quote(target or '')}")
        finally:
            copy.close()
            source.close()
        _fsync(staging)
    problem = verify_file(staging, target, quick=True)
    if problem:
        raise DamagedDatabase(f"The restored copy could not be verified ({problem}); nothing was restored.")


def _write_staged(staging: Path, passphrase: str | None, staged: Callable[[sqlite_utils.Database], None]) -> None:
    conn = open_connection(staging, passphrase, read_only=False)
    try:
        conn.execute("BEGIN IMMEDIATE")
        staged(sqlite_utils.Database(conn))
        conn.execute("COMMIT")
    finally:
        conn.close()
    _fsync(staging)


def _free_name(wanted: Path) -> Path:
    """`wanted`, or with -2, -3… after it: a restore killed after setting a file aside and run again
    within the second would otherwise find its name taken (by a second name of the same file)."""
    candidate, number = wanted, 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = wanted.with_name(f"{wanted.name}-{number}")
    return candidate


def _set_aside(path: Path, aside: Path, passphrase: str | None) -> Path:
    """Keep the current caseload as `aside` (a second name for the same file) with its WAL.

    The WAL is folded into the file first where SQLite can; a truncated or damaged file cannot,
    so its WAL is copied beside the kept file instead."""
    try:
        current = _open_file(path, passphrase, read_only=False) if is_encrypted(path) else sqlite3.connect(path)
        try:
            current.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            current.close()
    except (DatabaseError, *DATABASE_ERRORS):
        pass  # damaged: kept as it is, WAL and all
    try:
        os.link(path, aside)
    except OSError as error:
        if is_disk_full(error):
            raise
        shutil.copy2(path, aside)  # a file system without hard links
        _fsync(aside)
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        shutil.copyfile(wal, f"{aside}-wal")
        _fsync(Path(f"{aside}-wal"))
    _fsync_dir(path.parent)
    return aside


def _swap_in(staging: Path, path: Path, kept: Path | None) -> None:
    """Put the verified new file in place with one rename; the old file's WAL and shared memory
    go first (kept beside the set-aside copy), or SQLite would apply them to the new file."""
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    for leftover in (wal, shm):
        leftover.unlink(missing_ok=True)
    try:
        staging.replace(path)
    except BaseException:
        if kept is not None and Path(f"{kept}-wal").exists():
            shutil.copyfile(f"{kept}-wal", wal)
        raise
    _fsync_dir(path.parent)


def _discard(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        name.unlink(missing_ok=True)
