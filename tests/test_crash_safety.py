"""A writer killed with SIGKILL at random points loses nothing it had acknowledged."""

import random
import signal
import subprocess
import sys
import time

import pytest

from cjcase.services import audit
from cjcase.services.caseload_file import open_caseload

WRITER = r"""
import sys
from datetime import datetime, timedelta
from cjcase.services.caseload import Caseload
from cjcase.domain.clock import Clock
from cjcase.services.caseload_file import open_caseload

db = open_caseload(sys.argv[1])
caseload = Caseload(db, Clock())
client = caseload.client_by_ref("K-1")
start = datetime(2026, 1, 1, 9, 0) + timedelta(days=int(sys.argv[2]) * 10)
print("ready", flush=True)
for n in range(100000):
    session = caseload.add_session(client.id, {"when": start + timedelta(minutes=n), "kind": "keywork",
                                               "status": "attended", "notes": f"run {sys.argv[2]} entry {n}"})
    print(session.id, flush=True)  # acknowledged: the commit has returned
"""

RUNS = 40


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_no_acknowledged_write_is_lost_when_the_writer_is_killed(tmp_path):
    path = tmp_path / "c.db"
    db = open_caseload(path)
    from datetime import date

    from cjcase.services.caseload import Caseload

    Caseload(db).add_client(
        {
            "client_ref": "K-1",
            "first_name": "Kit",
            "last_name": "Kill",
            "date_of_birth": date(1980, 1, 1),
            "sex": "other",
            "ethnicity": "Z",
        }
    )
    db.close()
    rng = random.Random(20261123)
    acknowledged: set[int] = set()
    for run in range(RUNS):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(run)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        writer.send_signal(signal.SIGKILL)
        out, _ = writer.communicate()
        acknowledged |= {int(line) for line in out.split() if line.isdigit()}
    assert len(acknowledged) > RUNS  # the harness really wrote between kills

    db = open_caseload(path)
    stored = {row[0] for row in db.execute("SELECT id FROM sessions").fetchall()}
    assert acknowledged <= stored
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    unaudited = db.execute(
        "SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.entity = 'session' "
        "AND a.action = 'create' AND a.record_id = s.id)"
    ).fetchone()[0]
    assert unaudited == 0
    assert audit.verify(db) == []


KILLS_PER_MOMENT = 3


def _caseload_with_clients(path, refs):
    from cjcase.services.caseload import Caseload
    from tests.helpers import make_client

    db = open_caseload(path)
    caseload = Caseload(db)
    for ref in refs:
        make_client(caseload, client_ref=ref)
    db.close()


def _clients(path) -> set[str]:
    db = open_caseload(path)
    try:
        return {row[0] for row in db.execute("SELECT client_ref FROM clients")}
    finally:
        db.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("moment", ["erase-remembered", "erase-committed"])
def test_an_erase_killed_at_any_moment_is_never_undone_by_a_restore(tmp_path, moment):
    """Issue 15, item 6: killed between its commit and the ledger, an erase came back with a restore."""
    from cjcase.services.caseload_file import restore_caseload
    from cjcase.store import backups
    from cjcase.store.files import backup_dir
    from tests.helpers import report_kills, run_killed_at_point

    path = tmp_path / "c.db"
    refs = [f"E-{n}" for n in range(KILLS_PER_MOMENT)]
    _caseload_with_clients(path, [*refs, "KEEP-1"])
    db = open_caseload(path)
    older = backups.write_backup(db, backup_dir(path), "manual")
    db.close()
    lost = 0
    for ref in refs:
        run_killed_at_point(moment, "--db", str(path), "erase", ref, "--yes")
        restore_caseload(path, older)
        lost += ref in _clients(path)
    assert _clients(path) == {"KEEP-1"}
    assert report_kills(moment, len(refs), lost) == f"{len(refs)} kills at moment {moment}, 0 lost"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_restore_killed_before_erasures_are_reapplied_brings_nobody_back(tmp_path):
    """Issue 15, item 6: killed after the swap, a restore left erased clients in the caseload."""
    from cjcase.services import erasure
    from cjcase.store import backups
    from cjcase.store.files import backup_dir
    from tests.helpers import report_kills, run_cjcase, run_killed_at_point

    path = tmp_path / "c.db"
    refs = [f"E-{n}" for n in range(KILLS_PER_MOMENT)]
    _caseload_with_clients(path, [*refs, "KEEP-1"])
    db = open_caseload(path)
    older = backups.write_backup(db, backup_dir(path), "manual")
    for ref in refs:
        erasure.erase(db, ref, path)
    db.close()
    lost = 0
    for _ in refs:
        run_killed_at_point("restore-swapped", "--db", str(path), "restore", str(older), "--yes")
        back = _clients(path)  # the next open, whatever command it is for
        lost += len(back & set(refs))
    assert _clients(path) == {"KEEP-1"}
    assert report_kills("restore-swapped", len(refs), lost) == f"{len(refs)} kills at moment restore-swapped, 0 lost"
    # The restored file says it was restored, so the backups' longer chains raise no false alarm.
    checked = run_cjcase("--db", str(path), "check")
    assert checked.returncode == 0, checked.stderr


ENCRYPT_MOMENTS = ["encrypt-staged", "encrypt-linked", "encrypt-replaced", "encrypt-overwriting", "encrypt-backup-done"]
PASSPHRASE = "orchard kettle lantern"


