"""Encryption at rest: converting a caseload (and every backup of it) to SQLCipher.

Each file is converted the same way, so a kill at any moment leaves it whole, plain or encrypted:
an encrypted copy is written beside it and verified; the plain file gets a second name
(`.NAME.plain`); the copy replaces it in one rename; only then is the plain file overwritten
through its second name and removed. What a killed run left (plain backups not reached, a
`.plain` not yet overwritten, a backup's `.partial`) is finished by the next run, or the next open.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from cjcase.domain.errors import DatabaseError
from cjcase.store import killpoints
from cjcase.store.backups import _encrypt_file, _fsync_dir, list_backups, verify_file
from cjcase.store.files import (
    acquire_writer_lock,
    backup_dir,
    is_encrypted,
    open_encrypted,
    release_writer_lock,
)

MIN_PASSPHRASE = 10


def check_passphrase(passphrase: str) -> None:
    """A passphrase long enough to protect health and offending data on a laptop."""
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise DatabaseError(f"Use a passphrase of at least {MIN_PASSPHRASE} characters, e.g. three unrelated words.")


def shred(path: Path, moment: str = "shred-begun") -> None:
    """Overwrite a file with zeros, flush it to disk, then remove it (`moment` names the point,
    after the first chunk, where the crash harness may kill it)."""
    if not path.exists():
        return
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        remaining = size
        while remaining > 0:
            chunk = min(remaining, 1 << 20)
            handle.write(b"\0" * chunk)
            remaining -= chunk
            handle.flush()
            killpoints.reached(moment)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def _plain_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.plain")


def _encrypt_in_place(path: Path, passphrase: str, quick: bool) -> None:
    """Replace a plain database file by its encrypted copy in one rename, then overwrite the plain one."""
    staging = path.with_name(f".{path.name}.encrypting")
    _encrypt_file(path, staging, passphrase)
    problem = verify_file(staging, passphrase, quick=quick)
    if problem:
        staging.unlink(missing_ok=True)
        raise DatabaseError(f"The encrypted copy of {path} could not be verified ({problem}); it was left as it was.")
    killpoints.reached("encrypt-staged")
    plain = _plain_name(path)
    plain.unlink(missing_ok=True)
    try:
        os.link(path, plain)  # the plain bytes keep a name, to be overwritten once replaced
    except OSError:
        shutil.copyfile(path, plain)  # a file system without hard links: the copy is overwritten instead
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        shred(leftover)  # checkpointed above: the plain file holds everything
    killpoints.reached("encrypt-linked")
    staging.replace(path)
    _fsync_dir(path.parent)
    killpoints.reached("encrypt-replaced")
    shred(plain, "encrypt-overwriting")


def _folders(path: Path) -> list[Path]:
    return [path.parent, backup_dir(path)]


def _plain_copies(path: Path) -> list[Path]:
    """Backups and set-aside copies of the caseload that are still plain SQLite files."""
    copies = [b.path for b in list_backups(backup_dir(path))] + sorted(
        path.parent.glob(f"{path.name}.before-restore-*")
    )
    return [c for c in copies if not c.name.endswith(("-wal", "-shm")) and c.is_file() and not is_encrypted(c)]


def leftovers(path: Path) -> list[Path]:
    """What an interrupted encrypt or backup left that may hold plain data: a `.NAME.plain` not
    yet overwritten, a backup's `.partial`."""
    found = []
    for folder in _folders(path):
        if folder.is_dir():
            found += sorted(folder.glob(".*.plain")) + sorted(folder.glob(".caseload-*.partial"))
            found += sorted(folder.glob(".*.encrypting"))
    return found


def clear_leftovers(path: Path) -> int:
    """Overwrite and remove what `leftovers` finds; returns how many. The caller holds the lock."""
    return _clear(leftovers(path))


def _clear(found: list[Path]) -> int:
    for leftover in found:
        if leftover.name.endswith(".plain"):
            live = leftover.with_name(leftover.name[1 : -len(".plain")])
            if live.exists() and os.path.samefile(live, leftover):
                leftover.unlink()  # killed before the rename: the live file is still plain and whole
                continue
        if leftover.name.endswith(".encrypting"):
            leftover.unlink(missing_ok=True)  # an encrypted copy not yet put in place
            continue
        shred(leftover)
    return len(found)


def copy_key(file: Path) -> str | None:
    """The pseudonym key held in a plain caseload file (to tell a copy of this caseload from
    any other file); None when it is not a plain caseload."""
    if not file.is_file() or is_encrypted(file):
        return None
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM settings WHERE key = 'pseudonym_key'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def finish(path: Path, passphrase: str, also: list[Path] | None = None) -> list[Path]:
    """Finish what an interrupted encrypt left of an encrypted caseload: overwrite leftovers and
    encrypt the plain backups and set-aside copies it had not reached, and `also` (plain copies
    written outside backups/). Returns those encrypted. The caller holds the lock."""
    clear_leftovers(path)
    for copy in also or []:  # in the user's folder: only what encrypting that copy left
        _clear([p for p in (_plain_name(copy), copy.with_name(f".{copy.name}.encrypting")) if p.exists()])
    encrypted = []
    for copy in _plain_copies(path) + [c for c in also or [] if c.is_file() and not is_encrypted(c)]:
        _encrypt_in_place(copy, passphrase, quick=True)
        encrypted.append(copy)
        killpoints.reached("encrypt-backup-done")
    return encrypted


def needs_finishing(path: Path, also: list[Path] | None = None) -> bool:
    """Whether an encrypted caseload still has plain copies or leftovers beside it, or in `also`."""
    return bool(leftovers(path) or _plain_copies(path) or any(c.is_file() and not is_encrypted(c) for c in also or []))


def encrypt(path: Path, passphrase: str, also: list[Path] | None = None) -> list[Path]:
    """Convert a database to SQLCipher in place, and encrypt its backups and set-aside copies;
    or finish a conversion that was interrupted (with the passphrase it was given).

    The caller has opened it once first (migrated, anchored, backed up), and names in `also` the
    copies of it written outside backups/. Returns the backups and copies encrypted.
    """
    check_passphrase(passphrase)
    path = Path(path)
    if not path.exists():
        raise DatabaseError(f"There is no database at {path} to encrypt.")
    if is_encrypted(path) and not needs_finishing(path, also):
        raise DatabaseError(f"{path} is already encrypted.")
    lock = acquire_writer_lock(path)
    try:
        clear_leftovers(path)
        if is_encrypted(path):
            open_encrypted(path, passphrase).close()  # the interrupted run's passphrase, or a sentence
        else:
            _encrypt_in_place(path, passphrase, quick=False)
        return finish(path, passphrase, also)
    finally:
        release_writer_lock(lock)
