"""The caseload connection: open a file with the program's pragmas, upgrade it, check it.

What the services add on opening (sealing the audit log, the pseudonym key, the day's backup)
is theirs: see services/caseload_file.py.
"""

from __future__ import annotations

import contextlib
import glob
import threading
from pathlib import Path

import sqlite_utils

from cjcase.domain.clock import Clock
from cjcase.domain.errors import (
    EDIT_COMBINED,
    DamagedDatabase,
    DatabaseError,
    DiskFull,
    PassphraseError,
    ReadOnlyError,
)
from cjcase.store.backups import latest_verified, restore_hint, write_backup
from cjcase.store.files import (  # noqa: F401  (the errors and lock are re-exported for callers)
    DATABASE_ERRORS,
    INTEGRITY_ERRORS,
    acquire_writer_lock,
    backup_dir,
    disk_full_message,
    file_kind,
    is_disk_full,
    is_encrypted,
    is_locked_error,
    locked_message,
    open_connection,
    release_writer_lock,
)
from cjcase.store.migrations import latest_version, migrations  # noqa: F401

_READERS_LOCK = threading.Lock()


class CaseDatabase(sqlite_utils.Database):
    """A sqlite-utils Database whose transactions take the write lock at once, and which holds
    the one-writer lock of its file while open."""

    writer_lock = None
    path: Path | None = None
    passphrase: str | None = None  # kept while open, so backups of an encrypted file are encrypted

    read_only = False
    warnings: list[str]  # what the user is told once the file is open (a backup that failed)

    @contextlib.contextmanager
    def atomic(self):
        """One transaction (BEGIN IMMEDIATE), or a savepoint inside one already open."""
        if self.read_only:
            raise ReadOnlyError(
                "This caseload is open read-only, so nothing can be changed: "
                "open cjcase without --read-only to make changes."
            )
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except DATABASE_ERRORS as error:
            if is_locked_error(error):
                raise DatabaseError(locked_message(self.path)) from None
            raise
        try:
            yield self
        except BaseException as error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if is_disk_full(error):
                raise DiskFull(disk_full_message(self.path)) from None
            if isinstance(error, DATABASE_ERRORS) and EDIT_COMBINED in str(error):
                raise ReadOnlyError(f"This change was not made: {EDIT_COMBINED}") from None  # the file's triggers
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException as error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if is_locked_error(error):
                    raise DatabaseError(locked_message(self.path)) from None
                if is_disk_full(error):
                    raise DiskFull(disk_full_message(self.path)) from None
                raise

    def reader(self) -> sqlite_utils.Database:
        """A read-only connection of the calling thread's own, for loads off the event loop.

        One connection shared by threads would interleave the main thread's transactions with
        the savepoints sqlite-utils wraps each query in; WAL lets this one read a committed
        snapshot while the main one writes. The main thread gets the database itself.
        """
        if self.path is None or threading.current_thread() is threading.main_thread():
            return self
        with _READERS_LOCK:
            if "_local" not in self.__dict__:
                self._local, self._readers = threading.local(), []
        reader = getattr(self._local, "db", None)
        if reader is None:
            conn = open_connection(self.path, self.passphrase, read_only=True)
            conn.execute("PRAGMA busy_timeout = 5000")
            reader = self._local.db = sqlite_utils.Database(conn)
            with _READERS_LOCK:
                self._readers.append(reader)
        return reader

    def close(self) -> None:
        with _READERS_LOCK:
            readers, self._readers = self.__dict__.get("_readers", []), []
        for reader in readers:
            reader.close()
        super().close()
        release_writer_lock(self.writer_lock)
        self.writer_lock = None


def connect(
    path: Path,
    read_only: bool = False,
    verify: bool = True,
    passphrase: str | None = None,
    shared: bool = False,
) -> sqlite_utils.Database:
    """Open (creating its folder) and migrate a database, with the program's pragmas set.

    A writable open takes the one-writer lock, checks the file (unless `verify` is False: the
    TUI checks in the background instead) and once a day takes a verified backup.

    A `shared` open is a reader's beside an editing session (an export): it may write its own
    short transactions, each waiting its turn (the busy timeout), but takes no one-writer lock,
    and neither makes, upgrades nor checks the file.
    """
    shared = shared and not read_only
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()  # one file, one lock, its backups beside it, whatever name it was given
    lock = None
    refuse_unusable(path, passphrase)
    encrypted = is_encrypted(path)
    if read_only and not path.exists():
        raise DatabaseError(f"There is no database at {path} to open read-only.")
    if shared and not path.exists():
        raise DatabaseError(f"There is no database at {path} to read.")
    if not read_only and not shared:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = acquire_writer_lock(path)
    try:
        conn = open_connection(path, passphrase if encrypted else None, read_only)
    except PassphraseError as error:
        release_writer_lock(lock)
        hint = restore_hint(backup_dir(path), passphrase)
        raise PassphraseError(f"{error} If it is the right passphrase, the file is damaged. {hint}") from None
    except BaseException:
        release_writer_lock(lock)
        raise
    db = CaseDatabase(conn)
    db.warnings = []
    db.writer_lock = lock
    db.path = path
    db.passphrase = passphrase if encrypted else None
    db.read_only = read_only
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        if not read_only and not shared:
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except DATABASE_ERRORS as error:
        db.close()
        if is_locked_error(error):
            raise DatabaseError(locked_message(path)) from None
        if is_disk_full(error, path.parent):
            raise DiskFull(
                f"The disk holding {path} is full, so cjcase cannot open the caseload to work on it. "
                "The caseload is not damaged and nothing was changed: free some space, then try again."
            ) from None
        offer = latest_verified(backup_dir(path))
        hint = f" The latest verified backup is {offer.path}: `cjcase restore {offer.path}`." if offer else ""
        raise DamagedDatabase(
            f"{path} is not a cjcase database or is damaged ({error}). "
            f"Check the file name, or restore it from a backup.{hint}"
        ) from None
    latest = latest_version()
    if version > latest:
        db.close()
        raise DatabaseError(
            f"{path} was written by a newer cjcase (schema version {version}; this program knows "
            f"up to {latest}). Install the newer cjcase to open it."
        )
    if version < latest:
        if read_only or shared:
            db.close()
            raise DatabaseError(f"{path} needs upgrading before it can be read: open it once without --read-only.")
        migrate(db, path)
    if not read_only and not shared:
        try:
            if verify:
                refuse_if_damaged(db, path)
        except BaseException:
            db.close()
            raise
    return db


