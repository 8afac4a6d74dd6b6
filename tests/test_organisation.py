"""Issue 21: several keyworkers, one organisation: handover, receive, combine, and the walk behind them."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from cjcase.domain.errors import CjcaseError, ReadOnlyError
from cjcase.services import client_records, integrity, keys
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.services.combine import combine, split_by_keyworker
from cjcase.services.handover import hand_over, receive, verify_carried
from cjcase.store.migrations import latest_version
from tests.helpers import SAMPLE_TODAY, run_cjcase, write_sample_caseload

PASSPHRASE = "orchard kettle lantern"


def _open(path: Path, **kwargs):
    return open_caseload(path, **kwargs)


def _busiest_client(db) -> tuple[int, str]:
    """The sample client with most records (and a goal and a hearing), to hand over."""
    row = db.execute(
        """SELECT c.id, c.client_ref FROM clients c
           WHERE EXISTS (SELECT 1 FROM goals g WHERE g.client_id = c.id)
             AND EXISTS (SELECT 1 FROM court_dates d WHERE d.client_id = c.id)
           ORDER BY (SELECT count(*) FROM sessions s WHERE s.client_id = c.id) DESC, c.client_ref LIMIT 1"""
    ).fetchone()
    return row[0], row[1]


def _enrich(db, client_id: int) -> None:
    """Give the client a note, a goal review, an adjourned hearing and a keyworker change, so
    every kind of record (children of children, links within a table) and its audit rows travel."""
    caseload = Caseload(db)
    caseload.add_note(client_id, "Spoke about moving to the new keyworker", datetime(2026, 11, 2, 10, 0))
    goal_id = db.execute("SELECT id FROM goals WHERE client_id = ? ORDER BY id LIMIT 1", [client_id]).fetchone()[0]
    caseload.review_goal(goal_id, date(2026, 11, 3), "Some progress")
    hearing = db.execute("SELECT id FROM court_dates WHERE client_id = ? ORDER BY id LIMIT 1", [client_id]).fetchone()[
        0
    ]
    caseload.adjourn_hearing(hearing, datetime(2026, 12, 14, 10, 0))
    caseload.change_keyworker([client_id], "Tom Gallagher", date(2026, 11, 4))
    # An order with its events (which name their order by client and sentence date) and a requirement.
    from cjcase.services.orders import Orders
    from cjcase.services.requirements import Requirements

    orders = Orders(caseload)
    order = orders.add(
        client_id,
        {"order_type": "drr", "sentence_date": "2026-06-01", "court": "Leeds Crown Court", "length_months": 12},
    )
    orders.add_event(order.id, {"kind": "breach_laid", "date": "2026-07-01"})
    orders.add_event(order.id, {"kind": "breach_outcome", "date": "2026-07-20", "result": "continued"})
    Requirements(caseload).add(client_id, {"requirement": "mhtr", "start_date": "2026-06-01"})


@pytest.fixture
def laptops(tmp_path):
    """Two laptops of one organisation: A holds the sample caseload; B is new, with A's key."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_sample_caseload(tmp_path / "a" / "caseload.db")
    b = tmp_path / "b" / "caseload.db"
    db = _open(a)
    keys.export_key(db, tmp_path / "org.key")
    db.close()
    db = _open(b)
    keys.import_key(db, tmp_path / "org.key")
    db.close()
    return a, b


def _canonical(db, client_ref: str) -> dict[str, list]:
    """A client's whole record, table by table, with ids and links replaced by what they point at
    (the row's position), so two files holding the same record compare equal."""
    client_id = db.execute("SELECT id FROM clients WHERE client_ref = ?", [client_ref]).fetchone()[0]
    found = {}
    positions: dict[str, dict[int, int]] = {}
    for table, rows in client_records.client_rows(db, client_id):
        positions[table.name] = {row["id"]: n for n, row in enumerate(rows)} if table.has_id else {}
        canon = []
        for row in rows:
            item = {}
            for column, value in row.items():
                if column == "id" and table.has_id:
                    continue
                if column in table.links and value is not None:
                    value = ("->", table.links[column], positions[table.links[column]].get(value))
                item[column] = value
            canon.append(item)
        found[table.name] = canon
    return found


