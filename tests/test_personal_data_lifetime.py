"""Personal data does not outlive an erasure (issue 15, item 11): old manual and pre-upgrade
backups are rotated, the export log keeps no file name, and a changed name leaves the file."""

import os
from datetime import datetime, timedelta
from pathlib import Path

from cjcase.domain.dates import parse_quarter
from cjcase.returns import exporter
from cjcase.returns.template import find
from cjcase.services import erasure, settings
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.store import backups
from cjcase.store.files import backup_dir
from tests.helpers import make_client


def _file_bytes(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_changed_surname_leaves_neither_the_file_nor_its_search_index(tmp_path):
    path = tmp_path / "c.db"
    db = open_caseload(path)
    caseload = Caseload(db)
    for n in range(30):
        make_client(caseload, client_ref=f"R-{n}", last_name=f"Other{n}")
    client = make_client(caseload, client_ref="R-X", last_name="Quaglinoworth", preferred_name="Zebedaia")
    caseload.update_client(client.id, {"last_name": "Smith", "preferred_name": "Zed"})
    data = _file_bytes(path)  # while open, WAL and all
    assert b"uaglinoworth" not in data and b"ebedaia" not in data
    db.close()
    data = _file_bytes(path)
    assert b"uaglinoworth" not in data and b"ebedaia" not in data


def test_manual_and_pre_upgrade_backups_in_backups_are_rotated_under_the_setting(tmp_path):
    path = tmp_path / "c.db"
    db = open_caseload(path)
    make_client(Caseload(db))
    settings.set_value(db, "backup_keep_days", "30")
    db.close()
    folder = backup_dir(path)
    folder.mkdir(exist_ok=True)
    old = datetime.now() - timedelta(days=45)
    recent = datetime.now() - timedelta(days=10)
    for taken, reason in ((old, "manual"), (old, "before-v6"), (recent, "manual")):
        (folder / f"caseload-{taken:%Y%m%d-%H%M%S}-000000-{reason}.db").write_bytes(b"")
    elsewhere = tmp_path / "mine" / f"caseload-{old:%Y%m%d-%H%M%S}-000000-manual.db"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"")
    for backup in backups.list_backups(folder):  # today's daily is taken at the next open
        if backup.reason == "daily":
            backup.path.unlink()
    open_caseload(path).close()
    kept = {(b.reason, b.taken_at.date()) for b in backups.list_backups(folder) if b.reason != "daily"}
    assert kept == {("manual", recent.date())}
    assert elsewhere.exists()  # a copy saved elsewhere is the user's


def test_the_keep_days_setting_is_a_whole_number(db):
    import pytest

    from cjcase.domain.errors import CjcaseError

    with pytest.raises(CjcaseError, match="whole number of days"):
        settings.set_value(db, "backup_keep_days", "a month")


def test_the_export_log_keeps_the_folder_and_a_hash_of_the_file_name_not_the_name(sample_db, tmp_path):
    template = find("quarterly_return", None)
    period = parse_quarter("2026-27 Q2")
    prepared = exporter.prepare(sample_db, template, period, None, datetime(2026, 11, 20, 12))
    out = tmp_path / "for Jo Quaglinoworth.csv"
    exporter.write(sample_db, prepared, "csv", out, datetime(2026, 11, 20, 12), allow_incomplete=True)
    detail = exporter.history(sample_db)[0].detail
    assert "Quaglinoworth" not in detail
    assert f"file {tmp_path.resolve()}{os.sep}<name {exporter.name_hash(sample_db, out.name)}>;" in detail


def test_a_restored_backup_has_erasures_reapplied_even_when_restored_by_hand(tmp_path):
    """A backup copied back over the caseload with a file manager is erased again at the next open."""
    import shutil

    path = tmp_path / "c.db"
    db = open_caseload(path)
    caseload = Caseload(db)
    make_client(caseload, client_ref="GONE-1")
    make_client(caseload, client_ref="KEEP-1")
    older = backups.write_backup(db, backup_dir(path), "manual")
    erasure.erase(db, "GONE-1", path)
    db.close()
    shutil.copyfile(older, path)
    db = open_caseload(path)
    assert [r[0] for r in db.execute("SELECT client_ref FROM clients")] == ["KEEP-1"]
    db.close()
