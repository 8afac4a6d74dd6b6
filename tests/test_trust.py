"""Trustworthy data: one writer, backups and restore, check, the audit chain, erasure, retention,
and migrations from every earlier schema version with data in it."""

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cjcase.domain.errors import DatabaseError, NotFoundError
from cjcase.services import audit, erasure
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path
from cjcase.services.integrity import check
from cjcase.store import backups
from cjcase.store.database import backup_dir, latest_version, migrations
from cjcase.store.paths import synced_folder_warning
from tests.helpers import SAMPLE, SAMPLE_TODAY, make_client

FIXTURES = Path(__file__).parent / "fixtures"


def migration_number(name: str) -> int:
    """The number a migration has now (the lead may renumber them as branches land)."""
    return next(number for number, path in migrations() if path.stem.split("_", 1)[1] == name)


@pytest.mark.parametrize("version", range(1, latest_version()))
def test_every_earlier_schema_migrates_with_its_data(tmp_path, version):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / f"schema_v{version}.db", path)
    db = open_caseload(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    caseload = Caseload(db)
    client = caseload.client_by_ref("FX-1")
    assert (client.first_name, client.date_of_birth) == ("Fenella", date(2028 - 44, 2, 29))
    assert [s.status for s in caseload.sessions(client.id)] == ["dna", "attended"]
    assert caseload.goal_reviews(caseload.goals(client.id)[0].id)[0].note == "On the list"
    assert check(db) == []
    # The v1 prison release date became a release made from a v1 date (prison unknown), and the
    # episode field is gone; a release written at a later schema keeps every field.
    releases = caseload.releases.of_client(client.id)
    assert [(r.expected_date, r.actual_date, r.prison, r.from_v1) for r in releases] == [
        (date(2026, 1, 10), date(2026, 1, 10), None, 1)
    ]
    assert "prison_release_date" not in db["episodes"].columns_dict
    assert caseload.releases.status(releases[0], date(2026, 2, 1)) == "engaged"  # assessment on 12 Jan
    if version > migration_number("releases"):
        kept = caseload.releases.of_client(caseload.client_by_ref("FX-2").id)[0]
        assert (kept.community_start_date, kept.confirmed_by, kept.from_v1) == (
            date(2026, 6, 4),
            "Sam at Forward Leeds",
            0,
        )
    assert audit.verify(db) == []
    assert db.execute("SELECT count(*) FROM audit WHERE hash IS NULL").fetchone()[0] == 0
    assert any(b.reason.startswith("before-v") for b in backups.list_backups(backup_dir(path)))
    caseload.add_note(client.id, "Written after the upgrade")  # and it is writable
    assert_clinical_record_migrated(db, caseload)


def assert_clinical_record_migrated(db, caseload):
    """Clients v2: the clients table rebuilt without losing a row that points to it, the search
    index still kept in step, quick referrals and ethnicity 99 kept where the fixture has them."""
    from datetime import datetime

    fenella = caseload.client_by_ref("FX-1")
    assert fenella.quick_referral == "no" and fenella.sex == "female"
    assert [e.referral_date for e in caseload.episodes(fenella.id)] == [date(2026, 1, 5)]
    assert caseload.tops(fenella.id) and caseload.court_dates(fenella.id)
    assert [row.client_ref for row in caseload.find(datetime(2026, 11, 20), status="all", text="Quarterm")] == ["FX-1"]
    quick = caseload.add_quick_referral(
        {"client_ref": "FX-Q", "first_name": "Quentin", "last_name": "Swiftly", "date_of_birth": date(1990, 1, 1)}
    )
    assert [row.client_ref for row in caseload.find(datetime(2026, 11, 20), status="all", text="Swiftly")] == ["FX-Q"]
    assert quick.missing_details == ["sex", "ethnicity"]
    found = {
        ref: (sex, ethnicity, flag)
        for ref, sex, ethnicity, flag in db.execute(
            "SELECT client_ref, sex, ethnicity, quick_referral FROM clients WHERE client_ref IN ('FX-3', 'FX-4')"
        )
    }
    if found:  # the fixture holds rows written after the clinical_record migration
        assert found == {"FX-3": (None, None, "yes"), "FX-4": ("male", "99", "no")}
    # Episodes v2: the table rebuilt with every row, the new fields empty on v1 episodes.
    episode = caseload.episodes(fenella.id)[0]
    assert (episode.primary_substance, episode.drug_2, episode.consent_to_ndtms) == ("heroin", None, None)
    assert episode.substance_group == "opiate" and episode.start_date == date(2026, 1, 12)
    caseload.discharge_episode(episode.id, date(2026, 3, 1), "transferred_other_cjit_area", "Wakefield CJIT")
    assert db.execute("SELECT count(*) FROM episodes").fetchone()[0] >= 2
    rows = db.execute(
        "SELECT e.drug_2, e.route, e.alcohol_units_per_day, e.contact_event_date FROM episodes e "
        "JOIN clients c ON c.id = e.client_id WHERE c.client_ref = 'FX-3'"
    ).fetchall()
    if rows:  # the fixture holds rows written after the clinical_episodes migration
        assert rows == [("alcohol", "smoke", 10, "2026-01-31")]
        assert db.execute("SELECT count(*) FROM interventions").fetchone()[0] == 1
        assert db.execute("SELECT drug_related_suspected FROM deaths").fetchall() == [("not_known",)]
        assert db.execute("SELECT raised_with FROM safeguarding WHERE closed_date IS NULL").fetchall() == [
            ("Adult social care",)
        ]


def test_a_second_writer_is_refused_with_a_sentence_and_a_reader_may_join(db_path):
    first = open_caseload(db_path)
    with pytest.raises(DatabaseError, match="Another cjcase is already open"):
        open_caseload(db_path)
    reader = open_caseload(db_path, read_only=True)
    assert reader.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    first.close()
    open_caseload(db_path).close()  # free again once the first has closed


def test_a_second_writer_from_the_command_line_gets_a_sentence(tmp_path):
    path = tmp_path / "c.db"
    holder = open_caseload(path)
    result = subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(path), "import", str(SAMPLE)], capture_output=True, text=True
    )
    holder.close()
    assert result.returncode == 1
    assert "Another cjcase is already open" in result.stderr and "locked" not in result.stderr


