"""Custody events (DOMAIN.md): each rule through the service and through the import, the RA
stages as sessions, and an RA absence reported like a DNA on a DRR."""

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.services.custody import Custody
from cjcase.services.engagement import Engagement
from cjcase.services.importing.importer import import_path
from cjcase.services.integrity import check
from tests.helpers import SAMPLE_TODAY, make_client, make_episode

BAD = Path(__file__).parent / "data" / "bad_imports"
NOW = datetime(2026, 11, 20, 12, 0)


def positive(**overrides):
    values = {
        "arrested_at": datetime(2026, 11, 14, 1, 30),
        "custody_suite": "Elland Road",
        "offence": "trigger",
        "test_at": datetime(2026, 11, 14, 3, 0),
        "test_result": "positive",
        "substances_positive": "opiates;cocaine",
        "ra_imposed": "yes",
    }
    values.update(overrides)
    return values


@pytest.fixture
def custody(caseload):
    return Custody(caseload)


# ---------------------------------------------------------------- each rule through the service

BROKEN = [
    (
        {
            "arrested_at": datetime(2026, 11, 21, 1, 0),
            "test_at": None,
            "offence": None,
            "test_result": "not_tested",
            "substances_positive": None,
            "ra_imposed": "no",
        },
        "arrested_at",
    ),
    ({"arrested_at": date(2026, 11, 14)}, "arrested_at"),
    ({"offence": None}, "offence"),
    ({"test_result": "not_tested", "test_at": None, "substances_positive": None, "ra_imposed": "no"}, "offence"),
    ({"test_at": None}, "test_at"),
    ({"test_at": datetime(2026, 11, 14, 1, 0)}, "test_at"),
    ({"test_at": datetime(2026, 11, 21, 1, 0)}, "test_at"),
    ({"substances_positive": None}, "substances_positive"),
    ({"test_result": "negative", "ra_imposed": "no"}, "substances_positive"),
    ({"substances_positive": "cannabis"}, "substances_positive"),
    ({"substances_positive": "heroin"}, "substances_positive"),
    ({"test_result": "refused", "substances_positive": None, "ra_imposed": "no", "disputed": "yes"}, "disputed"),
    ({"confirmatory_result": "confirmed"}, "confirmatory_result"),
    ({"test_result": "negative", "substances_positive": None}, "ra_imposed"),
    ({"ra_imposed": "no", "ra_followup_required": "yes"}, "ra_followup_required"),
    ({"ra_ceased_date": date(2026, 11, 15)}, "ra_ceased_date"),
    ({"ra_followup_required": "yes", "ra_ceased_date": date(2026, 11, 13)}, "ra_ceased_date"),
    ({"ra_followup_required": "yes", "ra_ceased_date": date(2026, 11, 21)}, "ra_ceased_date"),
    ({"assessment_outcome": "referred_structured"}, "referred_to"),
    ({"assessment_outcome": "declined", "referred_to": "Forward Leeds"}, "referred_to"),
    ({"custody_suite": " "}, "custody_suite"),
    ({"test_result": "inconclusive"}, "test_result"),
]


@pytest.mark.parametrize("overrides, field", BROKEN)
def test_each_rule_of_a_custody_event_is_kept_by_the_service(caseload, custody, overrides, field):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as refused:
        custody.add_event(client.id, positive(**overrides))
    assert refused.value.field == field
    assert custody.events(client.id) == []


def test_a_sound_event_is_kept_with_its_lists_tidied_and_audited(caseload, custody):
    client = make_client(caseload)
    event = custody.add_event(
        client.id,
        positive(
            substances_positive=" cocaine ; opiates;cocaine;",
            disputed="YES",
            ra_followup_required="yes",
            ra_ceased_date=date(2026, 11, 18),
            assessment_outcome="already_in_treatment",
            referred_to="Forward Leeds",
        ),
    )
    assert event.substances == ["cocaine", "opiates"]
    assert (event.disputed, event.confirmatory_result) == ("yes", None)  # awaited
    custody.update_event(event.id, {"confirmatory_result": "confirmed"})
    actions = [(a.action, a.entity) for a in caseload.audit_trail(client.id)]
    assert ("create", "custody_event") in actions and ("update", "custody_event") in actions
    assert check(caseload.db) == []


