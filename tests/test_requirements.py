"""Legal requirements as dated records: in force on a day, several at once, no overlap of one code,
the agency told of an absence, made from every earlier schema's episodes, and imported."""

import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.services import agenda
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path
from cjcase.services.requirements import Requirements, default_agency
from cjcase.store.database import latest_version, migrations
from tests.helpers import SAMPLE_TODAY, make_client

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 20, 12, 0)


@pytest.fixture
def requirements(caseload):
    return Requirements(caseload)


@pytest.fixture
def client(caseload):
    return make_client(caseload)


def test_a_requirement_is_in_force_from_its_start_to_its_end_both_inclusive(caseload, requirements, client):
    requirements.add(client.id, {"requirement": "drr", "start_date": "2026-03-01", "end_date": "2026-08-31"})
    on = lambda day: [r.requirement for r in caseload.requirements_on(client.id, day)]  # noqa: E731
    assert on(date(2026, 2, 28)) == []
    assert on(date(2026, 3, 1)) == ["drr"]
    assert on(date(2026, 8, 31)) == ["drr"]
    assert on(date(2026, 9, 1)) == []


def test_an_open_ended_requirement_stays_in_force(caseload, requirements, client):
    requirements.add(client.id, {"requirement": "licence", "start_date": "2026-03-01"})
    assert [r.requirement for r in caseload.requirements_on(client.id, date(2030, 1, 1))] == ["licence"]


@pytest.mark.parametrize(
    ("code", "agency"),
    [
        ("required_assessment", "police"),
        ("rob", "police"),
        ("iom", "police"),
        ("drr", "probation"),
        ("atr", "probation"),
        ("mhtr", "probation"),
        ("licence", "probation"),
    ],
)
def test_each_code_has_its_default_agency_unless_another_is_named(requirements, client, code, agency):
    assert default_agency(code) == agency
    added = requirements.add(client.id, {"requirement": code, "start_date": "2026-03-01"})
    assert added.agency == agency
    named = requirements.update(added.id, {"agency_to_notify": "court"})
    assert named.agency == "court"


def test_several_requirements_may_be_in_force_at_once(caseload, requirements, client):
    requirements.add(client.id, {"requirement": "licence", "start_date": "2026-01-10"})
    requirements.add(client.id, {"requirement": "atr", "start_date": "2026-02-01", "end_date": "2026-07-31"})
    assert [r.requirement for r in caseload.requirements_on(client.id, date(2026, 3, 1))] == ["atr", "licence"]


def test_two_of_one_code_may_not_overlap_even_by_a_day(requirements, client):
    requirements.add(client.id, {"requirement": "drr", "start_date": "2026-03-01", "end_date": "2026-06-30"})
    with pytest.raises(ValidationError, match="already has a DRR requirement from 01/03/2026 to 30/06/2026") as error:
        requirements.add(client.id, {"requirement": "drr", "start_date": "2026-06-30"})
    assert error.value.field == "requirement"
    later = requirements.add(client.id, {"requirement": "drr", "start_date": "2026-07-01"})
    with pytest.raises(ValidationError, match="may not overlap"):
        requirements.update(later.id, {"start_date": "2026-06-01"})


def test_an_end_before_the_start_and_an_unknown_agency_are_refused(requirements, client):
    with pytest.raises(ValidationError, match="end date is before the start date"):
        requirements.add(client.id, {"requirement": "atr", "start_date": "2026-03-01", "end_date": "2026-02-01"})
    with pytest.raises(ValidationError, match="not an agency to notify code"):
        requirements.add(client.id, {"requirement": "atr", "start_date": "2026-03-01", "agency_to_notify": "OM"})
    with pytest.raises(ValidationError, match="not a requirement code"):
        requirements.add(client.id, {"requirement": "none", "start_date": "2026-03-01"})


def test_every_change_to_a_requirement_is_audited(db, requirements, client):
    added = requirements.add(client.id, {"requirement": "rob", "start_date": "2026-03-01"})
    requirements.update(added.id, {"end_date": "2026-04-01"})
    requirements.delete(added.id)
    rows = db.execute(
        "SELECT action, record_id, client_id, detail FROM audit WHERE entity = 'requirement' ORDER BY id"
    ).fetchall()
    assert rows == [
        ("create", added.id, client.id, ""),
        ("update", added.id, client.id, "fields: end_date"),
        ("delete", added.id, client.id, ""),
    ]


