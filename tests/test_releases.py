"""Releases from custody: the record, its rules, the continuity status of its 21-day window on a
hand-built timeline, moving the expected date, and the migration from v1's episode field."""

import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cjcase.domain.errors import ValidationError
from cjcase.services import agenda
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from tests.helpers import SAMPLE_TODAY, add_release, make_client, make_episode

FIXTURES = Path(__file__).parent / "fixtures"
RELEASED = date(2026, 10, 1)  # a Thursday; the window runs to 22 October inclusive


def attended(caseload, client, when: datetime, kind="keywork", status="attended"):
    return caseload.add_session(client.id, {"when": when, "kind": kind, "status": status})


@pytest.fixture
def client(caseload):
    return make_client(caseload)


def status_on(caseload, release, day):
    return caseload.releases.status(caseload.releases.get(release.id), day)


def test_a_release_with_no_actual_date_is_due_and_then_pending_from_the_day_it_happens(caseload, client):
    release = caseload.releases.add(client.id, {"prison": "HMP Leeds", "expected_date": RELEASED})
    assert status_on(caseload, release, RELEASED) == "due"
    caseload.releases.record_release(release.id, RELEASED)
    assert status_on(caseload, release, RELEASED) == "pending"
    assert status_on(caseload, release, RELEASED + timedelta(days=21)) == "pending"
    assert status_on(caseload, release, RELEASED + timedelta(days=22)) == "not_engaged"


def test_a_structured_session_on_day_21_engages_and_on_day_22_does_not(caseload, client):
    release = add_release(caseload, client.id, RELEASED)
    attended(caseload, client, datetime(2026, 10, 23, 9, 0))  # release + 22
    assert status_on(caseload, release, date(2026, 11, 1)) == "not_engaged"
    attended(caseload, client, datetime(2026, 10, 22, 16, 0))  # release + 21
    assert status_on(caseload, release, date(2026, 10, 21)) == "pending"  # not before it happens
    assert status_on(caseload, release, date(2026, 10, 22)) == "engaged"
    assert status_on(caseload, release, date(2026, 11, 1)) == "engaged"


def test_a_community_start_at_any_provider_engages_on_day_21_and_not_on_day_22(caseload, client):
    on_21 = add_release(caseload, client.id, RELEASED)
    caseload.releases.handshake(
        on_21.id, {"community_start_date": RELEASED + timedelta(days=21), "confirmed_by": "Sam, Forward Leeds"}
    )
    assert status_on(caseload, on_21, date(2026, 11, 1)) == "engaged"
    other = make_client(caseload, client_ref="T-2")
    on_22 = add_release(caseload, other.id, RELEASED)
    caseload.releases.handshake(
        on_22.id, {"community_start_date": RELEASED + timedelta(days=22), "confirmed_by": "Sam, Forward Leeds"}
    )
    # Kept, but a start after the window does not count.
    assert caseload.releases.get(on_22.id).community_start_date == RELEASED + timedelta(days=22)
    assert status_on(caseload, on_22, date(2026, 11, 1)) == "not_engaged"


def test_a_start_before_release_or_before_the_release_is_recorded_is_refused(caseload, client):
    release = add_release(caseload, client.id, RELEASED)
    with pytest.raises(ValidationError, match="before the release") as error:
        caseload.releases.handshake(
            release.id, {"community_start_date": RELEASED - timedelta(days=1), "confirmed_by": "Sam"}
        )
    assert error.value.field == "community_start_date"
    due = caseload.releases.add(
        make_client(caseload, client_ref="T-2").id, {"prison": "HMP Hull", "expected_date": RELEASED}
    )
    with pytest.raises(ValidationError, match="record the release"):
        caseload.releases.handshake(due.id, {"community_start_date": RELEASED, "confirmed_by": "Sam"})
    with pytest.raises(ValidationError, match="who confirmed") as error:
        caseload.releases.handshake(release.id, {"community_start_date": RELEASED})
    assert error.value.field == "confirmed_by"


def test_an_exclusion_is_refused_when_the_start_is_in_the_window(caseload, client):
    release = add_release(caseload, client.id, RELEASED)
    caseload.releases.handshake(
        release.id, {"community_start_date": RELEASED + timedelta(days=3), "confirmed_by": "Sam"}
    )
    with pytest.raises(ValidationError, match="cannot be excluded") as error:
        caseload.releases.exclude(release.id, "re_imprisoned")
    assert error.value.field == "coc_exclusion"
    assert status_on(caseload, release, date(2026, 11, 1)) == "engaged"