@pytest.mark.parametrize(
    "path",
    [
        "/home/kw/OneDrive - Recovery Link/caseload.db",
        "/Users/kw/Dropbox/c.db",
        "//server/share/c.db",
        "/home/kw/Library/Mobile Documents/c.db",
    ],
)
def test_a_synced_or_network_folder_gets_a_warning(path):
    assert "corrupt" in synced_folder_warning(Path(path))


def test_a_local_folder_gets_no_warning(tmp_path):
    assert synced_folder_warning(tmp_path / "c.db") is None


def test_the_first_open_of_the_day_takes_a_verified_backup(db_path):
    db = open_caseload(db_path)
    import_path(db, SAMPLE, SAMPLE_TODAY)
    db.close()
    open_caseload(db_path).close()
    open_caseload(db_path).close()
    daily = [b for b in backups.list_backups(backup_dir(db_path)) if b.reason == "daily"]
    assert len(daily) == 1
    copy = sqlite3.connect(daily[0].path)
    assert copy.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1014
    copy.close()
    assert backups.verify_file(daily[0].path) is None


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    start = datetime(2026, 8, 1, 9, 0)
    for day in range(60):
        taken = start + timedelta(days=day)
        (folder / f"caseload-{taken:%Y%m%d-%H%M%S}-000000-daily.db").write_bytes(b"")
    (folder / "caseload-20260101-090000-000000-manual.db").write_bytes(b"")  # past the 90 days
    (folder / "caseload-20260901-090000-000000-manual.db").write_bytes(b"")
    (folder / "caseload-20260301-090000-000000-before-v7.db").write_bytes(b"")
    backups.rotate(folder, date(2026, 9, 29))
    kept = backups.list_backups(folder)
    daily = [b for b in kept if b.reason == "daily"]
    assert len(daily) == 11
    assert [b.taken_at.date() for b in daily[:7]] == [date(2026, 9, 29) - timedelta(days=n) for n in range(7)]
    assert len({b.taken_at.isocalendar()[:2] for b in daily[7:]}) == 4
    assert [(b.reason, b.taken_at.date()) for b in kept if b.reason != "daily"] == [("manual", date(2026, 9, 1))]


