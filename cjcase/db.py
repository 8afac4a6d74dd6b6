"""Opens the database file, applies migrations and takes backups. The only place that connects."""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import sqlite_utils

from cjcase.errors import DatabaseError
from cjcase.resources import resource_dir

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def default_db_path() -> Path:
    """The caseload file in the platform's user-data folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("cjcase", appauthor=False)) / "caseload.db"


def resolve_db_path(option: str | os.PathLike | None) -> Path:
    """The database file to use: `--db`, else CJCASE_DB, else the default."""
    chosen = option or os.environ.get("CJCASE_DB")
    return Path(chosen).expanduser() if chosen else default_db_path()


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


def connect(path: Path, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating its folder) and migrate a database, with the program's pragmas set."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise DatabaseError(f"There is no database at {path} to open read-only.")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False)
    conn.isolation_level = None  # sqlite-utils and db.atomic() manage transactions explicitly
    db = sqlite_utils.Database(conn)
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        if not read_only:
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        conn.close()
        raise DatabaseError(
            f"{path} is not a cjcase database or is damaged ({error}). "
            "Check the file name, or restore it from a backup."
        ) from None
    latest = latest_version()
    if version > latest:
        conn.close()
        raise DatabaseError(
            f"{path} was written by a newer cjcase (schema version {version}; this program knows "
            f"up to {latest}). Install the newer cjcase to open it."
        )
    if version < latest:
        if read_only:
            conn.close()
            raise DatabaseError(
                f"{path} needs upgrading before it can be read: open it once without --read-only."
            )
        migrate(db, path)
    return db


def migrate(db: sqlite_utils.Database, path: Path) -> None:
    """Apply every pending migration, each with its version bump in one transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    pending = [(n, p) for n, p in migrations() if n > version]
    if not pending:
        return
    if db.table_names():
        backup(db, backup_dir(path), f"before-v{pending[-1][0]}")
    for number, migration in pending:
        script = migration.read_text(encoding="utf-8")
        try:
            db.conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error as error:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise DatabaseError(
                f"Upgrading {path} with {migration.name} failed ({error}); nothing was changed."
            ) from None


def backup_dir(path: Path) -> Path:
    """Where backups of a database are kept: a `backups` folder beside it."""
    return Path(path).parent / "backups"


def backup(db: sqlite_utils.Database, folder: Path, reason: str) -> Path:
    """Copy the database with SQLite's backup API to a new file in `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"caseload-{stamp}-{reason}.db"
    partial = target.with_suffix(".partial")
    copy = sqlite3.connect(partial)
    try:
        db.conn.backup(copy)
    finally:
        copy.close()
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(target)
    return target