# ---------------------------------------------------------------- absences to report


def reasons(db, now=NOW):
    return [a.reason for a in agenda.actions(db, now) if a.kind == "notify"]


def dna(caseload, client_id, when=datetime(2026, 11, 19, 9, 0)):
    return caseload.add_session(client_id, {"when": when, "kind": "keywork", "status": "dna", "dna_reason": "Unwell"})


def test_an_absence_asks_once_for_each_agency_to_tell(db, caseload, requirements, client):
    requirements.add(client.id, {"requirement": "licence", "start_date": "2026-01-10"})
    requirements.add(client.id, {"requirement": "atr", "start_date": "2026-02-01"})
    requirements.add(client.id, {"requirement": "rob", "start_date": "2026-11-01", "notify_contact": "PC Jones"})
    session = dna(caseload, client.id)
    assert reasons(db) == [
        "Notify police (PC Jones) today: RoB DNA 19 Nov 09:00",
        "Notify probation today: ATR+licence DNA 19 Nov 09:00",
    ]
    caseload.update_session(session.id, {"notified_at": datetime(2026, 11, 19, 16, 0)})
    assert reasons(db) == []


def test_an_absence_outside_every_requirement_asks_nothing(db, caseload, requirements, client):
    requirements.add(client.id, {"requirement": "drr", "start_date": "2026-01-10", "end_date": "2026-11-18"})
    caseload.add_session(
        client.id, {"when": datetime(2026, 11, 19, 9, 0), "kind": "keywork", "status": "dna", "dna_reason": None}
    )
    assert reasons(db) == []


def test_a_dna_on_two_requirements_needs_its_reason_for_each_agency(caseload, requirements, client):
    requirements.add(client.id, {"requirement": "licence", "start_date": "2026-01-10"})
    requirements.add(client.id, {"requirement": "rob", "start_date": "2026-11-01"})
    with pytest.raises(
        ValidationError, match="on a RoB and licence requirement: say why they missed it, for police and probation"
    ):
        caseload.add_session(client.id, {"when": datetime(2026, 11, 19, 9, 0), "kind": "keywork", "status": "dna"})


# ---------------------------------------------------------------- from v1


def database_before_requirements(path: Path) -> sqlite3.Connection:
    """A database file at the schema just before the requirements migration."""
    conn = sqlite3.connect(path)
    conn.create_function("cjcase_today", 0, lambda: SAMPLE_TODAY.isoformat())  # as the program gives it
    for number, migration in migrations():
        if migration.stem.split("_", 1)[1] == "requirements_orders":
            break
        conn.executescript(f"BEGIN;\n{migration.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;")
    return conn


V1_EPISODES = [
    # client, referral, discharge, legal_requirement, notify_agency
    ("A", "2025-01-06", "2025-06-30", "drr", None),
    ("A", "2025-08-01", None, "licence", "  PROBATION "),
    ("B", "2026-02-01", "2026-02-20", "rob", "DS Khan, custody"),
    ("B", "2026-03-01", None, "none", "police"),
    ("C", "2026-04-01", None, "required_assessment", "court"),
    ("D", "2026-05-01", None, "atr", "   "),
]


def v1_answer(day: date, ref: str):
    """The v1 answer: the requirement of the episode open on the day, and who to tell."""
    for client, referral, discharge, code, notify in V1_EPISODES:
        open_then = client == ref and referral <= day.isoformat() and (not discharge or day.isoformat() <= discharge)
        if open_then and code != "none":
            return code, notify
    return None