def refuse_unusable(path: Path, passphrase: str | None) -> None:
    """Refuse, before SQLite touches it, a file that is not a caseload to open or to make anew:
    an empty or unreadable file is never turned into a new empty caseload."""
    kind = file_kind(path)
    if kind == "missing":
        twins = sorted(path.parent.glob(f"{glob.escape(path.name)}.before-restore-*"))
        twins = [twin for twin in twins if not twin.name.endswith(("-wal", "-shm"))]
        if twins:
            raise DatabaseError(
                f"There is no caseload at {path}, but {twins[-1]} is the copy a restore kept aside, so a "
                "restore may have been interrupted: cjcase will not start a new empty caseload in its "
                f"place. Put it back with `cjcase restore {twins[-1]}` (or restore a backup), or move it "
                "away to start a new caseload."
            )
        return
    if kind == "plain" or (kind == "encrypted" and passphrase):
        return
    hint = restore_hint(backup_dir(path), passphrase)
    if kind == "empty":
        raise DamagedDatabase(
            f"{path} is empty (0 bytes), so it holds no caseload, and cjcase will not make a new empty "
            f"one in its place. {hint} (To start a new caseload there instead, remove the empty file.)"
        )
    if kind == "unreadable":
        raise DamagedDatabase(
            f"{path} cannot be read (it is a folder, or this user may not read it), so cjcase will not "
            f"open it or make a new caseload in its place. Check the path and its permissions. {hint}"
        )
    if kind == "damaged":
        raise DamagedDatabase(
            f"{path} is damaged: its first bytes are no longer SQLite's header, so cjcase will not open it. {hint}"
        )
    raise PassphraseError(
        f"{path} is not a plain SQLite file: it is an encrypted caseload, or a damaged one (or not a "
        "cjcase database at all). If it is "
        f"encrypted, give its passphrase (CJCASE_PASSPHRASE for scripts). If it is damaged: {hint}"
    )


def refuse_if_damaged(db: sqlite_utils.Database, path: Path) -> None:
    """Raise DamagedDatabase, offering the latest verified backup, when the file fails its check."""
    result = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    if result == ["ok"]:
        return
    raise DamagedDatabase(damaged_sentence(path, "; ".join(result[:2]), getattr(db, "passphrase", None)))


def damaged_sentence(path: Path, problem: str, passphrase: str | None = None) -> str:
    """What the user is told of a damaged caseload, by the command line and the screen alike."""
    hint = restore_hint(backup_dir(path), passphrase)
    return f"{path} is damaged ({problem}), so cjcase will not write to it. {hint}"


def failure_sentence(path: Path | None, error: BaseException, passphrase: str | None = None) -> str:
    """The sentence for an SQLite error met while working on the file: locked, full or damaged."""
    if is_locked_error(error):
        return locked_message(path)
    if is_disk_full(error, Path(path).parent if path else None):
        return disk_full_message(path)
    if path is None:
        return f"The caseload could not be read ({error}): run `cjcase check` to see whether it is damaged."
    return damaged_sentence(path, str(error), passphrase)


def register_today(conn) -> None:
    """Give SQL the program's today as `cjcase_today()` (CJCASE_TODAY pins it): a migration that
    turns a date into something done or still to come asks it, as the program would."""
    clock = Clock.from_environment()
    conn.create_function("cjcase_today", 0, lambda: clock.today().isoformat())


def migrate(db: sqlite_utils.Database, path: Path) -> None:
    """Apply every pending migration, each with its version bump in one transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    pending = [(n, p) for n, p in migrations() if n > version]
    if not pending:
        return
    if db.table_names():
        write_backup(db, backup_dir(path), f"before-v{pending[-1][0]}")
    register_today(db.conn)
    for number, migration in pending:
        script = migration.read_text(encoding="utf-8")
        # Foreign keys are off while a migration runs (SQLite's way to rebuild a table others
        # point to: with them on, dropping the old table would delete every row that points to
        # it), and every link is checked before the migration is committed.
        db.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            db.conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};")
            broken = db.conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise DatabaseError(
                    f"Upgrading {path} with {migration.name} would leave {len(broken)} record(s) pointing to "
                    "missing ones, so nothing was changed."
                )
            db.conn.execute("COMMIT")
        except DatabaseError:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        except DATABASE_ERRORS as error:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            if is_disk_full(error, path.parent):
                raise DiskFull(
                    f"The disk holding {path} is full, so it could not be upgraded; nothing was changed. "
                    "Free some space, then try again."
                ) from None
            raise DatabaseError(
                f"Upgrading {path} with {migration.name} failed ({error}); nothing was changed."
            ) from None
        finally:
            db.conn.execute("PRAGMA foreign_keys = ON")
