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
