"""The database: created and migrated on first use, newer files refused, backups before upgrades."""

import sqlite3

import pytest

from cjcase.domain.errors import DatabaseError
from cjcase.store import database, paths

TABLES = {"clients", "episodes", "sessions", "goals", "court_dates", "tops", "audit", "settings"}


def test_a_new_file_is_created_and_migrated(tmp_path):
    path = tmp_path / "new" / "folder" / "caseload.db"
    db = database.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == database.latest_version()
    assert TABLES <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert not (path.parent / "backups").exists()  # an empty file needs no backup


def test_migration_files_are_numbered_without_gaps():
    numbers = [n for n, _ in database.migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_database_newer_than_the_program_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {database.latest_version() + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer cjcase"):
        database.connect(path)


def test_a_file_that_is_not_a_database_gets_a_sentence(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is a shopping list, not a database" * 50)
    with pytest.raises(DatabaseError, match="not a cjcase database"):
        database.connect(path)


def test_a_backup_is_written_before_migrating_a_database_with_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE keepsake (x)")
    conn.execute("INSERT INTO keepsake VALUES ('precious')")
    conn.commit()
    conn.close()
    db = database.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == database.latest_version()
    backups = list((tmp_path / "backups").glob("*.db"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT x FROM keepsake").fetchall() == [("precious",)]
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 0
    copy.close()


def test_a_failed_migration_changes_nothing_and_leaves_a_backup(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE clients (x)")  # clashes with 0001, so the upgrade fails
    conn.execute("INSERT INTO clients VALUES ('precious')")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="nothing was changed"):
        database.connect(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert conn.execute("SELECT x FROM clients").fetchall() == [("precious",)]
    assert "episodes" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    backups = list((tmp_path / "backups").glob("*.db"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT x FROM clients").fetchall() == [("precious",)]
    copy.close()


def test_read_only_opening_refuses_writes(tmp_path):
    path = tmp_path / "c.db"
    database.connect(path).close()
    db = database.connect(path, read_only=True)
    with pytest.raises(sqlite3.OperationalError):
        db.execute("INSERT INTO settings VALUES ('a', 'b')")


def test_the_database_path_comes_from_the_option_then_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CJCASE_DB", str(tmp_path / "env.db"))
    assert paths.resolve_db_path(tmp_path / "opt.db") == tmp_path / "opt.db"
    assert paths.resolve_db_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("CJCASE_DB")
    assert paths.resolve_db_path(None).name == "caseload.db"