def test_restore_verifies_first_keeps_the_current_file_and_reapplies_erasures(tmp_path):
    path = tmp_path / "c.db"
    db = open_caseload(path)
    import_path(db, SAMPLE, SAMPLE_TODAY)
    older = backups.write_backup(db, backup_dir(path), "manual")
    erasure.erase(db, "CJ-17429", path)
    assert not list(db.query("SELECT 1 FROM clients WHERE client_ref = 'CJ-17429'"))
    db.close()

    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(DatabaseError, match="integrity"):
        backups.restore(path, broken)

    result = subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(path), "restore", str(older), "--yes"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "erased again" in result.stdout
    assert list(tmp_path.glob("c.db.before-restore-*"))
    db = open_caseload(path)
    assert not list(db.query("SELECT 1 FROM clients WHERE client_ref = 'CJ-17429'"))
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 39


def test_erasure_leaves_no_personal_value_in_the_file_or_its_wal(tmp_path):
    path = tmp_path / "c.db"
    db = open_caseload(path)
    import_path(db, SAMPLE, SAMPLE_TODAY)
    row = next(db.query("SELECT * FROM clients WHERE client_ref = 'CJ-17429'"))
    others = " ".join(
        str(v) for r in db.query("SELECT * FROM clients WHERE client_ref != 'CJ-17429'") for v in r.values()
    )
    values = [
        v
        for v in (
            row["first_name"],
            row["last_name"],
            row["phone"],
            row["postcode"],
            row["client_ref"],
            row["preferred_name"],
        )
        if v not in others
    ]
    assert len(values) >= 4
    erasure.erase(db, "CJ-17429", path)
    assert db.execute("SELECT count(*) FROM erasures").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM clients_fts WHERE clients_fts MATCH ?", ['"CJ-17429"']).fetchone()[0] == 0
    data = path.read_bytes() + (Path(f"{path}-wal").read_bytes() if Path(f"{path}-wal").exists() else b"")
    for value in values:
        assert value.encode() not in data, value
    last = next(db.query("SELECT action, detail FROM audit ORDER BY id DESC LIMIT 1"))
    assert last["action"] == "erase" and "Moore" not in last["detail"]
    assert check(db) == []


def test_erase_from_the_command_line_needs_confirmation(tmp_path):
    path = tmp_path / "c.db"
    open_caseload(path).close()
    subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(path), "import", str(SAMPLE)], check=True, capture_output=True
    )
    refused = subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(path), "erase", "CJ-17429"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert refused.returncode == 1 and "--yes" in refused.stderr
    done = subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(path), "erase", "CJ-17429", "--yes"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "Erased CJ-17429" in done.stdout


def test_erase_names_the_client_it_asks_about_and_refuses_an_unknown_reference(caseload, db, db_path):
    make_client(caseload, client_ref="E-1", first_name="Ada", last_name="Lane")
    assert erasure.name_of(db, " E-1 ") == "Ada Lane"
    with pytest.raises(NotFoundError, match="No client has the reference E-9"):
        erasure.name_of(db, "E-9")
    db.close()
    result = subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(db_path), "erase", "E-9", "--yes"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "No client has the reference E-9." in result.stderr
    assert "Traceback" not in result.stderr


def test_retention_lists_then_erases_clients_closed_long_ago(caseload, db, db_path):
    old = make_client(caseload, client_ref="OLD-1")
    caseload.add_episode(
        old.id,
        {
            "referral_date": date(2015, 1, 5),
            "referral_source": "self",
            "pathway": "community",
            "primary_substance": "alcohol",
            "discharge_date": date(2017, 3, 1),
            "discharge_reason": "dropped_out",
        },
    )
    recent = make_client(caseload, client_ref="NEW-1")
    caseload.add_episode(
        recent.id,
        {
            "referral_date": date(2024, 1, 5),
            "referral_source": "self",
            "pathway": "community",
            "primary_substance": "alcohol",
            "discharge_date": date(2024, 3, 1),
            "discharge_reason": "dropped_out",
        },
    )
    due = erasure.retention_candidates(db, 8, SAMPLE_TODAY)
    assert [c.client_ref for c in due] == ["OLD-1"]
    for item in due:
        erasure.erase(db, item.client_ref, db_path, reason="retention")
    assert [r["client_ref"] for r in db.query("SELECT client_ref FROM clients")] == ["NEW-1"]