def test_an_exclusion_clears_the_alert_and_re_imprisoned_needs_the_release(caseload, client):
    due = caseload.releases.add(client.id, {"prison": "HMP Leeds", "expected_date": RELEASED})
    with pytest.raises(ValidationError, match="needs the actual release date"):
        caseload.releases.exclude(due.id, "re_imprisoned")
    caseload.releases.exclude(due.id, "transferred_secure_setting")  # may have no actual date
    assert status_on(caseload, due, RELEASED) == "excluded"
    other = make_client(caseload, client_ref="T-2")
    release = add_release(caseload, other.id, RELEASED)
    caseload.releases.exclude(release.id, "re_imprisoned")
    assert status_on(caseload, release, RELEASED + timedelta(days=5)) == "excluded"


def test_a_gate_pickup_phone_call_or_prison_visit_does_not_clear_the_alert(caseload, client):
    release = add_release(caseload, client.id, RELEASED)
    attended(caseload, client, datetime(2026, 10, 1, 8, 0), kind="gate_pickup")
    attended(caseload, client, datetime(2026, 10, 2, 9, 0), kind="phone")
    attended(caseload, client, datetime(2026, 10, 3, 9, 0), kind="prison_visit")
    now = datetime(2026, 10, 12, 12, 0)
    assert status_on(caseload, release, now.date()) == "pending"
    [alert] = [a for a in agenda.actions(caseload.db, now) if a.kind == "release_not_engaged"]
    assert alert.reason == "Released Thu 1 Oct, not engaged: 10 days left (met at the gate)"
    attended(caseload, client, datetime(2026, 10, 5, 9, 0), kind="assessment")
    assert not [a for a in agenda.actions(caseload.db, now) if a.kind == "release_not_engaged"]


def test_a_moved_expected_date_keeps_one_release_and_the_audit_shows_the_move(caseload, client):
    release = caseload.releases.add(client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 12, 1)})
    caseload.releases.move_expected_date(release.id, date(2026, 12, 8))
    caseload.releases.move_expected_date(release.id, date(2026, 12, 4))
    [kept] = caseload.releases.of_client(client.id)
    assert (kept.id, kept.expected_date) == (release.id, date(2026, 12, 4))
    moves = [e.detail for e in caseload.audit_trail(client.id) if e.entity == "release" and e.action == "update"]
    assert moves == [
        "fields: expected_date; expected date moved from 2026-12-08 to 2026-12-04",
        "fields: expected_date; expected date moved from 2026-12-01 to 2026-12-08",
    ]


def test_a_second_due_release_is_refused_and_one_release_per_day(caseload, client):
    caseload.releases.add(client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 12, 1)})
    with pytest.raises(ValidationError, match="already has a release due") as error:
        caseload.releases.add(client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 12, 8)})
    assert error.value.field == "expected_date"
    add_release(caseload, client.id, RELEASED)
    with pytest.raises(ValidationError, match="already has a release on that date") as error:
        add_release(caseload, client.id, date(2026, 9, 20), actual_date=RELEASED)
    assert error.value.field == "actual_date"


def test_the_rules_of_record(caseload, client):
    def refused(field, **values):
        base = {"prison": "HMP Leeds", "expected_date": RELEASED, "actual_date": RELEASED}
        with pytest.raises(ValidationError) as error:
            caseload.releases.add(client.id, {**base, **values})
        assert error.value.field == field, error.value

    refused("prison", prison="")
    refused("actual_date", actual_date=SAMPLE_TODAY + timedelta(days=1), expected_date=SAMPLE_TODAY)
    refused("in_custody_treatment", in_custody_treatment="yes")
    refused("naloxone_issued", naloxone_issued="yes")
    refused("first_appointment_at", first_appointment_at=datetime(2026, 10, 2, 10, 0))
    refused("onward_referred_date", onward_referred_date=date(2026, 9, 20))
    refused("release_type", release_type="parole")


def test_the_checklist_says_what_is_missing(caseload, client):
    from cjcase.domain.releases import missing

    release = caseload.releases.add(
        client.id,
        {
            "prison": "HMP Leeds",
            "expected_date": date(2026, 11, 23),
            "naloxone_offered": "yes",
            "gate_pickup_booked": "yes",
            "script_continuity": "not_applicable",
        },
    )
    assert missing(release) == ["first appointment booked", "naloxone issued", "accommodation"]
    assert missing(release, clinical=False) == []


