"""Sessions v2 (DOMAIN.md): contacts that are not appointments, the new statuses, `absence` and
`requirement`, and how every v1 measure, the agenda and the DNA alert count them."""

import csv
import shutil
import sqlite3
from datetime import date, datetime, time
from pathlib import Path

import pytest

from cjcase.domain.clock import Clock
from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.services import agenda
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.services.custody import Custody
from cjcase.services.importing.importer import import_path
from cjcase.services.integrity import check
from cjcase.store.migrations import latest_version, migrations
from tests.helpers import SAMPLE, SAMPLE_TODAY, make_client, make_episode

NOW = datetime(2026, 11, 20, 12, 0)
FIXTURES = Path(__file__).parent / "fixtures"


def session(caseload, client_id, when, kind="keywork", status="attended", **extra):
    return caseload.add_session(client_id, {"when": when, "kind": kind, "status": status, **extra})


# ---------------------------------------------------------------- rules through the service


@pytest.mark.parametrize("kind", ["attempted_contact", "text_message", "letter", "professional_contact"])
def test_a_contact_is_made_or_to_be_made_and_nothing_else(caseload, kind):
    client = make_client(caseload)
    assert session(caseload, client.id, datetime(2026, 11, 2, 10, 0), kind).is_contact
    session(caseload, client.id, datetime(2026, 11, 30, 10, 0), kind, "scheduled")
    for status in ("dna", "attended_left_early", "cancelled_client", "rearranged", "client_in_custody"):
        with pytest.raises(ValidationError) as refused:
            session(caseload, client.id, datetime(2026, 11, 3, 10, 0), kind, status)
        assert refused.value.field == "status"
        assert "not an appointment" in refused.value.message


@pytest.mark.parametrize(
    "status", ["attended_left_early", "client_in_custody", "client_in_hospital", "prison_regime_cancelled"]
)
def test_the_new_statuses_are_appointment_outcomes(caseload, status):
    client = make_client(caseload)
    assert session(caseload, client.id, datetime(2026, 11, 2, 10, 0), "assessment", status).status == status


def test_leaving_early_like_attending_waits_for_the_time_to_come(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError, match="left early once its time has come"):
        session(caseload, client.id, datetime(2026, 11, 27, 10, 0), "assessment", "attended_left_early")
    # A regime cancellation or custody may be known before the time.
    session(caseload, client.id, datetime(2026, 11, 27, 10, 0), "prison_visit", "prison_regime_cancelled")


def test_a_legal_stage_belongs_to_an_assessment_only(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, legal_requirement="rob")
    with pytest.raises(ValidationError) as refused:
        session(caseload, client.id, datetime(2026, 2, 2, 10, 0), "keywork", requirement="rob_assessment")
    assert refused.value.field == "requirement"
    assert session(caseload, client.id, datetime(2026, 2, 2, 10, 0), "assessment", requirement="rob_assessment")


def test_a_rob_stage_needs_a_rob_requirement_in_force_on_its_day(caseload):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id, legal_requirement="drr")
    with pytest.raises(ValidationError) as refused:
        session(caseload, client.id, datetime(2026, 2, 2, 10, 0), "assessment", requirement="rob_followup")
    assert refused.value.field == "requirement"
    assert "needs a rob requirement in force on 2026-02-02" in refused.value.message
    from cjcase.services.requirements import Requirements

    Requirements(caseload).add(client.id, {"requirement": "rob", "start_date": episode.referral_date})
    session(caseload, client.id, datetime(2026, 2, 2, 10, 0), "assessment", requirement="rob_followup")
    # Before the referral no requirement is in force.
    with pytest.raises(ValidationError, match="rob requirement in force"):
        session(caseload, client.id, datetime(2026, 1, 2, 10, 0), "assessment", requirement="rob_assessment")