@pytest.fixture(scope="module")
def plain_caseload_with_backups(tmp_path_factory):
    """The sample caseload, plain, with its daily backup, a manual one and a set-aside copy."""
    from cjcase.store import backups
    from cjcase.store.files import backup_dir
    from tests.helpers import write_sample_caseload

    folder = tmp_path_factory.mktemp("plain")
    path = write_sample_caseload(folder / "c.db")
    db = open_caseload(path)
    backups.write_backup(db, backup_dir(path), "manual")
    surnames = {row[0] for row in db.execute("SELECT last_name FROM clients") if len(row[0]) >= 6}
    db.close()
    return folder, surnames


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("moment", ENCRYPT_MOMENTS)
def test_an_encrypt_killed_at_any_moment_loses_nothing_and_the_next_run_finishes_it(
    tmp_path, plain_caseload_with_backups, moment
):
    """Issue 15, items 3 and 8: killed while it overwrote the plain file, encrypt left the caseload
    zero-filled or missing, plain backups and `.partial`s behind, and the next run refused."""
    import shutil

    from cjcase.store import backups
    from cjcase.store.files import backup_dir, is_encrypted
    from tests.helpers import client_names, report_kills, run_cjcase, run_killed_at_point

    template, surnames = plain_caseload_with_backups
    lost = 0
    kills = 2
    for n in range(kills):
        folder = tmp_path / f"run{n}"
        shutil.copytree(template, folder)
        path = folder / "c.db"
        # a backup interrupted before the encrypt: its .partial holds every name
        shutil.copyfile(backups.list_backups(backup_dir(path))[0].path, backup_dir(path) / ".caseload-x.db.partial")
        expected = client_names(path)
        run_killed_at_point(moment, "--db", str(path), "encrypt", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
        after = client_names(path, PASSPHRASE if is_encrypted(path) else None)
        lost += len(set(expected) - set(after))
        again = run_cjcase("--db", str(path), "encrypt", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
        assert again.returncode == 0, again.stderr
        assert "already encrypted" not in again.stderr
        assert is_encrypted(path) and client_names(path, PASSPHRASE) == expected
        assert all(is_encrypted(b.path) for b in backups.list_backups(backup_dir(path)))
        for file in folder.rglob("*"):
            if file.is_file() and not file.name.endswith((".lock", ".manifest", ".erasures")):
                data = file.read_bytes()
                assert not [s for s in surnames if s.encode() in data], file.name
    assert report_kills(moment, kills, lost) == f"{kills} kills at moment {moment}, 0 lost"


def test_a_finished_encrypt_is_not_run_twice(tmp_path):
    from cjcase.domain.errors import DatabaseError
    from cjcase.store.encryption import encrypt

    path = tmp_path / "c.db"
    open_caseload(path).close()
    encrypt(path, PASSPHRASE)
    with pytest.raises(DatabaseError, match="already encrypted"):
        encrypt(path, PASSPHRASE)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_backup_killed_before_its_rename_leaves_no_partial_after_the_next_open(tmp_path, plain_caseload_with_backups):
    """Issue 15, item 8: an interrupted backup's `.partial` (every name, readable) stayed for good."""
    import shutil

    from cjcase.store.files import backup_dir
    from tests.helpers import report_kills, run_killed_at_point

    template, _ = plain_caseload_with_backups
    folder = tmp_path / "c"
    shutil.copytree(template, folder)
    path = folder / "c.db"
    kills, left = 3, 0
    for _ in range(kills):
        run_killed_at_point("backup-copied", "--db", str(path), "backup")
        assert list(backup_dir(path).glob(".*.partial"))  # the kill came while it was written
        open_caseload(path).close()
        left += len(list(backup_dir(path).glob(".*.partial")))
    assert report_kills("backup-copied", kills, left) == f"{kills} kills at moment backup-copied, 0 lost"


def test_encrypt_encrypts_the_copies_backup_wrote_outside_backups(tmp_path, plain_caseload_with_backups):
    """Issue 15, item 8: `backup PATH` copies taken before `encrypt` stayed plain."""
    import shutil
    import sqlite3

    from cjcase.store.files import is_encrypted
    from tests.helpers import run_cjcase

    template, surnames = plain_caseload_with_backups
    folder = tmp_path / "c"
    shutil.copytree(template, folder)
    path = folder / "c.db"
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    assert run_cjcase("--db", str(path), "backup", str(elsewhere / "mine.db")).returncode == 0
    assert run_cjcase("--db", str(path), "backup", str(elsewhere)).returncode == 0
    other = elsewhere / "someone-elses.db"
    shutil.copyfile(elsewhere / "mine.db", other)  # another organisation's caseload: another key
    conn = sqlite3.connect(other)
    conn.execute("UPDATE settings SET value = ? WHERE key = 'pseudonym_key'", ["ab" * 32])
    conn.commit()
    conn.close()
    done = run_cjcase("--db", str(path), "encrypt", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert done.returncode == 0, done.stderr
    copies = [f for f in elsewhere.iterdir() if f.suffix == ".db" and f != other]
    assert len(copies) == 2
    for copy in copies:
        assert is_encrypted(copy)
        data = copy.read_bytes()
        assert not [s for s in surnames if s.encode() in data], copy.name
    assert not is_encrypted(other)  # a file that is not a copy of this caseload is left alone
    assert not list(elsewhere.glob(".*"))


def test_the_next_open_clears_only_what_cjcase_left_of_this_caseload(tmp_path):
    from cjcase.store.files import backup_dir

    path = tmp_path / "c.db"
    open_caseload(path).close()
    backup_dir(path).mkdir()
    ours = [backup_dir(path) / ".caseload-20260101-090000-000000-daily.db.partial", tmp_path / ".c.db.encrypting"]
    theirs = [tmp_path / ".holiday.plain", tmp_path / ".other.db.partial", backup_dir(path) / ".notes.partial"]
    for file in ours + theirs:
        file.write_bytes(b"plain words")
    open_caseload(path).close()
    assert [f.exists() for f in ours] == [False, False]
    assert [f.exists() for f in theirs] == [True, True, True]
