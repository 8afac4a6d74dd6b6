"""Opening one SQLite file (plain or SQLCipher), its one-writer lock, and where its backups go.

The connection and the backups both stand on this module, so neither imports the other's opener.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from cjcase.domain.errors import DatabaseError, PassphraseError, WriterBusy
from cjcase.store.paths import file_kind, is_encrypted  # noqa: F401  (re-exported beside the openers)


def _drivers():
    """The DB-API modules in use: sqlite3, and sqlcipher3 for encrypted databases when installed."""
    try:
        import sqlcipher3

        return (sqlite3, sqlcipher3)
    except ImportError:
        return (sqlite3,)


INTEGRITY_ERRORS = tuple(driver.IntegrityError for driver in _drivers())
DATABASE_ERRORS = tuple(driver.DatabaseError for driver in _drivers())


def quote(text: str) -> str:
    """A passphrase as an SQL string literal (PRAGMA key takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def open_encrypted(path: Path, passphrase: str, read_only: bool = False):
    """A SQLCipher connection to `path` with the key applied and checked."""
    try:
        import sqlcipher3
    except ImportError:
        raise DatabaseError(
            f"{path} is encrypted, and this installation has no SQLCipher: pip install sqlcipher3, then try again."
        ) from None
    target = f"file:{path}?mode=ro" if read_only else str(path)
    conn = sqlcipher3.connect(target, uri=read_only, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")  # nothing printed over the TUI
    conn.execute(f"PRAGMA key = {quote(passphrase)}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise PassphraseError(f"That passphrase does not open {path}. Nothing was changed; try again.") from None
    return conn


def open_connection(path: Path, passphrase: str | None, read_only: bool) -> sqlite3.Connection:
    """A connection to the file: SQLCipher when there is a passphrase, read-only when asked.
    Transactions are begun explicitly (sqlite-utils and CaseDatabase.atomic())."""
    if passphrase:
        conn = open_encrypted(path, passphrase, read_only)
    elif read_only:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, check_same_thread=False)
    conn.isolation_level = None
    return conn


def lock_path(path: Path) -> Path:
    """The lock file that says a cjcase is writing to a database: beside the real file, links
    resolved, so the same file reached through a symbolic link takes the same lock."""
    real = Path(path).resolve()
    return real.with_name(real.name + ".lock")


def is_disk_full(error: BaseException, folder: Path | None = None) -> bool:
    """True for an error that says the disk has no room left. SQLite says "disk I/O error" when
    it cannot even make its shared-memory file, so with `folder` an I/O error on a disk with
    almost no room left counts too."""
    import errno

    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(error)
    if "disk is full" in text or "No space left" in text:
        return True
    if folder is not None and "I/O error" in text:
        try:
            stats = os.statvfs(folder)
        except (OSError, AttributeError):
            return False
        return stats.f_bavail * stats.f_frsize < 1 << 20
    return False


def disk_full_message(path: Path | None) -> str:
    """The sentence for a change that found no room on the disk."""
    return (
        f"The disk holding {path or 'the caseload'} is full, so this change was not saved: the caseload "
        "is as it was before it, and nothing was lost. Free some space, then try again."
    )


def is_locked_error(error: BaseException) -> bool:
    """True for SQLite's "database is locked": another program holds the file's write lock."""
    return isinstance(error, DATABASE_ERRORS) and "locked" in str(error)


def locked_message(path: Path | None) -> str:
    """The sentence for a write that found the file held by another program, past the lock file."""
    return (
        f"Another program is writing to {path or 'the caseload'} (another cjcase whose lock file was "
        "removed, or a tool opened on the file), so this change was not made and nothing was lost. "
        "Close the other program, then try again."
    )


def acquire_writer_lock(path: Path):
    """Take the one-writer lock of a database file, or say who holds it."""
    handle = open(lock_path(path), "a+")
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise WriterBusy(
            f"Another cjcase is already open on {path} and may be writing to it. Close that one "
            "first, or open this one with --read-only to look without changing anything."
        ) from None
    return handle


def release_writer_lock(handle) -> None:
    """Let another cjcase write to the database."""
    if handle is not None:
        handle.close()


def backup_dir(path: Path) -> Path:
    """Where backups of a database are kept: a `backups` folder beside it."""
    return Path(path).parent / "backups"
