"""Opens the database file, applies migrations and takes backups. The only place that connects."""

from __future__ import annotations

import contextlib
import re
import secrets
import sqlite3
import threading
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import DatabaseError
from cjcase.store.resources import resource_dir

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")
from cjcase.store.paths import is_encrypted  # noqa: E402  (re-exported: callers ask the db layer)


def _drivers():
    """The DB-API modules in use: sqlite3, and sqlcipher3 for encrypted databases when installed."""
    try:
        import sqlcipher3

        return (sqlite3, sqlcipher3)
    except ImportError:
        return (sqlite3,)


INTEGRITY_ERRORS = tuple(driver.IntegrityError for driver in _drivers())
DATABASE_ERRORS = tuple(driver.DatabaseError for driver in _drivers())


class ReadOnlyError(DatabaseError):
    """A change was asked of a database opened read-only."""


class PassphraseError(DatabaseError):
    """An encrypted database needs a passphrase, or the one given does not open it."""


def quote(text: str) -> str:
    """A passphrase as an SQL string literal (PRAGMA key takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def open_encrypted(path: Path, passphrase: str, read_only: bool = False):
    """A SQLCipher connection to `path` with the key applied and checked."""
    try:
        import sqlcipher3
    except ImportError:
        raise DatabaseError(f"{path} is encrypted, and this installation has no SQLCipher: "
                            "pip install sqlcipher3, then try again.") from None
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


def _open_connection(path: Path, passphrase: str | None, read_only: bool) -> sqlite3.Connection:
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


def migrations() -> list[tuple[int, Path]]:
    """The shipped migrations in order, checked for gaps in their numbering."""
    found = []
    for path in sorted(resource_dir("migrations").glob("*.sql")):
        match = _MIGRATION_NAME.fullmatch(path.name)
        if not match:
            raise DatabaseError(f"Migration file {path.name} is not named NNNN_name.sql.")
        found.append((int(match.group(1)), path))
    for expected, (number, path) in enumerate(found, start=1):
        if number != expected:
            raise DatabaseError(f"Migration {path.name} should be numbered {expected:04d}.")
    return found


def latest_version() -> int:
    """The schema version this program writes."""
    return len(migrations())


_READERS_LOCK = threading.Lock()


class CaseDatabase(sqlite_utils.Database):
    """A sqlite-utils Database whose transactions take the write lock at once, and which holds
    the one-writer lock of its file while open."""

    writer_lock = None
    path: Path | None = None
    passphrase: str | None = None  # kept while open, so backups of an encrypted file are encrypted

    read_only = False

    @contextlib.contextmanager
    def atomic(self):
        """One transaction (BEGIN IMMEDIATE), or a savepoint inside one already open."""
        if self.read_only:
            raise ReadOnlyError("This caseload is open read-only, so nothing can be changed: "
                                "open cjcase without --read-only to make changes.")
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
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
            conn = _open_connection(self.path, self.passphrase, read_only=True)
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


def lock_path(path: Path) -> Path:
    """The lock file that says a cjcase is writing to a database."""
    return Path(path).with_name(Path(path).name + ".lock")


def acquire_writer_lock(path: Path):
    """Take the one-writer lock of a database file, or say who holds it."""
    handle = open(lock_path(path), "a+")
    try:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        handle.close()
        raise DatabaseError(
            f"Another cjcase is already open on {path} and may be writing to it. Close that one "
            "first, or open this one with --read-only to look without changing anything.") from None
    return handle


def release_writer_lock(handle) -> None:
    """Let another cjcase write to the database."""
    if handle is not None:
        handle.close()


def connect(path: Path, read_only: bool = False, verify: bool = True,
            passphrase: str | None = None) -> sqlite_utils.Database:
    """Open (creating its folder) and migrate a database, with the program's pragmas set.

    A writable open takes the one-writer lock, checks the file (unless `verify` is False: the
    TUI checks in the background instead) and once a day takes a verified backup.
    """
    path = Path(path)
    lock = None
    encrypted = is_encrypted(path)
    if encrypted and not passphrase:
        raise PassphraseError(
            f"{path} is not a plain SQLite file: it is an encrypted caseload (give its passphrase; "
            "CJCASE_PASSPHRASE for scripts), or not a cjcase database at all.")
    if read_only and not path.exists():
        raise DatabaseError(f"There is no database at {path} to open read-only.")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = acquire_writer_lock(path)
    try:
        conn = _open_connection(path, passphrase if encrypted else None, read_only)
    except BaseException:
        release_writer_lock(lock)
        raise
    db = CaseDatabase(conn)
    db.writer_lock = lock
    db.path = path
    db.passphrase = passphrase if encrypted else None
    db.read_only = read_only
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        if not read_only:
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except DATABASE_ERRORS as error:
        db.close()
        from cjcase.store.backups import DamagedDatabase, latest_verified

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
        if read_only:
            db.close()
            raise DatabaseError(
                f"{path} needs upgrading before it can be read: open it once without --read-only."
            )
        migrate(db, path)
    if not read_only:
        try:
            if verify:
                refuse_if_damaged(db, path)
            _prepare_for_writing(db, path)
        except BaseException:
            db.close()
            raise
    return db


def refuse_if_damaged(db: sqlite_utils.Database, path: Path) -> None:
    """Raise DamagedDatabase, offering the latest verified backup, when the file fails its check."""
    from cjcase.store.backups import DamagedDatabase, latest_verified

    result = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    if result == ["ok"]:
        return
    offer = latest_verified(backup_dir(path), getattr(db, "passphrase", None))
    hint = (f"The latest verified backup is {offer.path} ({offer.taken_at:%d/%m/%Y %H:%M}): restore it "
            f"with `cjcase restore {offer.path}`." if offer else "There is no verified backup to restore.")
    raise DamagedDatabase(f"{path} is damaged ({'; '.join(result[:2])}), so cjcase will not write to it. {hint}")


def _prepare_for_writing(db: CaseDatabase, path: Path) -> None:
    """Seal old audit rows, make the pseudonym key, and take the day's backup."""
    from cjcase.services import audit
    from cjcase.store import backups

    audit.seal(db)
    ensure_pseudonym_key(db)
    backups.daily_backup(db, path)


PSEUDONYM_KEY_SETTING = "pseudonym_key"


def ensure_pseudonym_key(db: sqlite_utils.Database) -> None:
    """Create the organisation's pseudonym key with the database, so every backup holds it
    (erasures are remembered by pseudonym and re-applied after a restore)."""
    from cjcase.services.audit import write_audit

    if db.execute("SELECT 1 FROM settings WHERE key = ?", [PSEUDONYM_KEY_SETTING]).fetchone():
        return
    with db.atomic():
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?)",
                   [PSEUDONYM_KEY_SETTING, secrets.token_bytes(32).hex()])
        write_audit(db, "create", "pseudonym_key")


def migrate(db: sqlite_utils.Database, path: Path) -> None:
    """Apply every pending migration, each with its version bump in one transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    pending = [(n, p) for n, p in migrations() if n > version]
    if not pending:
        return
    if db.table_names():
        from cjcase.store.backups import write_backup

        write_backup(db, backup_dir(path), f"before-v{pending[-1][0]}")
    for number, migration in pending:
        script = migration.read_text(encoding="utf-8")
        try:
            db.conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except DATABASE_ERRORS as error:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise DatabaseError(
                f"Upgrading {path} with {migration.name} failed ({error}); nothing was changed."
            ) from None


def backup_dir(path: Path) -> Path:
    """Where backups of a database are kept: a `backups` folder beside it."""
    return Path(path).parent / "backups"