def _audit_of(db, client_id: int) -> list[tuple]:
    return db.execute("SELECT id, hash FROM audit WHERE client_id = ? ORDER BY id", [client_id]).fetchall()


def test_every_table_of_the_schema_is_a_client_record_or_declared(db):
    """A table added by a later migration is either found by the walk (it links to a client) or
    must be named in ORGANISATION_TABLES: otherwise this fails, and nobody forgets to decide."""
    assert client_records.unclassified_tables(db) == []
    names = [t.name for t in client_records.client_tables(db)]
    assert names[0] == "clients"
    assert {"episodes", "sessions", "goals", "goal_reviews", "court_dates", "tops", "case_notes"} <= set(names)
    assert names.index("goal_reviews") > names.index("goals")
    db.execute("CREATE TABLE plans (id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES clients (id))")
    db.execute("CREATE TABLE plan_steps (id INTEGER PRIMARY KEY, plan_id INTEGER REFERENCES plans (id))")
    db.execute("CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("CREATE TABLE aliases_seen (ref TEXT REFERENCES clients (client_ref), seen TEXT)")
    tables = {t.name: t for t in client_records.client_tables(db)}
    names = list(tables)
    assert names.index("plan_steps") > names.index("plans")
    # A link by reference is followed to find the owner, but never moved like an id.
    assert tables["aliases_seen"].owner_key == "client_ref" and tables["aliases_seen"].links == {}
    assert tables["plan_steps"].links == {"plan_id": "plans"}
    # The orders' events name their order by client and sentence date: after it, and no id link.
    assert names.index("order_events") > names.index("orders")
    assert tables["order_events"].links == {"client_id": "clients"}
    assert client_records.unclassified_tables(db) == ["widgets"]


def test_a_handover_round_trip_keeps_every_row_and_both_audit_chains(laptops, tmp_path):
    a, b = laptops
    db = _open(a)
    client_id, ref = _busiest_client(db)
    _enrich(db, client_id)
    before = _canonical(db, ref)
    sender_rows = _audit_of(db, client_id)
    assert len(before["goal_reviews"]) == 1 and len(before["court_dates"]) >= 2 and len(sender_rows) >= 4
    out = tmp_path / "handover.cjh"
    done = hand_over(db, ref, out, "Kofi Boateng")
    assert done.audit_rows == len(sender_rows)
    # The sender keeps a handover record and the audit row, and nothing of the client.
    assert db.execute("SELECT count(*) FROM clients WHERE client_ref = ?", [ref]).fetchone()[0] == 0
    assert db.execute("SELECT client_ref, to_whom FROM handovers").fetchall() == [(ref, "Kofi Boateng")]
    assert db.execute("SELECT count(*) FROM sessions WHERE client_id = ?", [client_id]).fetchone()[0] == 0
    assert (
        db.execute("SELECT count(*) FROM goal_reviews WHERE goal_id NOT IN (SELECT id FROM goals)").fetchone()[0] == 0
    )
    last = db.execute("SELECT action, entity FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert tuple(last) == ("export", "handover")
    assert integrity.check(db) == []
    db.close()
    assert ref.encode() not in out.read_bytes()  # encrypted

    db = _open(b)
    got = receive(db, out)
    assert got.client_ref == ref and not got.taken_back and got.audit_rows == len(sender_rows)
    assert _canonical(db, ref) == before
    carried = db.execute("SELECT id, hash FROM audit_carried ORDER BY id").fetchall()
    assert [tuple(r) for r in carried] == [tuple(r) for r in sender_rows]
    detail = db.execute("SELECT detail FROM audit WHERE entity = 'handover'").fetchone()[0]
    assert "received from Tom Gallagher" in detail
    assert integrity.check(db) == []
    assert verify_carried(db) == []
    db.close()


def test_a_carried_audit_row_changed_by_hand_is_found(laptops, tmp_path):
    a, b = laptops
    db = _open(a)
    client_id, ref = _busiest_client(db)
    _enrich(db, client_id)
    hand_over(db, ref, tmp_path / "h", None)
    db.close()
    db = _open(b)
    receive(db, tmp_path / "h")
    db.execute("DROP TRIGGER audit_carried_no_update")
    db.execute("UPDATE audit_carried SET detail = 'forged' WHERE id = (SELECT min(id) FROM audit_carried)")
    problems = integrity.check(db)
    db.close()
    assert any("was changed after it was written" in p for p in problems)


def test_a_table_added_later_travels_with_the_client(laptops, tmp_path):
    """The walk over the schema: a child of a child with no cascade (plan_steps of a plan)
    goes with the client, its links moved to the new ids, and is removed from the sender."""
    a, b = laptops
    tables = """
        CREATE TABLE plans (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients (id),
                             made_on TEXT NOT NULL);
        CREATE TABLE plan_steps (id INTEGER PRIMARY KEY, plan_id INTEGER NOT NULL REFERENCES plans (id),
                                   what TEXT NOT NULL, follows_id INTEGER REFERENCES plan_steps (id));
    """
    for path in (a, b):
        conn = sqlite3.connect(path)
        conn.executescript(tables)
        conn.close()
    db = _open(b)
    make = Caseload(db)
    from tests.helpers import make_client

    other = make_client(make, client_ref="B-1").id  # ids in B clash with A's
    db.execute("INSERT INTO plans (client_id, made_on) VALUES (?, '2026-01-01')", [other])
    db.close()
    db = _open(a)
    client_id, ref = _busiest_client(db)
    db.execute("INSERT INTO plans (id, client_id, made_on) VALUES (7, ?, '2026-02-01')", [client_id])
    db.execute("INSERT INTO plan_steps (id, plan_id, what) VALUES (3, 7, 'start')")
    db.execute("INSERT INTO plan_steps (id, plan_id, what, follows_id) VALUES (4, 7, 'review', 3)")
    hand_over(db, ref, tmp_path / "h", None)
    assert db.execute("SELECT count(*) FROM plans").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM plan_steps").fetchone()[0] == 0
    db.close()
    db = _open(b)
    receive(db, tmp_path / "h")
    rows = db.execute(
        """SELECT o.made_on, e.what, f.what FROM plan_steps e JOIN plans o ON o.id = e.plan_id
           JOIN clients c ON c.id = o.client_id LEFT JOIN plan_steps f ON f.id = e.follows_id
           WHERE c.client_ref = ? ORDER BY e.id""",
        [ref],
    ).fetchall()
    assert [tuple(r) for r in rows] == [("2026-02-01", "start", None), ("2026-02-01", "review", "start")]
    db.close()


def test_receive_refuses_a_live_reference_another_organisation_and_a_second_time(laptops, tmp_path):
    a, b = laptops
    db = _open(a)
    _, ref = _busiest_client(db)
    hand_over(db, ref, tmp_path / "h", "B")
    db.close()
    # Another organisation: its own key.
    other = tmp_path / "other" / "caseload.db"
    other.parent.mkdir()
    db = _open(other)
    with pytest.raises(CjcaseError, match="not a handover file of this organisation"):
        receive(db, tmp_path / "h")
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    db.close()
    # A reference live here: refused with a sentence, nothing written.
    db = _open(b)
    from tests.helpers import make_client

    make_client(Caseload(db), client_ref=ref)
    audit_rows = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(CjcaseError, match=f"{ref} is already a client on this caseload"):
        receive(db, tmp_path / "h")
    assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 1
    db.close()


def test_a_client_handed_back_is_taken_back_in(laptops, tmp_path):
    a, b = laptops
    db = _open(a)
    client_id, ref = _busiest_client(db)
    _enrich(db, client_id)
    before = _canonical(db, ref)
    hand_over(db, ref, tmp_path / "to-b", "B")
    with pytest.raises(CjcaseError, match="this caseload wrote"):
        receive(db, tmp_path / "to-b")  # the sender's own file is for the colleague
    db.close()
    db = _open(b)
    receive(db, tmp_path / "to-b")
    hand_over(db, ref, tmp_path / "to-a", "A")
    with pytest.raises(CjcaseError, match="received here already"):
        receive(db, tmp_path / "to-b")  # an old copy never comes back
    db.close()
    db = _open(a)
    got = receive(db, tmp_path / "to-a")
    assert got.taken_back
    assert _canonical(db, ref) == before
    assert db.execute("SELECT returned_at IS NOT NULL FROM handovers").fetchone()[0] == 1
    # Two groups of carried rows: A's chain (which came back with the client), then B's.
    assert [r[0] for r in db.execute("SELECT kind FROM audit_sources ORDER BY id")] == ["handover", "handover"]
    assert integrity.check(db) == []
    db.close()


HANDOVER_MOMENTS = ["handover-written", "handover-placed", "handover-committing", "handover-committed"]
RECEIVE_MOMENTS = ["receive-read", "receive-committing", "receive-committed"]


def _count(path: Path, ref: str) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        live = conn.execute("SELECT count(*) FROM clients WHERE client_ref = ?", [ref]).fetchone()[0]
        records = conn.execute(
            "SELECT count(*) FROM sessions s JOIN clients c ON c.id = s.client_id WHERE c.client_ref = ?", [ref]
        ).fetchone()[0]
    finally:
        conn.close()
    return live, records


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("moment", HANDOVER_MOMENTS)
def test_a_handover_killed_at_any_step_loses_nothing_and_duplicates_nothing(laptops, tmp_path, moment):
    from tests.helpers import report_kills, run_killed_at_point

    a, b = laptops
    db = _open(a)
    _, ref = _busiest_client(db)
    db.close()
    _, sessions = _count(a, ref)
    out = tmp_path / "h"
    run_killed_at_point(moment, "--db", str(a), "handover", ref, "--out", str(out))
    live, _ = _count(a, ref)
    if live:  # killed before the caseload let go of the client: run again, as the user would
        again = run_cjcase("--db", str(a), "handover", ref, "--out", str(out))
        assert again.returncode == 0, again.stderr
    assert _count(a, ref) == (0, 0)
    assert not out.with_name(".h.partial").exists()
    got = run_cjcase("--db", str(b), "receive", str(out))
    assert got.returncode == 0, got.stderr
    assert _count(b, ref) == (1, sessions)
    for path in (a, b):
        assert run_cjcase("--db", str(path), "check").returncode == 0
    report_kills(moment, 1, 0 if _count(b, ref) == (1, sessions) else 1)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("moment", RECEIVE_MOMENTS)
def test_a_receive_killed_at_any_step_loses_nothing_and_duplicates_nothing(laptops, tmp_path, moment):
    from tests.helpers import report_kills, run_killed_at_point

    a, b = laptops
    db = _open(a)
    _, ref = _busiest_client(db)
    db.close()
    _, sessions = _count(a, ref)
    out = tmp_path / "h"
    assert run_cjcase("--db", str(a), "handover", ref, "--out", str(out)).returncode == 0
    run_killed_at_point(moment, "--db", str(b), "receive", str(out))
    live, _ = _count(b, ref)
    assert live in (0, 1)
    again = run_cjcase("--db", str(b), "receive", str(out))
    assert (again.returncode == 0) == (live == 0), again.stderr
    assert _count(b, ref) == (1, sessions)
    db = _open(b)
    assert db.execute("SELECT count(*) FROM audit WHERE entity = 'handover'").fetchone()[0] == 1
    assert integrity.check(db) == []
    db.close()
    report_kills(moment, 1, 0)


def _three_laptops(tmp_path) -> tuple[Path, list[Path]]:
    """The sample caseload, and the same split by keyworker over three laptops of one organisation."""
    (tmp_path / "whole").mkdir()
    whole = write_sample_caseload(tmp_path / "whole" / "caseload.db")
    db = _open(whole)
    parts = split_by_keyworker(db, tmp_path / "laptops", 3)
    db.close()
    return whole, parts


def _export(path: Path, template: str, out: Path, env: dict | None = None) -> bytes:
    result = run_cjcase(
        "--db",
        str(path),
        "export",
        template,
        "--period",
        "2026-27 Q2",
        "--format",
        "csv",
        "--out",
        str(out),
        "--allow-incomplete",
        "--allow-small-groups",
        "--no-suppress",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def test_split_and_combined_returns_equal_the_single_caseloads_byte_for_byte(tmp_path):
    """Item 4: three keyworkers' files combined give the single file's return and extract; a
    client handed over during the quarter appears once, with all their activity."""
    whole, parts = _three_laptops(tmp_path)
    expected = {
        t: _export(whole, t, tmp_path / f"whole-{t}.csv") for t in ("quarterly_return", "pseudonymised_extract")
    }
    # A client with activity in the quarter moves from the first laptop to the second.
    db = _open(parts[0])
    ref = db.execute(
        "SELECT c.client_ref FROM clients c JOIN sessions s ON s.client_id = c.id "
        "WHERE s.starts_at BETWEEN '2026-07-01' AND '2026-09-30' ORDER BY c.client_ref LIMIT 1"
    ).fetchone()[0]
    hand_over(db, ref, tmp_path / "moving", "laptop 2")
    db.close()
    db = _open(parts[1])
    receive(db, tmp_path / "moving")
    db.close()
    done = combine(tmp_path / "org.db", [(p, None) for p in parts])
    assert done.files == 3
    for template, content in expected.items():
        assert _export(tmp_path / "org.db", template, tmp_path / f"org-{template}.csv") == content
    db = _open(tmp_path / "org.db", read_only=True)
    assert db.execute("SELECT count(*) FROM clients WHERE client_ref = ?", [ref]).fetchone()[0] == 1
    assert integrity.check(db) == []
    sources = db.execute("SELECT kind, row_count FROM audit_sources WHERE kind = 'combine'").fetchall()
    db.close()
    assert len(sources) == 3


def test_combine_refuses_mixed_keys_and_a_client_live_in_two_files(tmp_path):
    whole, parts = _three_laptops(tmp_path)
    out = tmp_path / "org.db"
    stranger = tmp_path / "stranger" / "caseload.db"
    stranger.parent.mkdir()
    db = _open(stranger)
    from tests.helpers import make_client

    make_client(Caseload(db), client_ref="S-1")
    db.close()
    with pytest.raises(CjcaseError, match="different organisation keys") as refused:
        combine(out, [(parts[0], None), (stranger, None)])
    assert str(stranger) in str(refused.value)
    assert not out.exists()
    # The whole caseload holds every client the laptops hold: each is live in two files.
    result = run_cjcase("combine", str(out), str(parts[0]), str(whole))
    assert result.returncode == 1
    assert "live in more than one caseload" in result.stderr and str(whole) in result.stderr
    db = _open(parts[0], read_only=True)
    first_ref = db.execute("SELECT client_ref FROM clients ORDER BY client_ref LIMIT 1").fetchone()[0]
    db.close()
    assert f"{first_ref} in " in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_combined_file_is_read_and_never_edited(tmp_path):
    whole, parts = _three_laptops(tmp_path)
    out = tmp_path / "org.db"
    combine(out, [(p, None) for p in parts])
    ref = sqlite3.connect(parts[0]).execute("SELECT client_ref FROM clients LIMIT 1").fetchone()[0]
    for args in (["erase", ref, "--yes"], ["settings", "name_display", "initials_ref"]):
        result = run_cjcase("--db", str(out), *args)
        assert result.returncode == 1 and "edit on the keyworker's laptop, then combine again" in result.stderr
        assert "Traceback" not in result.stderr
    assert run_cjcase("--db", str(out), "check").returncode == 0
    agenda = run_cjcase("--db", str(out), "agenda")
    assert agenda.returncode == 0, agenda.stderr
    with pytest.raises(ReadOnlyError, match="--read-only"):
        open_caseload(out, editing=True)
    open_caseload(out, read_only=True, editing=False).close()
    db = _open(out)
    with pytest.raises(ReadOnlyError, match="combine again"):
        Caseload(db).add_note(db.execute("SELECT min(id) FROM clients").fetchone()[0], "not here")
    with pytest.raises(CjcaseError, match="combine again"):
        hand_over(db, ref, tmp_path / "h")
    db.close()
    # An erasure is made on the laptop that holds the client, and reaches the file when combined again.
    holder = next(
        p for p in parts if sqlite3.connect(p).execute("SELECT 1 FROM clients WHERE client_ref = ?", [ref]).fetchone()
    )
    assert run_cjcase("--db", str(holder), "erase", ref, "--yes").returncode == 0
    combine(out, [(p, None) for p in parts])
    db = _open(out, read_only=True)
    assert db.execute("SELECT count(*) FROM clients WHERE client_ref = ?", [ref]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM erasures").fetchone()[0] == 1
    db.close()


def test_combine_of_an_encrypted_caseload_is_encrypted(tmp_path):
    whole, parts = _three_laptops(tmp_path)
    env = {"CJCASE_PASSPHRASE": PASSPHRASE}
    assert run_cjcase("--db", str(parts[1]), "encrypt", env=env).returncode == 0
    out = tmp_path / "org.db"
    result = run_cjcase("combine", str(out), *map(str, parts), env=env)
    assert result.returncode == 0, result.stderr
    from cjcase.store.files import is_encrypted

    assert is_encrypted(out)
    expected = _export(whole, "quarterly_return", tmp_path / "w.csv")
    assert _export(out, "quarterly_return", tmp_path / "o.csv", env=env) == expected
    assert run_cjcase("--db", str(out), "check", env=env).returncode == 0


def test_demo_split_writes_caseloads_of_one_organisation(tmp_path):
    result = run_cjcase("demo", "--split", "3", "--out-dir", str(tmp_path / "laptops"), "--clients", "30")
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "laptops").glob("laptop-*/caseload.db"))
    assert len(files) == 3
    found = [
        sqlite3.connect(f).execute("SELECT value FROM settings WHERE key = 'pseudonym_key'").fetchone() for f in files
    ]
    assert len(set(found)) == 1
    done = combine(tmp_path / "org.db", [(f, None) for f in files])
    assert done.clients == 30
    again = run_cjcase("demo", "--split", "3", "--out-dir", str(tmp_path / "laptops"))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_handover_from_the_command_line(laptops, tmp_path):
    a, b = laptops
    db = _open(a)
    _, ref = _busiest_client(db)
    db.close()
    out = tmp_path / "h"
    sent = run_cjcase("--db", str(a), "handover", ref, "--out", str(out), "--to", "Kofi Boateng")
    assert sent.returncode == 0, sent.stderr
    assert f"Handed over {ref}" in sent.stdout
    got = run_cjcase("--db", str(b), "receive", str(out))
    assert got.returncode == 0 and f"Received {ref}" in got.stdout
    again = run_cjcase("--db", str(b), "receive", str(out))
    assert again.returncode == 1 and "already a client" in again.stderr and "Traceback" not in again.stderr
    missing = run_cjcase("--db", str(a), "handover", "NOPE-1", "--out", str(tmp_path / "x"))
    assert missing.returncode == 1 and "No client has the reference NOPE-1" in missing.stderr
    assert SAMPLE_TODAY  # the clock the commands ran under


def test_an_existing_file_is_not_overwritten_by_a_handover(laptops, tmp_path):
    a, _ = laptops
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    db = _open(a)
    _, ref = _busiest_client(db)
    with pytest.raises(CjcaseError, match="already exists"):
        hand_over(db, ref, taken)
    assert db.execute("SELECT count(*) FROM clients WHERE client_ref = ?", [ref]).fetchone()[0] == 1
    db.close()
    assert taken.read_text() == "mine"


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("version", range(1, latest_version()))
def test_a_client_in_an_upgraded_file_of_every_earlier_version_is_handed_over_whole(tmp_path, version):
    """Every earlier schema, upgraded, is walked whole: every table a client record or declared,
    and FX-1 (a goal review, an adjourned hearing, a note) travels with every row."""
    old = tmp_path / "old" / "caseload.db"
    old.parent.mkdir()
    shutil.copy(FIXTURES / f"schema_v{version}.db", old)
    db = _open(old)
    assert client_records.unclassified_tables(db) == []
    # A fixture made after the handovers migration carries its handover record through the later ones.
    assert db.execute("SELECT client_ref FROM handovers").fetchall() in ([], [("FX-9",)])
    # FX-2 has the pathway records of the fixtures that have them (a release, a custody event).
    before = {ref: _canonical(db, ref) for ref in ("FX-1", "FX-2")}
    keys.export_key(db, tmp_path / "org.key")
    for ref in before:
        hand_over(db, ref, tmp_path / ref, "B")
    assert integrity.check(db) == []
    db.close()
    (tmp_path / "new").mkdir()
    db = _open(tmp_path / "new" / "caseload.db")
    keys.import_key(db, tmp_path / "org.key")
    for ref, record in before.items():
        receive(db, tmp_path / ref)
        assert _canonical(db, ref) == record
    assert integrity.check(db) == []
    if version >= 10:
        assert len(before["FX-2"]["releases"]) == 1
    if version >= 11:
        assert len(before["FX-2"]["custody_events"]) == 1
    db.close()


async def test_the_read_only_screen_opens_a_combined_file(tmp_path, clock):
    from cjcase.tui.app import make_app
    from cjcase.tui.screens.client_screen import ClientScreen
    from tests.helpers import settle, wait_until

    _, parts = _three_laptops(tmp_path)
    out = tmp_path / "org.db"
    combine(out, [(p, None) for p in parts])
    db = open_caseload(out, read_only=True)
    client_id = db.execute("SELECT max(id) FROM clients").fetchone()[0]
    app = make_app(db, clock, path=out, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client_id)
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(pilot)
    db.close()


def test_erasing_a_handed_over_client_on_the_sender_removes_the_handover_record(laptops, tmp_path):
    a, _ = laptops
    db = _open(a)
    _, ref = _busiest_client(db)
    hand_over(db, ref, tmp_path / "h", "B")
    db.close()
    result = run_cjcase("--db", str(a), "erase", ref, "--yes")
    assert result.returncode == 0, result.stderr
    db = _open(a)
    assert db.execute("SELECT count(*) FROM handovers").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM erasures").fetchone()[0] == 1
    assert integrity.check(db) == []
    db.close()


def test_a_received_clients_audit_trail_goes_back_to_the_first_laptop(laptops, tmp_path):
    a, b = laptops
    db = _open(a)
    client_id, ref = _busiest_client(db)
    _enrich(db, client_id)
    earlier = [(e.action, e.entity) for e in Caseload(db).audit_trail(client_id)]
    hand_over(db, ref, tmp_path / "h", "B")
    db.close()
    db = _open(b)
    got = receive(db, tmp_path / "h")
    trail = Caseload(db).audit_trail(got.client_id)
    db.close()
    assert (trail[0].action, trail[0].entity) == ("import", "handover")  # the arrival, first
    assert [(e.action, e.entity) for e in trail[1:]] == earlier
    assert all("on caseload.db (" in e.detail for e in trail[1:])


def test_combine_names_a_client_handed_over_and_not_yet_received(tmp_path):
    _, parts = _three_laptops(tmp_path)
    db = _open(parts[0])
    ref = db.execute("SELECT client_ref FROM clients ORDER BY client_ref LIMIT 1").fetchone()[0]
    hand_over(db, ref, tmp_path / "in-transit", "laptop 2")
    db.close()
    result = run_cjcase("combine", str(tmp_path / "org.db"), *map(str, parts))
    assert result.returncode == 0, result.stderr
    assert f"no record of them: {ref}." in result.stderr