def test_the_agenda_lists_due_releases_with_their_checklist_and_the_three_day_action(caseload, client):
    caseload.releases.add(
        client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 23), "gate_pickup_booked": "yes"}
    )
    later = make_client(caseload, client_ref="T-2", first_name="Al")
    caseload.releases.add(
        later.id,
        {
            "prison": "HMP Hull",
            "expected_date": date(2026, 12, 3),
            "first_appointment_provider": "Forward Leeds",
            "first_appointment_at": datetime(2026, 12, 4, 10, 0),
        },
    )
    far = make_client(caseload, client_ref="T-3", first_name="Bo")
    caseload.releases.add(far.id, {"prison": "HMP Hull", "expected_date": date(2026, 12, 5)})  # 15 days ahead
    actions = [(a.kind, a.client_ref, a.reason) for a in agenda.actions(caseload.db, datetime(2026, 11, 20, 12, 0))]
    releases = [a for a in actions if a[0].startswith("release")]
    assert releases == [
        ("release_no_appointment", "T-1", "Released in 3 days, no first appointment booked"),
        (
            "release_due",
            "T-1",
            "Due for release in 3 days (Mon 23 Nov): missing first appointment booked, script continuity, "
            "naloxone offered, naloxone issued, accommodation",
        ),
        (
            "release_due",
            "T-2",
            "Due for release in 13 days (Thu 3 Dec): missing script continuity, naloxone offered, "
            "naloxone issued, gate pick-up, accommodation",
        ),
    ]
    items = agenda.agenda(caseload.db, date(2026, 11, 20), date(2026, 12, 4), kinds=("release",))
    assert [(i.client_ref, i.summary) for i in items] == [
        ("T-1", "Due for release from HMP Leeds: gate pick-up booked"),
        ("T-2", "Due for release from HMP Hull: no gate pick-up booked"),
    ]
    assert "1 prison release in the next 3 days." in agenda.reminders(caseload.db, datetime(2026, 11, 20, 9, 0))


def test_a_booked_gate_pickup_is_an_appointment_in_the_calendar(caseload, client):
    from cjcase.services.calendar import to_ics

    caseload.releases.add(
        client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 23), "gate_pickup_booked": "yes"}
    )
    other = make_client(caseload, client_ref="T-2")
    caseload.releases.add(other.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 24)})
    text = to_ics(caseload.db, date(2026, 11, 20), date(2026, 12, 4)).decode()
    assert text.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Appointment" in text and "20261123T080000" in text and "Leeds" not in text


def test_the_releases_view_counts_and_weekly_series(caseload, client):
    engaged = add_release(caseload, client.id, date(2026, 10, 1))
    attended(caseload, client, datetime(2026, 10, 2, 10, 0), kind="assessment")
    other = make_client(caseload, client_ref="T-2")
    add_release(caseload, other.id, date(2026, 11, 16))
    views = caseload.releases.in_period(date(2026, 10, 1), date(2026, 12, 31))
    assert [(v.client_ref, v.status, v.days_to_start) for v in views] == [
        ("T-1", "engaged", 1),
        ("T-2", "pending", None),
    ]
    released, engaged_weekly = caseload.releases.weekly(26)
    assert sum(released) == 2 and sum(engaged_weekly) == 1 and released[-1] == 1
    assert engaged.id


def test_the_caseload_marks_due_and_pending_releases(caseload, client):
    make_episode(caseload, client.id, prison_release_date=date(2026, 11, 10))
    other = make_client(caseload, client_ref="T-2")
    caseload.releases.add(other.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 25)})
    assert caseload.releases.markers([client.id, other.id]) == {client.id: "pending", other.id: "due"}


def _v8_with(tmp_path, sql: str) -> Path:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_v8.db", path)
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.commit()
    conn.close()
    return path


def test_the_migration_makes_one_release_per_client_and_date_and_a_future_one_is_due(tmp_path, monkeypatch):
    monkeypatch.setenv("CJCASE_TODAY", "2026-11-20")
    path = _v8_with(
        tmp_path,
        """
        UPDATE clients SET prison = 'HMP Wealstun' WHERE id = 2;
        UPDATE episodes SET prison_release_date = '2026-12-01' WHERE id = 2;
        INSERT INTO episodes (id, client_id, referral_date, referral_source, pathway, primary_substance,
                              discharge_date, discharge_reason, prison_release_date)
        VALUES (3, 1, '2025-01-01', 'prison', 'prison_link', 'heroin', '2025-02-01', 'dropped_out', '2026-01-10');
        """,
    )
    db = open_caseload(path)
    caseload = Caseload(db)
    rows = [
        (r["client_id"], r["prison"], r["expected_date"], r["actual_date"], r["from_v1"])
        for r in db.query("SELECT * FROM releases ORDER BY client_id")
    ]
    assert rows == [(1, None, "2026-01-10", "2026-01-10", 1), (2, "HMP Wealstun", "2026-12-01", None, 1)]
    assert caseload.releases.status(caseload.releases.of_client(2)[0], date(2026, 11, 20)) == "due"
    db.close()