def test_testing_and_the_ra_apply_from_18(caseload, custody):
    client = make_client(caseload, date_of_birth=date(2008, 11, 15))
    with pytest.raises(ValidationError, match="was 17 on the day of the arrest"):
        custody.add_event(client.id, positive())
    custody.add_event(
        client.id,
        positive(
            arrested_at=datetime(2026, 11, 15, 1, 0),
            test_at=None,
            offence=None,
            test_result="not_tested",
            substances_positive=None,
            ra_imposed="no",
        ),
    )


def test_an_arrest_is_kept_once(caseload, custody):
    client = make_client(caseload)
    custody.add_event(client.id, positive())
    with pytest.raises(ValidationError, match="already has an arrest recorded at that time"):
        custody.add_event(client.id, positive(custody_suite="Trinity Street"))


# ---------------------------------------------------------------- RA stages


def test_an_ra_stage_belongs_to_the_latest_event_with_the_ra_imposed(caseload, custody):
    client = make_client(caseload)
    with pytest.raises(ValidationError, match="needs a custody event with ra_imposed yes"):
        custody.book_stage(client.id, datetime(2026, 11, 16, 10, 0))
    first = custody.add_event(
        client.id, positive(arrested_at=datetime(2026, 10, 1, 1, 0), test_at=datetime(2026, 10, 1, 2, 0))
    )
    custody.book_stage(client.id, datetime(2026, 10, 3, 10, 0))
    with pytest.raises(ValidationError, match="ra_followup needs ra_followup_required yes"):
        custody.book_stage(client.id, datetime(2026, 10, 20, 10, 0), "ra_followup")
    custody.update_event(first.id, {"ra_followup_required": "yes"})
    custody.book_stage(client.id, datetime(2026, 10, 20, 10, 0), "ra_followup")
    second = custody.add_event(client.id, positive())
    ra1 = custody.book_stage(client.id, datetime(2026, 11, 16, 10, 0))
    assert [s.id for s in custody.ra_stages(second)] == [ra1.id]
    assert [s.requirement for s in custody.ra_stages(first)] == ["ra_initial", "ra_followup"]
    # The follow-up after the second arrest would belong to the second, which requires none.
    with pytest.raises(ValidationError, match="ra_followup_required yes on the custody event of 2026-11-14"):
        custody.book_stage(client.id, datetime(2026, 11, 19, 10, 0), "ra_followup")
    # An event cannot lose the RA its stages hang on.
    with pytest.raises(ValidationError) as refused:
        custody.update_event(first.id, {"ra_followup_required": "no"})
    assert refused.value.field == "ra_followup_required"
    with pytest.raises(ValidationError):
        custody.delete_event(second.id)


def test_ra2_keeps_the_old_time_as_rearranged_and_books_the_new_one_as_ra_initial(caseload, custody):
    client = make_client(caseload)
    event = custody.add_event(client.id, positive())
    ra1 = custody.book_stage(client.id, datetime(2026, 11, 24, 10, 0))
    moved = Engagement(caseload).change_booking(ra1.id, {"when": datetime(2026, 11, 25, 14, 0)})
    assert caseload.get_session(ra1.id).status == "rearranged"
    assert (moved.requirement, moved.status) == ("ra_initial", "scheduled")
    lines = custody.stage_lines(event)
    assert lines[0].startswith("Arrested Sat 14 Nov 2026 01:30 at Elland Road · test positive (opiates, cocaine)")
    assert lines[1:4] == [
        "  RA1 Required Assessment imposed",
        "  RA initial Tue 24 Nov 2026 10:00: rearranged",
        "  RA initial Wed 25 Nov 2026 14:00: scheduled",
    ]


def test_ra1_left_early_is_reported_to_the_police_until_recorded(caseload, custody):
    referral = custody.new_arrest_referral(
        {
            "client_ref": "AR-1",
            "first_name": "Dean",
            "last_name": "Marsh",
            "date_of_birth": date(1985, 3, 1),
            "sex": "male",
            "ethnicity": "A",
        },
        positive(),
        datetime(2026, 11, 16, 10, 0),
    )
    with pytest.raises(ValidationError) as refused:
        caseload.update_session(referral.ra1.id, {"status": "attended_left_early"})
    assert refused.value.field == "dna_reason"
    assert "say why they left early, for police" in refused.value.message
    caseload.update_session(referral.ra1.id, {"status": "attended_left_early", "dna_reason": "walked out after 10 min"})
    notify = [a.reason for a in caseload.actions(NOW) if a.kind == "notify"]
    assert notify == ["Notify police today: RA left early 16 Nov 10:00"]
    Engagement(caseload).record_dna(
        referral.ra1.id, "walked out after 10 min", datetime(2026, 11, 16, 12, 0), status="attended_left_early"
    )
    assert [a for a in caseload.actions(NOW) if a.kind == "notify"] == []


