"""Work off the event loop: loads read through their own connection, never the writer's, and
the background file check gives way to the screen."""

import os
import sqlite3
import threading
from datetime import datetime

import pytest

from cjcase.services import search
from tests.helpers import make_client

NOW = datetime(2026, 11, 20, 12, 0)


def in_thread(action):
    """Run `action` in another thread, as a Textual worker does; return what it returned or raised."""
    result = {}

    def run():
        try:
            result["value"] = action()
        except Exception as error:  # handed back to the test
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_the_main_thread_reads_through_the_database_itself(db):
    assert db.reader() is db


def test_a_worker_reads_committed_rows_only_while_the_main_thread_writes(db, caseload):
    make_client(caseload, client_ref="A-1")
    with db.atomic():
        make_client(caseload, client_ref="B-2")
        # Mid-transaction on the main connection: the worker reads what was committed, and its
        # read neither fails nor ends the main thread's transaction.
        seen = in_thread(lambda: [r.client_ref for r in search.caseload(db.reader(), NOW, status="all")])
        assert seen == ["A-1"]
        assert db.conn.in_transaction
    assert in_thread(lambda: search.count(db.reader(), status="all")) == 2


def test_a_workers_connection_is_read_only_its_own_and_closed_with_the_database(db):
    reader, same = in_thread(lambda: (db.reader(), db.reader()))
    assert reader is same and reader is not db
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        in_thread(lambda: reader.execute("DELETE FROM clients"))
    db.close()
    with pytest.raises(sqlite3.ProgrammingError):
        reader.execute("SELECT 1")


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread priority is a Linux feature")
def test_the_background_check_runs_at_the_lowest_priority_and_only_its_own_thread_does():
    from cjcase.tui.app import _yield_cpu_to_the_screen

    def lowered():
        _yield_cpu_to_the_screen()
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert in_thread(lowered) == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < 19
