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
    from tests.helpers import report_kills, run_killed_at_point

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