def test_the_migration_makes_a_requirement_of_each_episodes_legal_requirement(tmp_path):
    path = tmp_path / "v1.db"
    conn = database_before_requirements(path)
    for number, ref in enumerate("ABCD", start=1):
        conn.execute(
            "INSERT INTO clients (id, client_ref, first_name, last_name, date_of_birth, sex, ethnicity) "
            "VALUES (?, ?, 'Al', 'Ex', '1980-01-01', 'male', 'A')",
            [number, ref],
        )
    for client, referral, discharge, code, notify in V1_EPISODES:
        conn.execute(
            "INSERT INTO episodes (client_id, referral_date, referral_source, pathway, primary_substance, "
            "discharge_date, discharge_reason, legal_requirement, notify_agency) "
            "VALUES (?, ?, 'self', 'community', 'heroin', ?, ?, ?, ?)",
            ["ABCD".index(client) + 1, referral, discharge, "dropped_out" if discharge else None, code, notify],
        )
    conn.commit()
    conn.close()
    db = open_caseload(path)
    caseload = Caseload(db)
    stored = db.execute(
        "SELECT c.client_ref, requirement, start_date, end_date, agency_to_notify, notify_contact "
        "FROM requirements r JOIN clients c ON c.id = r.client_id ORDER BY c.client_ref, start_date"
    ).fetchall()
    assert stored == [
        ("A", "drr", "2025-01-06", "2025-06-30", None, None),
        ("A", "licence", "2025-08-01", None, "probation", None),
        ("B", "rob", "2026-02-01", "2026-02-20", None, "DS Khan, custody"),
        ("C", "required_assessment", "2026-04-01", None, "court", None),
        ("D", "atr", "2026-05-01", None, None, None),
    ]
    columns = {row[1] for row in db.execute("PRAGMA table_info(episodes)")}
    assert not {"legal_requirement", "notify_agency"} & columns
    # In force on a day gives the v1 answer, every day from before the first referral to after the last.
    day = date(2024, 12, 25)
    while day <= date(2026, 6, 1):
        for ref in "ABCD":
            client_id = caseload.client_by_ref(ref).id
            found = caseload.requirements_on(client_id, day)
            expected = v1_answer(day, ref)
            assert [r.requirement for r in found] == ([expected[0]] if expected else []), (ref, day)
            if expected:
                named = (expected[1] or "").strip()
                agency = named.lower() if named.lower() in ("police", "probation", "court", "prison") else None
                assert found[0].agency == (agency or default_agency(expected[0]))
                assert found[0].notify_contact == (None if agency or not named else named)
        day += timedelta(days=1)


@pytest.mark.parametrize("version", [v for v in range(1, latest_version()) if (FIXTURES / f"schema_v{v}.db").exists()])
def test_every_earlier_schema_keeps_its_legal_requirements(tmp_path, version):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / f"schema_v{version}.db", path)
    before = sqlite3.connect(path)
    columns = {row[1] for row in before.execute("PRAGMA table_info(episodes)")}
    expected = []
    if "legal_requirement" in columns:
        for client_id, referral, discharge, code, notify in before.execute(
            "SELECT client_id, referral_date, discharge_date, legal_requirement, notify_agency FROM episodes "
            "WHERE legal_requirement != 'none' ORDER BY client_id, referral_date"
        ):
            named = (notify or "").strip()
            agency = named.lower() if named.lower() in ("police", "probation", "court", "prison") else None
            expected.append((client_id, code, referral, discharge, agency, None if agency else (named or None)))
    had_requirements = bool(before.execute("SELECT 1 FROM sqlite_master WHERE name = 'requirements'").fetchone())
    before.close()
    db = open_caseload(path)
    stored = db.execute(
        "SELECT client_id, requirement, start_date, end_date, agency_to_notify, notify_contact FROM requirements "
        "ORDER BY client_id, start_date"
    ).fetchall()
    if not had_requirements:
        assert stored == expected
    else:
        assert set(expected) <= set(stored)


# ---------------------------------------------------------------- import


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


CLIENTS = "client_ref,first_name,last_name,date_of_birth,sex,ethnicity\nR-1,Ann,Lee,1980-01-01,female,A\n"


def test_episodes_csv_still_takes_the_v1_requirement_columns_and_makes_the_requirement(db, caseload, tmp_path):
    folder = tmp_path / "imp"
    write(folder, "clients.csv", CLIENTS)
    header = "client_ref,referral_date,referral_source,pathway,primary_substance,discharge_date,discharge_reason,"
    write(
        folder,
        "episodes.csv",
        header + "legal_requirement,notify_agency\nR-1,2026-01-05,probation,drr,heroin,,,drr,Jo Bloggs OM\n",
    )
    import_path(db, folder, SAMPLE_TODAY)
    (found,) = Requirements(caseload).of_client(caseload.client_by_ref("R-1").id)
    assert (found.requirement, found.start_date, found.end_date, found.agency, found.notify_contact) == (
        "drr",
        date(2026, 1, 5),
        None,
        "probation",
        "Jo Bloggs OM",
    )
    # Imported again with the discharge and an agency: the same requirement is updated under its key.
    write(
        folder,
        "episodes.csv",
        header
        + "legal_requirement,notify_agency\nR-1,2026-01-05,probation,drr,heroin,2026-06-30,dropped_out,drr,Court\n",
    )
    report = import_path(db, folder, SAMPLE_TODAY)
    (found,) = Requirements(caseload).of_client(caseload.client_by_ref("R-1").id)
    assert (found.end_date, found.agency_to_notify, found.notify_contact) == (date(2026, 6, 30), "court", None)
    assert report.counts["requirements"].updated == 1


