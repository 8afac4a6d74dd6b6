"""The caseload file under attack: exports aimed at it, kills at named moments, a full disk,
damaged and unreadable files, a bypassed lock. Nothing saved is lost, and each failure is one
sentence, never a traceback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cjcase.domain.errors import PassphraseError
from tests.helpers import (
    SmallDisk,
    client_names,
    make_client,
    report_kills,
    run_cjcase,
    run_killed_at,
    write_sample_caseload,
)

EXPORT = ["export", "quarterly_return", "--period", "2026-27 Q2", "--allow-incomplete"]


@pytest.fixture
def caseload_file(tmp_path):
    return write_sample_caseload(tmp_path / "caseload.db")


def assert_sentence(result, *words):
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# 1. An export never writes over the caseload, a backup, a device, or through a planted link.


def test_export_over_the_caseload_itself_is_refused(caseload_file):
    before = client_names(caseload_file)
    result = run_cjcase(*EXPORT, "--out", str(caseload_file), "--db", str(caseload_file))
    assert_sentence(result, "Nothing was written", "is the caseload itself")
    assert client_names(caseload_file) == before


def test_export_over_a_backup_or_any_database_is_refused(caseload_file, tmp_path):
    from cjcase.store.backups import list_backups

    backup = list_backups(tmp_path / "backups")[0].path
    result = run_cjcase(*EXPORT, "--out", str(backup), "--db", str(caseload_file))
    assert_sentence(result, "backups folder")
    other = tmp_path / "elsewhere.csv"
    other.write_bytes(backup.read_bytes())  # a database by any other name
    result = run_cjcase(*EXPORT, "--out", str(other), "--db", str(caseload_file))
    assert_sentence(result, "is a database")
    assert other.read_bytes() == backup.read_bytes()


def test_export_through_a_symlink_to_the_caseload_is_refused(caseload_file, tmp_path):
    link = tmp_path / "return.csv"
    link.symlink_to(caseload_file)
    before = client_names(caseload_file)
    result = run_cjcase(*EXPORT, "--out", str(link), "--db", str(caseload_file))
    assert_sentence(result, "is the caseload itself")
    assert client_names(caseload_file) == before


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_export_to_a_device_is_an_error_not_wrote(caseload_file, tmp_path):
    # Through a link of the test's own: were the export to rename over its target, it would
    # replace the link, never the machine's /dev/full.
    device = tmp_path / "full"
    device.symlink_to("/dev/full")
    result = run_cjcase(*EXPORT, "--out", str(device), "--db", str(caseload_file))
    assert_sentence(result, "not an ordinary file")
    assert "Wrote" not in result.stdout
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = run_cjcase(*EXPORT, "--out", str(fifo), "--db", str(caseload_file))
    assert_sentence(result, "not an ordinary file")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_a_planted_partial_link_does_not_redirect_the_export(caseload_file, tmp_path):
    out = tmp_path / "return.csv"
    (tmp_path / ".return.csv.partial").symlink_to(caseload_file)
    before = client_names(caseload_file)
    result = run_cjcase(*EXPORT, "--out", str(out), "--db", str(caseload_file))
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("measure,")
    assert client_names(caseload_file) == before


# 4. An empty or unreadable caseload is refused, never made into a new empty one.


def test_an_empty_caseload_file_is_refused_with_the_newest_backup(caseload_file, tmp_path):
    from cjcase.store.backups import latest_verified

    newest = latest_verified(tmp_path / "backups")
    caseload_file.write_bytes(b"")
    for command in (["check"], ["backup"], ["agenda"]):
        result = run_cjcase(*command, "--db", str(caseload_file))
        assert_sentence(result, "is empty", str(newest.path))
        assert caseload_file.stat().st_size == 0  # never upgraded into a new empty caseload


def test_an_unreadable_caseload_path_is_refused(tmp_path):
    target = tmp_path / "caseload.db"
    target.mkdir()
    result = run_cjcase("agenda", "--db", str(target))
    assert_sentence(result, "cannot be read", "no verified backup")
    assert target.is_dir() and not any(target.iterdir())


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file")
def test_a_caseload_without_read_permission_is_refused(caseload_file):
    caseload_file.chmod(0)
    result = run_cjcase("agenda", "--db", str(caseload_file))
    assert_sentence(result, "cannot be read")


# 18. A damaged header is damaged, not "encrypted"; neither header nor passphrase: damaged or encrypted.


def test_a_damaged_header_byte_is_reported_as_damage_with_the_backup(caseload_file, tmp_path):
    from cjcase.store.backups import latest_verified

    newest = latest_verified(tmp_path / "backups")
    data = bytearray(caseload_file.read_bytes())
    data[3] ^= 0xFF
    caseload_file.write_bytes(bytes(data))
    result = run_cjcase("check", "--db", str(caseload_file), stdin="")
    assert_sentence(result, "is damaged", str(newest.path))
    assert "encrypted" not in result.stderr and "passphrase" not in result.stderr.lower()


def test_neither_header_nor_passphrase_is_damaged_or_encrypted_with_the_backup(caseload_file, tmp_path):
    from cjcase.store.backups import latest_verified

    newest = latest_verified(tmp_path / "backups")
    data = bytearray(caseload_file.read_bytes())
    data[:100] = os.urandom(100)
    caseload_file.write_bytes(bytes(data))
    result = run_cjcase("check", "--db", str(caseload_file), stdin="")
    assert_sentence(result, "encrypted caseload, or a damaged one", "If it is damaged", str(newest.path))


# 5. `restore` works on exactly the files the damage message sends it to.


def add_one_client(path: Path) -> None:
    """A client the backup does not hold, so the current file and the backup differ."""
    from cjcase.services.caseload import Caseload
    from cjcase.services.caseload_file import open_caseload

    db = open_caseload(path)
    try:
        make_client(Caseload(db), client_ref="NEW-1", last_name="Newcomer")
    finally:
        db.close()


def newest_backup(path: Path) -> Path:
    from cjcase.store.backups import list_backups

    return list_backups(path.parent / "backups")[0].path


def test_restore_works_on_a_truncated_caseload(caseload_file):
    backup = newest_backup(caseload_file)
    expected = client_names(backup)
    with open(caseload_file, "r+b") as handle:
        handle.truncate(caseload_file.stat().st_size // 3)
    result = run_cjcase("restore", str(backup), "--yes", "--db", str(caseload_file))
    assert result.returncode == 0, result.stderr
    assert client_names(caseload_file) == expected
    assert list(caseload_file.parent.glob("caseload.db.before-restore-*"))


def test_restore_works_on_a_caseload_whose_schema_is_damaged(caseload_file):
    import sqlite3

    backup = newest_backup(caseload_file)
    expected = client_names(backup)
    conn = sqlite3.connect(caseload_file)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE clients (broken' WHERE name = 'clients'")
    conn.commit()
    conn.close()
    assert "Traceback" not in run_cjcase("check", "--db", str(caseload_file)).stderr
    result = run_cjcase("restore", str(backup), "--yes", "--db", str(caseload_file))
    assert result.returncode == 0, result.stderr
    assert client_names(caseload_file) == expected


# 2. A restore killed (or out of disk) at any moment leaves a caseload: the old one or the new.

RESTORE_MOMENTS = [
    ("cjcase.store.backups:_fsync", 1, "before"),  # the new file half written
    ("cjcase.store.backups:_build_restored", 1, "after"),
    ("cjcase.store.backups:_set_aside", 1, "before"),
    ("cjcase.store.backups:_set_aside", 1, "after"),
    ("cjcase.store.backups:_swap_in", 1, "before"),
    ("cjcase.store.backups:_swap_in", 1, "after"),
]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("moment, nth, when", RESTORE_MOMENTS)
def test_a_restore_killed_at_any_moment_leaves_the_old_caseload_or_the_new(caseload_file, moment, nth, when):
    backup = newest_backup(caseload_file)
    add_one_client(caseload_file)
    before, restored = client_names(caseload_file), client_names(backup)
    assert before != restored
    result = run_killed_at(moment, "restore", str(backup), "--yes", "--db", str(caseload_file), nth=nth, when=when)
    assert result.returncode == -9, result.stderr  # the moment came
    assert client_names(caseload_file) in (before, restored)
    name = f"{moment.split(':')[1]}-{when}"
    assert report_kills(name, 1, 0) == f"1 kills at moment {name}, 0 lost"
    after = run_cjcase("restore", str(backup), "--yes", "--db", str(caseload_file))
    assert after.returncode == 0, after.stderr  # and the restore can simply be run again
    assert client_names(caseload_file) == restored


def test_a_restore_run_again_within_the_second_of_a_killed_one_sets_aside_under_a_free_name(caseload_file):
    # A run killed after setting the caseload aside leaves a second name of the same file; a run
    # again within that second wanted the same name and refused (the two are the same file).
    from datetime import datetime, timedelta

    backup = newest_backup(caseload_file)
    add_one_client(caseload_file)
    restored = client_names(backup)
    start = datetime.now()
    for second in range(30):  # every name this restore could want in the next half minute
        stamp = start + timedelta(seconds=second)
        os.link(caseload_file, caseload_file.with_name(f"{caseload_file.name}.before-restore-{stamp:%Y%m%d-%H%M%S}"))
    result = run_cjcase("restore", str(backup), "--yes", "--db", str(caseload_file))
    assert result.returncode == 0, result.stderr
    assert client_names(caseload_file) == restored


def test_a_missing_caseload_with_a_set_aside_twin_is_not_replaced_by_an_empty_one(caseload_file, tmp_path):
    twin = tmp_path / "caseload.db.before-restore-20261120-101010"
    caseload_file.rename(twin)
    result = run_cjcase("agenda", "--db", str(caseload_file))
    assert_sentence(result, "restore may have been interrupted", f"cjcase restore {twin}")
    assert not caseload_file.exists()
    result = run_cjcase("restore", str(twin), "--yes", "--db", str(caseload_file))
    assert result.returncode == 0, result.stderr
    assert len(client_names(caseload_file)) == 40


def test_a_backup_written_over_the_caseload_itself_is_refused(caseload_file, tmp_path):
    before = client_names(caseload_file)
    link = tmp_path / "link.db"
    link.symlink_to(caseload_file)
    for target in (caseload_file, link):
        result = run_cjcase("backup", str(target), "--db", str(caseload_file))
        assert_sentence(result, "is the caseload itself")
    assert client_names(caseload_file) == before


def test_restore_asks_for_yes_when_not_at_a_terminal(caseload_file):
    before = caseload_file.read_bytes()
    result = run_cjcase("restore", str(newest_backup(caseload_file)), "--db", str(caseload_file))
    assert_sentence(result, "add --yes")
    assert caseload_file.read_bytes() == before


def test_a_restore_on_a_full_disk_says_so_and_changes_nothing(tmp_path):
    with SmallDisk(tmp_path / "disk", 6000) as disk:
        path = write_sample_caseload(disk.folder / "caseload.db")
        backup = newest_backup(path)
        add_one_client(path)
        before = client_names(path)
        disk.fill(leave_kb=64)
        result = run_cjcase("restore", str(backup), "--yes", "--db", str(path))
        assert_sentence(result, "disk is full", "is unchanged")
        disk.free()
        assert client_names(path) == before
        assert not list(disk.folder.glob(".caseload.db.restoring*"))
        assert not list(disk.folder.glob("caseload.db.before-restore-*"))


# 7. A plaintext backup restored into an encrypted caseload comes out encrypted.

PASSPHRASE = "orchard kettle lantern"


@pytest.fixture
def encrypted_with_plain_backup(caseload_file, tmp_path):
    import shutil

    from cjcase.services.caseload_file import encrypt_caseload

    pytest.importorskip("sqlcipher3")
    plain = tmp_path / "saved-elsewhere.db"
    shutil.copyfile(newest_backup(caseload_file), plain)
    encrypt_caseload(caseload_file, PASSPHRASE)
    return caseload_file, plain


def test_a_plain_backup_restored_into_an_encrypted_caseload_is_encrypted(encrypted_with_plain_backup):
    from cjcase.store.files import is_encrypted

    path, plain = encrypted_with_plain_backup
    result = run_cjcase("restore", str(plain), "--yes", "--db", str(path), env={"CJCASE_PASSPHRASE": PASSPHRASE})
    assert result.returncode == 0, result.stderr
    assert is_encrypted(path)
    assert b"SQLite format 3" not in path.read_bytes()[:16]
    assert len(client_names(path, passphrase=PASSPHRASE)) == 40


def test_a_restore_into_an_encrypted_caseload_without_its_passphrase_is_refused(encrypted_with_plain_backup):
    from cjcase.store.backups import restore

    path, plain = encrypted_with_plain_backup
    before = path.read_bytes()
    with pytest.raises(PassphraseError, match="give its passphrase"):
        restore(path, plain)
    with pytest.raises(PassphraseError, match="does not open"):
        restore(path, plain, caseload_passphrase="not the passphrase")
    assert path.read_bytes() == before


# 19. The lock bypassed: one sentence, nothing lost; a link to the file takes the same lock.

HOLDER = r"""
import sys, time
from cjcase.services.caseload_file import open_caseload
db = open_caseload(sys.argv[1])
db.conn.execute("BEGIN IMMEDIATE")
db.conn.execute("UPDATE clients SET notes = 'held' WHERE id = 1")
print("holding", flush=True)
time.sleep(60)
"""


@pytest.fixture
def held_caseload(caseload_file):
    import subprocess

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(caseload_file)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    yield caseload_file
    holder.kill()
    holder.wait()


def test_the_same_file_through_a_link_takes_the_same_lock(held_caseload, tmp_path):
    link = tmp_path / "other-name.db"
    link.symlink_to(held_caseload)
    result = run_cjcase("erase", "CJ-17429", "--yes", "--db", str(link))
    assert_sentence(result, "Another cjcase is already open")


def test_a_deleted_lock_file_gives_a_sentence_and_loses_nothing(held_caseload):
    (held_caseload.parent / "caseload.db.lock").unlink()
    result = run_cjcase("erase", "CJ-17429", "--yes", "--db", str(held_caseload))
    assert_sentence(result, "Another program is writing to", "nothing was lost")
    assert "CJ-17429" in [row for row in client_refs(held_caseload)]


def client_refs(path: Path) -> list[str]:
    from cjcase.services.caseload_file import open_caseload

    db = open_caseload(path, read_only=True)
    try:
        return [row[0] for row in db.execute("SELECT client_ref FROM clients")]
    finally:
        db.close()


# 17. A full disk: a sentence saying so and what was kept; a failed daily backup warns and work goes on.


@pytest.fixture
def full_disk(tmp_path):
    with SmallDisk(tmp_path / "disk", 6000) as disk:
        disk.path = write_sample_caseload(disk.folder / "caseload.db")
        yield disk


def test_a_full_disk_at_open_is_a_full_disk_not_damage(full_disk):
    before = client_names(full_disk.path)
    full_disk.fill(leave_kb=0)
    result = run_cjcase("erase", "CJ-17429", "--yes", "--db", str(full_disk.path))
    assert_sentence(result, "is full", "nothing was")
    assert "is damaged" not in result.stderr and "or is damaged" not in result.stderr
    full_disk.free()
    assert client_names(full_disk.path) == before


def test_a_backup_on_a_full_disk_says_so_and_leaves_no_partial(full_disk):
    full_disk.fill(leave_kb=200)
    result = run_cjcase("backup", "--db", str(full_disk.path))
    assert_sentence(result, "disk is full", "backup was not written")
    assert not list(full_disk.folder.rglob("*.partial"))


def test_a_failed_daily_backup_warns_and_lets_the_work_go_on(full_disk):
    for old in (full_disk.folder / "backups").iterdir():
        old.unlink()  # so that this open takes the day's backup
    full_disk.fill(leave_kb=300)
    result = run_cjcase("erase", "CJ-17429", "--yes", "--db", str(full_disk.path))
    assert result.returncode == 0, result.stderr
    assert "today's backup was not taken" in result.stderr
    assert "Erased CJ-17429" in result.stdout
    assert not list(full_disk.folder.rglob("*.partial"))
    full_disk.free()
    assert "CJ-17429" not in client_refs(full_disk.path)


def test_an_import_on_a_full_disk_says_so_and_imports_nothing(tmp_path):
    from tests.helpers import SAMPLE

    with SmallDisk(tmp_path / "disk", 3000) as disk:
        path = disk.folder / "caseload.db"
        from cjcase.services.caseload_file import open_caseload

        open_caseload(path).close()  # a new, empty caseload
        disk.fill(leave_kb=150)
        result = run_cjcase("import", str(SAMPLE), "--db", str(path))
        assert_sentence(result, "is full", "nothing was lost")
        disk.free()
        assert client_refs(path) == []


# 12. A damaged file in the TUI: the CLI's sentence, and never a traceback with local variables.


def damage_the_tables(path: Path) -> None:
    """Overwrite the pages holding the clients' rows (not the header or the schema)."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = [row[0] for row in conn.execute("SELECT pageno FROM dbstat WHERE name = 'clients'")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xa5" * page_size)