def test_an_absence_decision_is_for_an_absence_on_a_day_under_a_requirement(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as refused:
        session(caseload, client.id, datetime(2026, 2, 2, 10, 0), "keywork", "attended", absence="acceptable")
    assert refused.value.field == "absence"
    with pytest.raises(ValidationError, match="requirement in force or an order running"):
        session(caseload, client.id, datetime(2026, 2, 2, 10, 0), "keywork", "dna", absence="acceptable")
    make_episode(caseload, client.id, legal_requirement="drr")
    missed = session(
        caseload, client.id, datetime(2026, 2, 2, 10, 0), "keywork", "dna", absence="unacceptable", dna_reason="ill"
    )
    assert missed.absence == "unacceptable"
    with pytest.raises(ValidationError, match="clear it or change the status"):
        caseload.update_session(missed.id, {"status": "attended"})


def test_leaving_early_on_a_requirement_needs_its_reason_and_is_reported_until_recorded(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, legal_requirement="atr", notify_agency="probation")
    with pytest.raises(ValidationError) as refused:
        session(caseload, client.id, datetime(2026, 11, 18, 10, 0), "keywork", "attended_left_early")
    assert refused.value.field == "dna_reason"
    assert "left early, for probation" in refused.value.message
    left = session(
        caseload, client.id, datetime(2026, 11, 18, 10, 0), "keywork", "attended_left_early", dna_reason="a call"
    )
    notify = [a for a in caseload.actions(NOW) if a.kind == "notify"]
    assert [a.reason for a in notify] == ["Notify probation today: ATR left early 18 Nov 10:00"]
    caseload.update_session(left.id, {"notified_at": datetime(2026, 11, 18, 12, 0)})
    assert not [a for a in caseload.actions(NOW) if a.kind == "notify"]


# ---------------------------------------------------------------- counting


def _return_csv(db, tmp_path, name="out"):
    template = templates.find("quarterly_return", None)
    prepared = exporter.prepare(db, template, parse_quarter("2026-27 Q2"), None, NOW)
    return exporter.write(db, prepared, "csv", tmp_path / f"{name}.csv", NOW, allow_incomplete=True).path.read_bytes()


def _extract_csv(db, tmp_path):
    template = templates.find("pseudonymised_extract", None)
    prepared = exporter.prepare(db, template, parse_quarter("2026-27 Q2"), None, NOW)
    path = tmp_path / "extract.csv"
    return exporter.write(db, prepared, "csv", path, NOW, allow_incomplete=True, allow_small_groups=True)


def test_contacts_and_the_new_statuses_leave_the_samples_return_byte_for_byte(tmp_path, db):
    """The sample with a contact of every kind, and appointments with every new status, in the
    quarter: the return is still the sample's expected file."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    with open(folder / "sessions.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    refs = sorted({row["client_ref"] for row in rows})[:6]
    extra = []
    for n, ref in enumerate(refs):
        for m, kind in enumerate(("attempted_contact", "text_message", "letter", "professional_contact")):
            extra.append(
                {"client_ref": ref, "when": f"2026-08-{10 + n:02d} 0{m}:15", "kind": kind, "status": "attended"}
            )
        for m, status in enumerate(
            ("attended_left_early", "client_in_custody", "client_in_hospital", "prison_regime_cancelled")
        ):
            extra.append(
                {"client_ref": ref, "when": f"2026-09-{10 + n:02d} 0{m}:45", "kind": "keywork", "status": status}
            )
    with open(folder / "sessions.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) + ["absence", "requirement"])
        writer.writeheader()
        writer.writerows(rows + extra)
    import_path(db, folder, SAMPLE_TODAY)
    assert db.execute("SELECT count(*) FROM sessions WHERE kind = 'letter'").fetchone()[0] == 6
    assert _return_csv(db, tmp_path) == (SAMPLE / "expected_2026-27_Q2.csv").read_bytes()


def test_a_contact_is_never_counted_as_an_appointment(caseload, db, tmp_path):
    client = make_client(caseload, consent_to_share="yes")
    make_episode(caseload, client.id, referral_date=date(2026, 7, 1), start_date=date(2026, 7, 2))
    session(caseload, client.id, datetime(2026, 7, 2, 10, 0), "assessment")
    before = _return_csv(db, tmp_path, "before")
    extract_before = _extract_csv(db, tmp_path).path.read_bytes()
    for n, kind in enumerate(("attempted_contact", "text_message", "letter", "professional_contact")):
        session(caseload, client.id, datetime(2026, 8, 3 + n, 10, 0), kind)
    session(caseload, client.id, datetime(2026, 8, 10, 10, 0), "keywork", "attended_left_early")
    assert _return_csv(db, tmp_path, "after") == before
    assert _extract_csv(db, tmp_path).path.read_bytes() == extract_before
    rows = {(r[0], r[1]): r[2] for r in csv.reader(before.decode().splitlines())}
    assert rows[("appointments", "status:attended")] == "1"
    assert ("appointments", "kind:letter") not in rows
    assert ("appointments", "status:attended_left_early") not in rows


def test_contacts_stay_out_of_the_agenda_reminders_and_caseload_but_show_on_the_timeline(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 11, 1))
    session(caseload, client.id, datetime(2026, 11, 20, 15, 0), "letter", "scheduled", notes="appointment letter")
    session(caseload, client.id, datetime(2026, 11, 19, 9, 0), "text_message", notes="reminder for Friday")
    assert caseload.agenda(date(2026, 11, 18), date(2026, 11, 25)) == []
    assert caseload.agenda_count(date(2026, 11, 18), date(2026, 11, 25)) == 0
    assert caseload.reminders(NOW) == []
    row = caseload.find(NOW)[0]
    assert (row.last_seen, row.next_appointment) == (None, None)
    lines = [(item.kind, item.summary) for item in agenda.timeline(caseload.db, client.id)]
    assert ("contact", "Text sent: reminder for Friday") in lines
    assert ("contact", "Letter to make: appointment letter") in lines


def test_the_dna_alert_is_cleared_by_a_try_a_text_or_a_letter_after_the_last_dna(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 10, 1))
    session(caseload, client.id, datetime(2026, 11, 10, 10, 0), "keywork", "dna")
    session(caseload, client.id, datetime(2026, 11, 17, 10, 0), "keywork", "dna")

    def alerted():
        return [a.kind for a in caseload.actions(NOW) if a.kind == "dna_follow_up"] == ["dna_follow_up"]

    assert alerted()
    # A call with the offender manager is not a try to reach the client; a contact before the DNA is not after it.
    session(caseload, client.id, datetime(2026, 11, 18, 9, 0), "professional_contact")
    session(caseload, client.id, datetime(2026, 11, 16, 9, 0), "letter")
    session(caseload, client.id, datetime(2026, 11, 18, 11, 0), "letter", "scheduled")
    assert alerted()
    session(caseload, client.id, datetime(2026, 11, 18, 10, 0), "attempted_contact", notes="no answer")
    assert not alerted()


def test_a_left_early_is_not_a_dna_for_the_alert(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 10, 1))
    session(caseload, client.id, datetime(2026, 11, 10, 10, 0), "keywork", "dna")
    session(caseload, client.id, datetime(2026, 11, 17, 10, 0), "keywork", "attended_left_early")
    assert not [a for a in caseload.actions(NOW) if a.kind == "dna_follow_up"]


# ---------------------------------------------------------------- import


def _import(db, tmp_path, sessions_text, episodes_extra=""):
    folder = tmp_path / "imp"
    folder.mkdir(exist_ok=True)
    (folder / "clients.csv").write_text(
        "client_ref,first_name,last_name,date_of_birth,sex,ethnicity\nS-1,Ann,Lee,1980-01-01,female,A\n"
    )
    (folder / "episodes.csv").write_text(
        "client_ref,referral_date,referral_source,pathway,primary_substance,legal_requirement\n"
        "S-1,2026-01-05,self,restriction_on_bail,heroin,rob\n" + episodes_extra
    )
    (folder / "sessions.csv").write_text(sessions_text)
    return import_path(db, folder, SAMPLE_TODAY)


def test_the_new_columns_and_codes_import(db, tmp_path):
    _import(
        db,
        tmp_path,
        "client_ref,when,kind,status,absence,requirement,dna_reason\n"
        "S-1,2026-01-06 10:00,assessment,attended_left_early,unacceptable,rob_assessment,left for work\n"
        "S-1,2026-01-07 10:00,letter,attended,,,\n"
        "S-1,2026-01-08 10:00,keywork,client_in_hospital,,,\n",
    )
    rows = db.execute("SELECT kind, status, absence, requirement FROM sessions ORDER BY starts_at").fetchall()
    assert rows == [
        ("assessment", "attended_left_early", "unacceptable", "rob_assessment"),
        ("letter", "attended", None, None),
        ("keywork", "client_in_hospital", None, None),
    ]
    assert check(db) == []


def test_broken_session_rows_are_reported_where_the_rule_is(db, tmp_path):
    with pytest.raises(ImportRejected) as rejected:
        _import(
            db,
            tmp_path,
            "client_ref,when,kind,status,absence,requirement\n"
            "S-1,2026-01-06 10:00,letter,dna,,\n"
            "S-1,2026-01-07 10:00,keywork,attended,,rob_assessment\n"
            "S-1,2026-01-08 10:00,keywork,attended,acceptable,\n"
            "S-1,2025-12-08 10:00,assessment,dna,,rob_followup\n"
            "S-1,2025-12-09 10:00,keywork,dna,acceptable,\n"
            "S-1,2026-01-10 10:00,assessment,scheduled,,ra_initial\n"
            "S-1,2026-01-11 10:00,phone,attended,maybe,\n",
        )
    lines = sorted(str(p).split(": ")[0] + ": " + str(p).split(": ")[1] for p in rejected.value.problems)
    assert lines == [
        "sessions.csv:2: status",
        "sessions.csv:3: requirement",
        "sessions.csv:4: absence",
        "sessions.csv:5: requirement",
        "sessions.csv:6: absence",
        "sessions.csv:7: requirement",
        "sessions.csv:8: absence",
    ]
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 0


# ---------------------------------------------------------------- migration


@pytest.mark.parametrize("version", range(1, latest_version()))
def test_every_earlier_schema_gains_contacts_legal_stages_and_custody_events(tmp_path, version):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / f"schema_v{version}.db", path)
    before = sqlite3.connect(path).execute("SELECT id, client_id, starts_at, kind, status FROM sessions").fetchall()
    db = open_caseload(path)
    caseload = Caseload(db, Clock(SAMPLE_TODAY, time(12, 0)))
    after = db.execute("SELECT id, client_id, starts_at, kind, status FROM sessions").fetchall()
    assert [tuple(r) for r in after] == before  # nothing lost or changed
    assert db.execute("SELECT count(*) FROM sessions WHERE absence IS NOT NULL OR requirement IS NOT NULL").fetchone()[
        0
    ] == (1 if version >= _version_of("custody_sessions_v2") else 0)
    client = caseload.client_by_ref("FX-1")
    letter = session(caseload, client.id, datetime(2026, 11, 2, 10, 0), "letter", notes="appointment letter")
    assert letter.is_contact
    with pytest.raises(ValidationError):
        session(caseload, client.id, datetime(2026, 11, 3, 10, 0), "letter", "dna")
    event = Custody(caseload).add_event(
        client.id,
        {
            "arrested_at": datetime(2026, 11, 10, 2, 0),
            "custody_suite": "Elland Road",
            "offence": "trigger",
            "test_at": datetime(2026, 11, 10, 4, 0),
            "test_result": "positive",
            "substances_positive": "opiates",
            "ra_imposed": "yes",
        },
    )
    assert event.ra_imposed == "yes"
    assert check(db) == []


def _version_of(name):
    return next(number for number, path in migrations() if path.stem.split("_", 1)[1] == name)


def test_check_11_lists_an_absence_on_a_running_order_until_it_is_decided(caseload):
    from cjcase.returns.quality import data_quality
    from cjcase.services.orders import Orders

    def listed():
        return [
            f.client_refs
            for f in data_quality(caseload.db, parse_quarter("2026-27 Q3"), NOW)
            if "on a running order with no absence decision" in f.message
        ]

    client = make_client(caseload, client_ref="OR-11")
    before = session(caseload, client.id, datetime(2026, 3, 1, 10, 0), "keywork", "dna")
    Orders(caseload).add(
        client.id,
        {"order_type": "drr", "sentence_date": "2026-03-02", "court": "Leeds Magistrates' Court", "length_months": 12},
    )
    assert listed() == []  # the DNA before sentence is not on the order
    missed = session(caseload, client.id, datetime(2026, 4, 6, 10, 0), "keywork", "attended_left_early")
    assert listed() == [["OR-11"]]
    caseload.update_session(missed.id, {"absence": "unacceptable"})
    assert listed() == []
    with pytest.raises(ValidationError, match="requirement in force or an order running"):
        caseload.update_session(before.id, {"absence": "acceptable"})
