"""The audit chain is anchored: its length and head, keyed under the organisation key, are kept in
the settings and in every backup's manifest, so a chain cut short, padded, unsealed or rewritten
is found by `check` (issue 15, item 13). Each test edits the file as a SQLite tool would, with
cjcase closed: a copy taken off the laptop, or a careless repair."""

import hashlib
import hmac
import json
import sqlite3
import subprocess
import sys

from cjcase.services import audit
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload, restore_caseload
from cjcase.services.integrity import check
from cjcase.store import backups
from cjcase.store.files import backup_dir
from tests.helpers import make_client


def _caseload_with_notes(path, notes=4):
    db = open_caseload(path)
    caseload = Caseload(db)
    client = make_client(caseload)
    for n in range(notes):
        caseload.add_note(client.id, f"note {n}")
    db.close()


def _tamper(path, *statements):
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _check(path):
    db = open_caseload(path)  # a writable open, as the next day's work would be
    try:
        return check(db)
    finally:
        db.close()


def test_a_sound_chain_passes_and_reopening_changes_nothing(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    assert _check(path) == []
    assert _check(path) == []


def test_deleting_the_last_rows_is_found(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    _tamper(path, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id > (SELECT max(id) - 2 FROM audit)")
    problems = _check(path)
    assert any("anchor says" in p for p in problems), problems
    assert any("audit_no_delete was dropped" in p for p in problems)


def test_deleting_every_row_is_found(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    _tamper(
        path,
        "DROP TRIGGER audit_no_delete",
        "DELETE FROM audit",
        "CREATE TRIGGER audit_no_delete "
        "BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    )
    problems = _check(path)
    assert problems, "an emptied audit log passed the check"
    assert not any("dropped" in p for p in problems)  # the trigger was put back as it was


def test_a_row_inserted_by_hand_is_refused_or_never_sealed_by_an_open(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO audit (action, entity, detail) VALUES ('create', 'client', 'by hand')")
        raise AssertionError("an unsealed row was accepted")
    except sqlite3.IntegrityError as error:
        assert "sealed" in str(error)
    conn.close()
    _tamper(
        path,
        "DROP TRIGGER audit_sealed_on_insert",
        "INSERT INTO audit (action, entity, detail) VALUES ('create', 'client', 'by hand')",
    )
    for _ in range(2):  # opening again never seals it
        problems = _check(path)
        assert any("never sealed" in p for p in problems), problems
        assert any("audit_sealed_on_insert was dropped" in p for p in problems)


def test_a_row_edited_with_its_hash_cleared_stays_a_break(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    _tamper(
        path,
        "DROP TRIGGER audit_no_update",
        "UPDATE audit SET detail = 'nothing happened', hash = NULL WHERE id = 3",
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\nWHEN old.hash IS NOT NULL\nBEGIN\n"
        "    SELECT RAISE(ABORT, 'the audit log is append-only');\nEND",
    )
    for _ in range(2):
        problems = _check(path)
        assert "Audit row 3 was never sealed." in problems
    db = open_caseload(path)
    assert db.execute("SELECT hash FROM audit WHERE id = 3").fetchone()[0] is None
    db.close()


def test_dropped_triggers_are_found(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    _tamper(path, *(f"DROP TRIGGER {name}" for name in audit.TRIGGERS))
    problems = _check(path)
    for name in audit.TRIGGERS:
        assert any(f"{name} was dropped" in p for p in problems)


def _rechain(path, key: bytes | None):
    """Recompute every hash after an edit, as someone who knows the scheme would; with a key,
    write a fresh anchor too."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    for name in audit.TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE audit SET detail = 'nothing happened' WHERE id = 3")
    prev = audit.GENESIS
    rows = [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY id")]
    for row in rows:
        digest = audit.row_hash(row, prev)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, row["id"]])
        prev = digest
    if key is not None:
        conn.execute(
            "UPDATE settings SET value = ? WHERE key = 'audit_anchor'", [audit.anchor_text(key, len(rows), prev)]
        )
    for sql in audit.TRIGGERS.values():
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_a_recomputed_chain_is_told_from_the_real_one(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    _rechain(path, None)
    problems = _check(path)
    assert "The last audit row is not the one the anchor names: the end of the chain was rewritten." in problems


def test_an_anchor_forged_without_the_key_is_found(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    _rechain(path, b"guessed" * 4)
    assert _check(path) == ["The audit chain's anchor is missing or was not written by cjcase."]


def test_a_chain_rewritten_with_the_key_is_found_by_the_backup_manifest(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    db = open_caseload(path)
    written = backups.write_backup(db, backup_dir(path), "manual")
    key = audit.organisation_key(db)
    db.close()
    manifest = json.loads(backups.manifest_path(written).read_text())
    length, head, mac = manifest["audit_anchor"].split()
    assert mac == hmac.new(key, f"{length}|{head}".encode(), hashlib.sha256).hexdigest()
    _rechain(path, key)
    problems = _check(path)
    assert len(problems) == 1 and "recorded with the backup" in problems[0], problems


def test_a_restore_of_an_older_backup_is_not_taken_for_tampering(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    db = open_caseload(path)
    older = backups.write_backup(db, backup_dir(path), "manual")
    Caseload(db).add_note(1, "after the backup")
    backups.write_backup(db, backup_dir(path), "manual")
    db.close()
    restore_caseload(path, older)
    assert _check(path) == []


def test_check_from_the_command_line_names_a_cut_chain(tmp_path):
    path = tmp_path / "c.db"
    _caseload_with_notes(path)
    _tamper(path, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
    result = subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(path), "check"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "anchor says" in result.stderr and "Traceback" not in result.stderr