def test_an_ra_dna_is_reported_even_where_the_episode_holds_another_requirement(caseload, custody):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 9, 1), legal_requirement="licence")
    custody.add_event(client.id, positive())
    ra1 = custody.book_stage(client.id, datetime(2026, 11, 16, 10, 0))
    caseload.update_session(ra1.id, {"status": "dna", "dna_reason": "in hospital, says"})
    notify = sorted(a.reason for a in caseload.actions(NOW) if a.kind == "notify")
    assert notify == [
        "Notify police today: RA DNA 16 Nov 10:00",
        "Notify probation today: licence DNA 16 Nov 10:00",
    ]


def test_the_arrest_referral_takes_a_new_client_from_the_test_to_a_booked_ra1(caseload, custody):
    referral = custody.new_arrest_referral(
        {
            "client_ref": "AR-1",
            "first_name": "Dean",
            "last_name": "Marsh",
            "date_of_birth": date(1985, 3, 1),
            "sex": "male",
            "ethnicity": "A",
        },
        positive(substances_positive="cocaine"),
        datetime(2026, 11, 16, 10, 0),
    )
    (episode,) = caseload.episodes(referral.client.id)
    assert (episode.referral_date, episode.pathway, episode.referral_source) == (
        date(2026, 11, 14),
        "arrest_referral",
        "arrest_referral",
    )
    assert episode.primary_substance == "crack"
    (requirement,) = caseload.requirements_on(referral.client.id, date(2026, 11, 14))
    assert (requirement.requirement, requirement.start_date, requirement.agency) == (
        "required_assessment",
        date(2026, 11, 14),
        "police",
    )
    assert (referral.event.ra_imposed, referral.ra1.requirement, referral.ra1.kind) == (
        "yes",
        "ra_initial",
        "assessment",
    )
    # One transaction: a refused RA1 leaves no client behind.
    with pytest.raises(ValidationError):
        custody.new_arrest_referral(
            {
                "client_ref": "AR-2",
                "first_name": "Kai",
                "last_name": "Owen",
                "date_of_birth": date(1990, 1, 1),
                "sex": "male",
                "ethnicity": "A",
            },
            positive(),
            datetime(2026, 11, 13, 10, 0),
        )
    assert [c.client_ref for c in caseload.find(NOW)] == ["AR-1"]


def test_the_arrest_referral_for_a_known_client_keeps_their_open_episode(caseload, custody):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id, referral_date=date(2026, 9, 1))
    custody.new_arrest_referral(client.id, positive(), datetime(2026, 11, 16, 10, 0))
    assert [e.id for e in caseload.episodes(client.id)] == [episode.id]
    assert [r.requirement for r in caseload.requirements_on(client.id, date(2026, 11, 16))] == ["required_assessment"]


# ---------------------------------------------------------------- import


@pytest.mark.parametrize("case", sorted(p.name for p in BAD.iterdir() if p.is_dir()))
def test_each_bad_file_reports_exactly_its_problems(db, tmp_path, case):
    folder = tmp_path / case
    shutil.copytree(BAD / case, folder)
    shutil.copy(BAD / "clients.csv", folder)
    expected = (folder / "expected.txt").read_text().splitlines()
    (folder / "expected.txt").unlink()
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, folder, SAMPLE_TODAY)
    assert sorted(str(p) for p in rejected.value.problems) == sorted(expected)
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 0


def test_custody_events_and_their_ra_stages_import_and_import_again_unchanged(db, caseload, custody, tmp_path):
    folder = tmp_path / "good"
    folder.mkdir()
    shutil.copy(BAD / "clients.csv", folder)
    (folder / "custody_events.csv").write_text(
        "client_ref,arrested_at,custody_suite,offence,test_at,test_result,substances_positive,disputed,"
        "ra_imposed,ra_followup_required,assessment_outcome,referred_to\n"
        "C-1,14/06/2026 01:00,Elland Road,trigger,14/06/2026 02:30,positive,Opiates,no,yes,yes,referred_structured,"
        "Forward Leeds\n".replace("Opiates", "opiates")
        + "C-1,2026-08-01 22:00,Trinity Street,,,not_tested,,,,,,\n"
    )
    (folder / "sessions.csv").write_text(
        "client_ref,when,kind,status,requirement\n"
        "C-1,2026-06-16 10:00,assessment,attended_left_early,ra_initial\n"
        "C-1,2026-06-30 10:00,assessment,attended,ra_followup\n"
    )
    report = import_path(db, folder, SAMPLE_TODAY)
    assert report.counts["custody_events"].created == 2
    client = caseload.client_by_ref("C-1")
    events = custody.events(client.id)
    assert [e.custody_suite for e in events] == ["Trinity Street", "Elland Road"]
    assert [s.requirement for s in custody.ra_stages(events[1])] == ["ra_initial", "ra_followup"]
    assert check(db) == []
    again = import_path(db, folder, SAMPLE_TODAY)
    assert again.changed == 0 and again.counts["custody_events"].unchanged == 2