def test_the_data_quality_notes_on_releases(caseload, db):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns.quality import notes

    q3 = parse_quarter("2026-27 Q3")
    now = datetime(2026, 11, 20, 12, 0)
    v1 = make_client(caseload, client_ref="V-1")
    make_episode(caseload, v1.id, prison_release_date=date(2026, 1, 10))
    db.execute("UPDATE releases SET prison = NULL, from_v1 = 1 WHERE client_id = ?", [v1.id])
    untyped = make_client(caseload, client_ref="U-1")
    add_release(caseload, untyped.id, date(2026, 11, 10), release_type=None)
    typed = make_client(caseload, client_ref="K-1")
    add_release(caseload, typed.id, date(2026, 10, 1), release_type="licence")  # window closed 22 Oct
    late = make_client(caseload, client_ref="L-1")
    caseload.releases.add(late.id, {"prison": "HMP Hull", "expected_date": date(2026, 11, 13)})
    engaged = make_client(caseload, client_ref="E-1")
    release = add_release(caseload, engaged.id, date(2026, 10, 2), release_type="licence")
    caseload.releases.handshake(release.id, {"community_start_date": date(2026, 10, 23), "confirmed_by": "Sam"})
    # (the clinical record's notes, such as NDTMS consent not asked, are tested with it)
    found = {n.message.split(" ", 1)[1]: n.client_refs for n in notes(db, q3, now) if "release" in n.message}
    assert found == {
        "release made from a v1 prison release date with no prison, or with an actual date after today: name the "
        "prison, or clear the actual date of a release still to come": ["V-1"],
        "release in the period with no release type": ["U-1"],
        "release still due 7 days after the expected date: record the release, move the date, or record the "
        "exclusion": ["L-1"],
        "release whose three-week window closed in the period not engaged: confirm with the community provider "
        "whether the person started there, and record it or leave it": ["K-1"],
    }


def test_cjcase_agenda_lists_due_releases_and_a_volunteer_sees_only_the_gate_pickup(tmp_path, clock):
    from tests.helpers import run_cjcase

    path = tmp_path / "c.db"
    db = open_caseload(path)
    caseload = Caseload(db, clock)
    client = make_client(caseload, client_ref="R-1", first_name="Rory")
    caseload.releases.add(
        client.id,
        {
            "prison": "HMP Leeds",
            "expected_date": date(2026, 11, 23),
            "gate_pickup_booked": "yes",
            "naloxone_offered": "yes",
        },
    )
    db.close()
    wide = {"COLUMNS": "200"}
    keyworker = run_cjcase("--db", str(path), "agenda", env=wide)
    assert keyworker.returncode == 0, keyworker.stderr
    assert "Releases due" in keyworker.stdout
    assert "Mon 23 Nov 2026" in keyworker.stdout and "naloxone issued" in keyworker.stdout
    assert "Due for release from HMP Leeds: gate pick-up booked" in keyworker.stdout
    volunteer = run_cjcase("--read-only", "--db", str(path), "agenda", env=wide)
    assert volunteer.returncode == 0, volunteer.stderr
    assert "Releases due" in volunteer.stdout and "booked" in volunteer.stdout
    assert "naloxone" not in volunteer.stdout
    page = tmp_path / "agenda.html"
    run_cjcase("--db", str(path), "agenda", "--html", str(page), env=wide)
    assert "Releases due" in page.read_text() and "HMP Leeds: missing first appointment booked" in page.read_text()
    court = run_cjcase("--db", str(path), "agenda", "--court", env=wide)
    assert "Releases due" not in court.stdout
    ics = tmp_path / "a.ics"
    run_cjcase("--db", str(path), "agenda", "--ics", str(ics), env=wide)
    assert "SUMMARY:Appointment" in ics.read_text()


def test_cjcase_check_lists_a_release_still_due_as_a_note_and_exits_0(tmp_path, clock):
    from tests.helpers import run_cjcase

    path = tmp_path / "c.db"
    db = open_caseload(path)
    caseload = Caseload(db, clock)
    client = make_client(caseload, client_ref="L-9")
    caseload.releases.add(client.id, {"prison": "HMP Hull", "expected_date": date(2026, 11, 10)})
    db.close()
    result = run_cjcase("--db", str(path), "check")
    assert result.returncode == 0, result.stderr
    assert "1 release still due 7 days after the expected date" in result.stdout and "(L-9)" in result.stdout