def test_check_passes_on_a_sound_caseload(db):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    assert check(db) == []


def test_the_audit_log_refuses_updates_and_deletes(caseload, db):
    make_client(caseload)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit SET detail = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit")


def test_check_finds_an_edited_or_deleted_audit_row(caseload, db):
    client = make_client(caseload)
    for n in range(4):
        caseload.add_note(client.id, f"note {n}")
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    db.execute("UPDATE audit SET entity = 'goal' WHERE id = 3")
    db.execute("DELETE FROM audit WHERE id = 5")
    problems = check(db)
    assert "Audit row 3 was changed after it was written." in problems
    assert "Audit rows 5 to 5 are missing (deleted)." in problems


def test_check_finds_rows_that_break_the_rules_or_the_links(caseload, db):
    client = make_client(caseload)
    caseload.add_episode(
        client.id,
        {
            "referral_date": date(2026, 1, 5),
            "referral_source": "self",
            "pathway": "community",
            "primary_substance": "heroin",
        },
    )
    # written behind the services' back: an overlapping second episode and a missing client
    db.execute("DROP INDEX episodes_one_open")
    db.execute(
        "INSERT INTO episodes (client_id, referral_date, referral_source, pathway, primary_substance) "
        "VALUES (?, '2026-02-01', 'self', 'court', 'crack')",
        [client.id],
    )
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute(
        "INSERT INTO sessions (client_id, starts_at, kind, status) VALUES (999, '2026-02-01 10:00', 'keywork', 'attended')"
    )
    problems = check(db)
    assert any("overlaps" in p for p in problems), problems
    assert any(p.startswith("sessions row") and "missing clients" in p for p in problems), problems


def test_check_from_the_command_line(tmp_path):
    path = tmp_path / "c.db"

    def run(*a):
        return subprocess.run([sys.executable, "-m", "cjcase", "--db", str(path), *a], capture_output=True, text=True)

    assert run("import", str(SAMPLE)).returncode == 0
    ok = run("check")
    assert ok.returncode == 0 and "All checks passed" in ok.stdout


def test_a_damaged_file_is_refused_at_open_and_the_latest_backup_offered(tmp_path):
    path = tmp_path / "c.db"
    db = open_caseload(path)
    import_path(db, SAMPLE, SAMPLE_TODAY)
    good = backups.write_backup(db, backup_dir(path), "manual")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 5, min(len(data), page * 40), page):
        data[offset + 10 : offset + 60] = os.urandom(50)
    path.write_bytes(bytes(data))
    result = subprocess.run(
        [sys.executable, "-m", "cjcase", "--db", str(path), "export", "--history"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "damaged" in result.stderr and str(good) in result.stderr
    assert "Traceback" not in result.stderr


def damaged_copy(db, target: Path) -> Path:
    """A copy of the database with random bytes over some of its pages."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(Path(db.path).read_bytes())
    for offset in range(4096 * 5, min(len(data), 4096 * 40), 4096):
        data[offset + 10 : offset + 60] = os.urandom(50)
    target.write_bytes(bytes(data))
    return target


def test_the_quick_check_finds_damaged_pages_as_the_full_check_does(sample_db, tmp_path):
    assert backups.verify_file(Path(sample_db.path), quick=True) is None
    damaged = damaged_copy(sample_db, tmp_path / "damaged.db")
    assert backups.verify_file(damaged, quick=True) is not None
    assert backups.verify_file(damaged) is not None


async def test_the_terminal_checks_the_file_in_the_background_and_stops_on_damage(sample_db, clock, tmp_path):
    from cjcase.tui.app import make_app
    from cjcase.tui.widgets.confirm import ConfirmDialog
    from tests.helpers import settle

    damaged = damaged_copy(sample_db, tmp_path / "damaged.db")
    app = make_app(sample_db, clock, path=damaged)  # the background check reads the file at `path`
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert f"{damaged} is damaged" in app.screen.question  # the command line's sentence