async def test_a_damaged_file_in_the_tui_gets_the_sentence_and_no_traceback(caseload_file):
    from cjcase.domain.clock import Clock
    from cjcase.services.caseload_file import open_caseload
    from cjcase.tui.app import make_opening_app
    from tests.helpers import SAMPLE_TODAY

    damage_the_tables(caseload_file)
    app = make_opening_app(lambda: open_caseload(caseload_file, verify=False), Clock(SAMPLE_TODAY), path=caseload_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 1
    assert "is damaged" in app.return_value and "cjcase restore" in app.return_value
    assert "Traceback" not in exit_text(app) and "locals" not in exit_text(app)


def test_no_traceback_shown_by_the_tui_has_local_variables():
    from cjcase.tui.app import CjcaseApp

    app = CjcaseApp(None)
    try:
        secret_client_name = "".join(["Wan", "da Wit", "ness"])  # noqa: F841  (shown only among locals)
        raise RuntimeError("a bug")
    except RuntimeError:
        app._fatal_error()
    assert "RuntimeError" in exit_text(app)
    assert "Wanda Witness" not in exit_text(app)


def exit_text(app) -> str:
    """What the app would print on leaving the screen."""
    return "".join(segment.text for item in app._exit_renderables for segment in getattr(item, "segments", []))


async def test_the_tui_shows_the_warning_of_a_backup_the_full_disk_had_no_room_for(caseload_file):
    from cjcase.domain.clock import Clock
    from cjcase.services.caseload_file import open_caseload
    from cjcase.tui.app import make_app
    from tests.helpers import SAMPLE_TODAY, settle

    db = open_caseload(caseload_file)
    db.warnings.append("Warning: the disk is full, so today's backup was not taken.")
    app = make_app(db, Clock(SAMPLE_TODAY), path=caseload_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        shown = [notification.message for notification in app._notifications]
        assert any("today's backup was not taken" in message for message in shown)
    db.close()