def test_the_sample_kept_at_the_schema_before_releases_gives_the_same_v1_return_once_migrated(tmp_path, monkeypatch):
    """The shared sample as a v1 caseload held it (prison release dates on its episodes), upgraded:
    its releases made by the migration, the quarterly return byte for byte as before."""
    import csv

    from cjcase.domain.dates import parse_import_date, parse_import_datetime, parse_quarter
    from cjcase.returns import exporter
    from cjcase.returns import template as templates
    from cjcase.store.database import migrations
    from tests.helpers import SAMPLE

    monkeypatch.setenv("CJCASE_TODAY", "2026-11-20")
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    releases_number = next(n for n, p in migrations() if p.stem.split("_", 1)[1] == "releases")
    for number, migration in migrations()[: releases_number - 1]:
        conn.executescript(f"BEGIN;\n{migration.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;")
    dates = {
        "date_of_birth",
        "consent_date",
        "referral_date",
        "start_date",
        "discharge_date",
        "prison_release_date",
        "order_start",
        "order_end",
        "set_date",
        "review_date",
        "closed_date",
        "date",
    }
    renamed = {("sessions", "when"): "starts_at", ("court_dates", "when"): "hearing_at", ("tops", "date"): "top_date"}
    ids: dict[str, int] = {}
    for table in ("clients", "episodes", "sessions", "goals", "court_dates", "tops"):
        with open(SAMPLE / f"{table}.csv", encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                values = {}
                for column, text in row.items():
                    if column == "client_ref" and table != "clients":
                        values["client_id"] = ids[text]
                        continue
                    if text == "":
                        values[renamed.get((table, column), column)] = "" if column == "risk_flags" else None
                        continue
                    if column == "when":
                        text = parse_import_datetime(text).strftime("%Y-%m-%d %H:%M")
                    elif column in dates:
                        text = parse_import_date(text).isoformat()
                    values[renamed.get((table, column), column)] = text
                cursor = conn.execute(
                    f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                    list(values.values()),
                )
                if table == "clients":
                    ids[row["client_ref"]] = cursor.lastrowid
    conn.commit()
    conn.close()
    db = open_caseload(path)
    assert db.execute("SELECT count(*) FROM releases WHERE from_v1 = 1").fetchone()[0] == 7
    q2 = parse_quarter("2026-27 Q2")
    now = datetime(2026, 11, 20, 12, 0)
    for threshold, name in ((None, "expected_2026-27_Q2.csv"), (5, "expected_2026-27_Q2_suppressed5.csv")):
        prepared = exporter.prepare(db, templates.find("quarterly_return", None), q2, threshold, now)
        out = exporter.write(db, prepared, "csv", tmp_path / f"{threshold}.csv", now, allow_incomplete=True)
        assert out.path.read_bytes() == (SAMPLE / name).read_bytes()
    db.close()


def test_the_extract_marks_continuity_on_the_episode_each_release_belongs_to(caseload, db):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns import template as templates
    from cjcase.returns.build import build

    # Released 10 days before the referral (it belongs to that episode), and seen on day 3: yes.
    before = make_client(caseload, client_ref="B-1", consent_to_share="yes")
    make_episode(caseload, before.id, referral_date=date(2026, 8, 1))
    add_release(caseload, before.id, date(2026, 7, 22))
    attended(caseload, before, datetime(2026, 7, 25, 10, 0), kind="assessment")
    # Released inside an episode and seen only at the gate: no.
    gate = make_client(caseload, client_ref="G-1", consent_to_share="yes")
    make_episode(caseload, gate.id, referral_date=date(2026, 7, 1))
    add_release(caseload, gate.id, date(2026, 8, 10))
    attended(caseload, gate, datetime(2026, 8, 10, 8, 0), kind="gate_pickup")
    # No release: empty.
    none = make_client(caseload, client_ref="N-1", consent_to_share="yes")
    make_episode(caseload, none.id, referral_date=date(2026, 7, 2))
    table = build(db, templates.find("pseudonymised_extract", None), parse_quarter("2026-27 Q2"), None)
    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    assert [(r["referral_month"], r["continuity_engaged"]) for r in rows] == [
        ("2026-07", "no"),
        ("2026-07", None),
        ("2026-08", "yes"),
    ]