# ---------------------------------------------------------------- data-quality check 7


def test_check_7_lists_an_attended_ra_initial_with_no_assessment_outcome(caseload, custody, tmp_path):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns.quality import data_quality

    def listed():
        return [
            f.client_refs
            for f in data_quality(caseload.db, parse_quarter("2026-27 Q3"), NOW)
            if "RA initial assessment and no assessment outcome" in f.message
        ]

    client = make_client(caseload, client_ref="RA-7")
    event = custody.add_event(client.id, positive())
    ra1 = custody.book_stage(client.id, datetime(2026, 11, 16, 10, 0))
    assert listed() == []  # booked, not yet attended
    caseload.update_session(ra1.id, {"status": "attended_left_early", "dna_reason": "left"})
    assert listed() == []  # did not remain: not assessed
    caseload.update_session(ra1.id, {"status": "attended"})
    assert listed() == [["RA-7"]]
    custody.update_event(event.id, {"assessment_outcome": "brief_intervention"})
    assert listed() == []


def test_cjcase_check_shows_check_7_as_a_note_and_exits_0(tmp_path, clock):
    from cjcase.services.caseload import Caseload
    from cjcase.services.caseload_file import open_caseload
    from tests.helpers import run_cjcase

    path = tmp_path / "c.db"
    db = open_caseload(path)
    caseload = Caseload(db, clock)
    client = make_client(caseload, client_ref="RA-8")
    Custody(caseload).add_event(client.id, positive())
    Custody(caseload).book_stage(client.id, datetime(2026, 11, 16, 10, 0), status="attended")
    db.close()
    result = run_cjcase("--db", str(path), "check")
    assert result.returncode == 0, result.stderr
    assert "1 custody event with an attended RA initial assessment and no assessment outcome" in result.stdout
    assert "(RA-8)" in result.stdout


def test_an_event_belongs_to_the_episode_open_on_its_arrest_or_one_referred_within_28_days(caseload, custody):
    client = make_client(caseload)
    event = custody.add_event(client.id, positive())
    assert custody.episode_of(event) is None  # the client's alone
    later = make_episode(caseload, client.id, referral_date=date(2026, 12, 13))
    assert custody.episode_of(event) is None  # 29 days after the arrest
    caseload.update_episode(later.id, {"referral_date": date(2026, 12, 12)})
    assert custody.episode_of(event).id == later.id  # 28 days: a referral just after the arrest
    earlier = make_episode(
        caseload,
        client.id,
        referral_date=date(2026, 10, 1),
        discharge_date=date(2026, 11, 14),
        discharge_reason="dropped_out",
    )
    assert custody.episode_of(event).id == earlier.id  # open on the day of the arrest


def test_cjcase_check_finds_an_arrest_of_someone_under_18_and_a_stage_without_its_event(caseload, custody, db):
    client = make_client(caseload, date_of_birth=date(2008, 2, 29))
    event = custody.add_event(
        client.id,
        positive(
            arrested_at=datetime(2026, 3, 1, 1, 0),
            test_at=None,
            offence=None,
            test_result="not_tested",
            substances_positive=None,
            ra_imposed="no",
        ),
    )
    assert check(db) == []  # 18 on 1 March in a year with no 29 February
    db.execute("UPDATE custody_events SET arrested_at = '2026-02-28 23:00' WHERE id = ?", [event.id])
    other = make_client(caseload, client_ref="T-2")
    custody.add_event(other.id, positive())
    custody.book_stage(other.id, datetime(2026, 11, 16, 10, 0))
    db.execute("UPDATE custody_events SET ra_imposed = 'no' WHERE client_id = ?", [other.id])
    found = check(db)
    assert any(p.startswith(f"custody_events row {event.id}: arrested_at: the client was under 18") for p in found)
    assert any("requirement: ra_initial needs a custody event with ra_imposed yes" in p for p in found)
