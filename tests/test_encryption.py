"""Encryption at rest: the file, its WAL and its backups hold no name; a wrong passphrase is calm."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cjcase.domain.errors import DatabaseError, PassphraseError
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path
from cjcase.store import backups
from cjcase.store.database import backup_dir, is_encrypted
from cjcase.store.encryption import encrypt
from cjcase.tui.app import make_app
from cjcase.tui.screens.lock_screens import LockScreen
from tests.helpers import SAMPLE, SAMPLE_TODAY, settle

PASSPHRASE = "orchard kettle lantern"


def names(db):
    found = set()
    for row in db.query("SELECT first_name, last_name, phone FROM clients"):
        found |= {row["last_name"], row["phone"]}
    return {value for value in found if value and len(value) >= 5}


def all_bytes(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture
def encrypted(tmp_path):
    path = tmp_path / "c.db"
    db = open_caseload(path)
    import_path(db, SAMPLE, SAMPLE_TODAY)
    secret = names(db)
    backups.write_backup(db, backup_dir(path), "manual")
    db.close()
    encrypted_backups = encrypt(path, PASSPHRASE)
    return path, secret, encrypted_backups


def test_the_database_wal_and_backups_hold_no_name_once_encrypted(encrypted):
    path, secret, encrypted_backups = encrypted
    assert is_encrypted(path) and len(encrypted_backups) >= 1
    db = open_caseload(path, passphrase=PASSPHRASE)
    client = Caseload(db).client_by_ref("CJ-17429")
    Caseload(db).add_note(client.id, "Written after encryption")  # goes through the WAL
    backups.write_backup(db, backup_dir(path), "manual")
    for file, data in all_bytes(path.parent).items():
        for value in secret:
            assert value.encode() not in data, (file.name, value)
    assert all(is_encrypted(b.path) for b in backups.list_backups(backup_dir(path)))
    db.close()


def test_a_wrong_or_missing_passphrase_is_one_sentence_and_changes_nothing(encrypted):
    path = encrypted[0]
    before = path.read_bytes()
    with pytest.raises(PassphraseError, match="does not open"):
        open_caseload(path, passphrase="not the passphrase")
    with pytest.raises(PassphraseError, match="encrypted caseload"):
        open_caseload(path)
    assert path.read_bytes() == before
    open_caseload(path, passphrase=PASSPHRASE).close()  # the lock was released after the failures


def test_a_short_passphrase_is_refused(tmp_path):
    path = tmp_path / "c.db"
    open_caseload(path).close()
    with pytest.raises(DatabaseError, match="at least"):
        encrypt(path, "short")
    assert not is_encrypted(path)


def run(*args, env=None, stdin=""):
    environment = {**os.environ, "CJCASE_TODAY": "2026-11-20", **(env or {})}
    environment.pop("CJCASE_PASSPHRASE", None) if not env or "CJCASE_PASSPHRASE" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "cjcase", *args], capture_output=True, text=True, env=environment, input=stdin
    )


def test_encrypt_from_the_command_line_reads_two_lines_and_scripts_use_the_environment(tmp_path):
    path = tmp_path / "c.db"
    assert run("--db", str(path), "import", str(SAMPLE)).returncode == 0
    differ = run("--db", str(path), "encrypt", stdin="one passphrase\nanother one\n")
    assert differ.returncode == 1 and "differ" in differ.stderr and not is_encrypted(path)
    done = run("--db", str(path), "encrypt", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert done.returncode == 0, done.stderr
    assert is_encrypted(path)
    wrong = run("--db", str(path), "check", env={"CJCASE_PASSPHRASE": "wrong wrong wrong"})
    assert wrong.returncode == 1 and "does not open" in wrong.stderr and "Traceback" not in wrong.stderr
    assert "sqlcipher" not in wrong.stderr.lower()
    right = run("--db", str(path), "check", env={"CJCASE_PASSPHRASE": PASSPHRASE})
    assert right.returncode == 0, right.stderr
    exported = run(
        "--db",
        str(path),
        "export",
        "quarterly_return",
        "--period",
        "2026-27 Q2",
        "--allow-incomplete",
        "--out",
        str(tmp_path / "q.csv"),
        env={"CJCASE_PASSPHRASE": PASSPHRASE},
    )
    assert exported.returncode == 0, exported.stderr


def test_a_restore_of_an_encrypted_backup_stays_encrypted(encrypted):
    path = encrypted[0]
    backup = backups.list_backups(backup_dir(path))[0].path
    result = run("--db", str(path), "restore", str(backup), "--yes", env={"CJCASE_PASSPHRASE": PASSPHRASE})
    assert result.returncode == 0, result.stderr
    assert is_encrypted(path)
    open_caseload(path, passphrase=PASSPHRASE).close()


async def test_the_tui_locks_after_the_idle_time_until_the_passphrase(encrypted, clock):
    path = encrypted[0]
    db = open_caseload(path, passphrase=PASSPHRASE)
    app = make_app(db, clock, path=path)
    app.lock_after_seconds = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app._lock_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press("escape", "f4")
        app.screen.query_one("#unlock-input").blur()
        await pilot.press("n", "ctrl+p", "slash")  # no way round the lock
        await settle(pilot)
        assert isinstance(app.screen, LockScreen) and not app.initials_only
        app.screen.query_one("#unlock-input").focus()
        app.lock_after_seconds = 3600
        await pilot.press(*"wrong", "enter")
        assert isinstance(app.screen, LockScreen)
        app.screen.query_one("#unlock-input").value = PASSPHRASE
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, LockScreen)