def test_requirements_csv_imports_several_at_once(db, caseload, tmp_path):
    folder = tmp_path / "imp"
    write(folder, "clients.csv", CLIENTS)
    write(
        folder,
        "requirements.csv",
        "client_ref,requirement,start_date,end_date,agency_to_notify,notify_contact,notes\n"
        "R-1,licence,2026-01-10,,,OM Priya,Licence to 2027\n"
        "R-1,atr,01/02/2026,31/07/2026,court,,\n",
    )
    report = import_path(db, folder, SAMPLE_TODAY)
    assert report.counts["requirements"].created == 2
    client_id = caseload.client_by_ref("R-1").id
    assert [(r.requirement, r.agency) for r in caseload.requirements_on(client_id, date(2026, 3, 1))] == [
        ("atr", "court"),
        ("licence", "probation"),
    ]


def test_a_requirement_overlapping_one_made_from_an_episode_is_reported_on_requirements_csv(db, tmp_path):
    folder = tmp_path / "imp"
    write(folder, "clients.csv", CLIENTS)
    write(
        folder,
        "episodes.csv",
        "client_ref,referral_date,referral_source,pathway,primary_substance,legal_requirement\n"
        "R-1,2026-01-05,probation,drr,heroin,drr\n",
    )
    write(folder, "requirements.csv", "client_ref,requirement,start_date\nR-1,drr,2026-03-01\n")
    with pytest.raises(ImportRejected) as error:
        import_path(db, folder, SAMPLE_TODAY)
    assert [str(p) for p in error.value.problems] == [
        "requirements.csv:2: requirement: this drr requirement overlaps the one from 2026-01-05 with no end date "
        "(episodes.csv line 2): two of one kind may not overlap, so end the earlier one first"
    ]


async def test_the_record_header_shows_the_requirements_in_force(db, clock, caseload, requirements, client):
    from textual.widgets import Static

    from cjcase.tui.app import make_app
    from tests.helpers import settle

    requirements.add(client.id, {"requirement": "licence", "start_date": "2026-01-10"})
    requirements.add(client.id, {"requirement": "atr", "start_date": "2026-02-01", "agency_to_notify": "court"})
    requirements.add(client.id, {"requirement": "drr", "start_date": "2025-02-01", "end_date": "2025-12-31"})
    app = make_app(db, clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        header = str(app.screen.query_one("#client-header", Static).render())
        assert "On ATR (tell court), licence (tell probation)" in header
        assert "DRR" not in header


def test_check_6_lists_an_ra_imposed_with_no_required_assessment_in_force_on_the_test_day(caseload, requirements):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns.quality import notes
    from cjcase.services.custody import Custody

    event = {
        "arrested_at": datetime(2026, 11, 14, 1, 30),
        "custody_suite": "Elland Road",
        "offence": "trigger",
        "test_at": datetime(2026, 11, 14, 3, 0),
        "test_result": "positive",
        "substances_positive": "opiates",
        "ra_imposed": "yes",
    }
    custody = Custody(caseload)
    for ref in ("RA-NONE", "RA-LATE", "RA-OK"):
        custody.add_event(make_client(caseload, client_ref=ref).id, event)
    requirements.add(
        caseload.client_by_ref("RA-LATE").id, {"requirement": "required_assessment", "start_date": "2026-11-15"}
    )
    requirements.add(
        caseload.client_by_ref("RA-OK").id, {"requirement": "required_assessment", "start_date": "2026-11-14"}
    )
    custody.add_event(make_client(caseload, client_ref="NO-RA").id, {**event, "ra_imposed": "no"})
    found = {n.message: n.client_refs for n in notes(caseload.db, parse_quarter("2026-27 Q3"), NOW)}
    assert found[
        "2 custody events with the Required Assessment imposed and no required_assessment requirement in force on "
        "the day of the test: record the requirement, so an absence is reported"
    ] == ["RA-LATE", "RA-NONE"]
