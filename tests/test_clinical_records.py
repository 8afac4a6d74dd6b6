"""Interventions, deaths and safeguarding concerns (DOMAIN.md): the services, the agenda, the
imports (in DOMAIN.md's file order, deaths checked against everything else) and the terminal."""

from datetime import date, datetime, timedelta

import pytest
from textual.widgets import Input, Select, Static

from cjcase.domain.clinical import days_since_release
from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.services.importing.importer import import_path
from cjcase.services.integrity import check
from cjcase.tui.app import make_app
from cjcase.tui.dialogs.death_dialog import DeathDialog
from cjcase.tui.dialogs.intervention_dialog import InterventionDialog
from tests.helpers import SAMPLE_TODAY, make_client, make_episode, settle, wait_until

NOW = datetime(2026, 11, 20, 12, 0)
CLIENTS = "client_ref,first_name,last_name,date_of_birth,sex,ethnicity\nD-1,Dee,Ash,1980-01-01,female,A\n"


# ------------------------------------------------------------------ interventions


def test_interventions_are_logged_audited_counted_and_on_the_timeline(caseload, db):
    from cjcase.services import agenda

    client = make_client(caseload)
    interventions = caseload.interventions
    interventions.add(client.id, {"kind": "naloxone_issued", "date": date(2026, 11, 1)})
    interventions.add(client.id, {"kind": "naloxone_issued", "date": date(2026, 11, 19)})
    test = interventions.add(client.id, {"kind": "hcv_test", "date": date(2026, 11, 19)})
    assert interventions.counts(client.id) == {"naloxone_issued": 2, "hcv_test": 1}
    assert [a.entity for a in caseload.audit_trail(client.id)][:3] == ["intervention"] * 3
    assert ("intervention", "Hepatitis C test") in {(i.kind, i.summary) for i in agenda.timeline(db, client.id)}
    with pytest.raises(ValidationError) as error:
        interventions.add(client.id, {"kind": "other", "date": date(2026, 11, 19)})
    assert error.value.field == "notes"
    with pytest.raises(ValidationError, match="after today"):
        interventions.add(client.id, {"kind": "hiv_test", "date": date(2026, 11, 21)})
    with pytest.raises(ValidationError, match="already has"):
        interventions.add(client.id, {"kind": "hcv_test", "date": date(2026, 11, 19)})
    interventions.delete(test.id)
    assert interventions.counts(client.id) == {"naloxone_issued": 2}


# ------------------------------------------------------------------ deaths


def test_recording_a_death_discharges_cancels_and_closes_the_client_for_the_agenda(caseload, db):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 2))
    caseload.add_session(client.id, {"when": datetime(2026, 9, 1, 10), "kind": "keywork", "status": "attended"})
    later = caseload.add_session(
        client.id, {"when": datetime(2026, 11, 25, 10), "kind": "keywork", "status": "scheduled"}
    )
    # Before: not seen for 28 days, on the action list.
    assert any(a.kind == "no_contact" and a.client_id == client.id for a in caseload.actions(NOW))
    recorded = caseload.deaths.record(client.id, {"date_of_death": date(2026, 11, 10), "drug_related_suspected": "yes"})
    assert recorded.discharged_episode_id == episode.id and recorded.cancelled_sessions == 1
    episode = caseload.get_episode(episode.id)
    assert (episode.discharge_date, episode.discharge_reason) == (date(2026, 11, 10), "died")
    assert caseload.get_session(later.id).status == "cancelled_service"
    assert not [a for a in caseload.actions(NOW) if a.client_id == client.id]
    assert caseload.get_client(client.id).first_name == "Jo"  # the record is kept
    assert {a.entity for a in caseload.audit_trail(client.id)} >= {"death", "episode", "session"}
    assert check(db) == []
    with pytest.raises(ValidationError, match="already recorded"):
        caseload.deaths.record(client.id, {"date_of_death": date(2026, 11, 10), "drug_related_suspected": "no"})


def test_a_death_is_refused_before_a_later_attended_appointment_or_birth_or_in_the_future(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1))
    caseload.add_session(client.id, {"when": datetime(2026, 11, 12, 10), "kind": "keywork", "status": "attended"})
    for died, words in (
        (date(2026, 11, 10), "attended appointment on 12/11/2026"),
        (date(1979, 1, 1), "before the date of birth"),
        (date(2026, 11, 21), "after today"),
    ):
        with pytest.raises(ValidationError, match=words) as error:
            caseload.deaths.record(client.id, {"date_of_death": died, "drug_related_suspected": "not_known"})
        assert error.value.field == "date_of_death"
    # A letter sent afterwards is no sign of life: only appointments count.
    caseload.deaths.record(client.id, {"date_of_death": date(2026, 11, 12), "drug_related_suspected": "not_known"})


def test_days_since_the_last_release_on_or_before_the_death(caseload):
    assert days_since_release(date(2026, 3, 10), [date(2026, 3, 1), date(2025, 1, 1), date(2026, 4, 1)]) == 9
    assert days_since_release(date(2026, 3, 10), [date(2026, 4, 1)]) is None
    client = make_client(caseload, prison="HMP Leeds")
    caseload.releases.add(
        client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 10, 30), "actual_date": date(2026, 10, 30)}
    )
    death = caseload.deaths.record(
        client.id, {"date_of_death": date(2026, 11, 9), "drug_related_suspected": "yes"}
    ).death
    assert caseload.deaths.days_since_release(death) == 10


# ------------------------------------------------------------------ safeguarding


def test_safeguarding_concerns_open_close_and_the_agenda_action_after_28_days_without_update(caseload):
    client = make_client(caseload)
    concern = caseload.safeguarding.add(
        client.id, {"raised_date": date(2026, 10, 1), "raised_with": "Leeds MASH", "category": "child"}
    )
    assert caseload.safeguarding.open_concerns(client.id) == [concern]
    # Raised today (in the program): its update is today; 29 days later it is an action.
    assert not [a for a in caseload.actions(NOW) if a.kind == "safeguarding_no_update"]
    later = datetime.combine(SAMPLE_TODAY + timedelta(days=29), datetime.min.time())
    stale = [a for a in caseload.actions(later) if a.kind == "safeguarding_no_update"]
    assert [a.reason for a in stale] == [
        "Safeguarding concern (child, raised with Leeds MASH) open, no update since 20 Nov"
    ]
    with pytest.raises(ValidationError) as error:
        caseload.safeguarding.update(concern.id, {"closed_date": date(2026, 11, 1)})
    assert error.value.field == "outcome"
    with pytest.raises(ValidationError) as error:
        caseload.safeguarding.close(concern.id, "Seen", date(2026, 9, 1))
    assert error.value.field == "closed_date"
    closed = caseload.safeguarding.close(concern.id, "Child protection plan agreed")
    assert not closed.is_open and closed.closed_date == SAMPLE_TODAY


# ------------------------------------------------------------------ imports


def write(folder, **files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_the_three_files_import_in_order_and_re_import_by_key(db, tmp_path, caseload):
    folder = write(
        tmp_path / "in",
        clients=CLIENTS,
        episodes="client_ref,referral_date,referral_source,pathway,primary_substance,discharge_date,discharge_reason\n"
        "D-1,2026-01-05,self,community,heroin,2026-03-02,died\n",
        sessions="client_ref,when,kind,status\nD-1,2026-03-01 10:00,keywork,attended\n",
        interventions="client_ref,kind,date,notes\nD-1,naloxone_issued,2026-02-01,\nD-1,other,2026-02-02,Foil packs\n",
        safeguarding="client_ref,raised_date,raised_with,category,outcome,closed_date,notes\n"
        "D-1,2026-01-20,Adult social care,adult,Care package,2026-02-20,\nD-1,2026-02-25,Police,exploitation,,,County lines\n",
        deaths="client_ref,date_of_death,drug_related_suspected,notes\nD-1,2026-03-02,yes,\n",
    )
    report = import_path(db, folder, SAMPLE_TODAY)
    assert (
        report.counts["interventions"].created,
        report.counts["safeguarding"].created,
        report.counts["deaths"].created,
    ) == (2, 2, 1)
    client = caseload.client_by_ref("D-1")
    assert caseload.deaths.of_client(client.id).drug_related_suspected == "yes"
    assert [c.is_open for c in caseload.safeguarding.of_client(client.id)] == [True, False]
    assert check(db) == []
    report = import_path(db, folder, SAMPLE_TODAY)  # the same again changes nothing
    assert report.changed == 0


def test_a_death_with_a_later_attended_session_is_refused_on_deaths_csv(db, tmp_path):
    folder = write(
        tmp_path / "in",
        clients=CLIENTS + "D-2,Eve,Bay,1980-01-01,female,A\nD-3,Fay,Cole,1980-01-01,female,A\n",
        episodes="client_ref,referral_date,referral_source,pathway,primary_substance,discharge_date,discharge_reason\n"
        "D-1,2026-01-05,self,community,heroin,2026-03-02,died\n"
        "D-2,2026-01-05,self,community,heroin,,\n"
        "D-3,2026-01-05,self,community,heroin,2026-03-02,died\n",
        sessions="client_ref,when,kind,status\nD-1,2026-03-09 10:00,keywork,attended\n",
        interventions="client_ref,kind,date,notes\nD-3,hiv_test,2026-03-03,\n",
        deaths="client_ref,date_of_death,drug_related_suspected,notes\n"
        "D-1,2026-03-02,yes,\nD-2,2026-03-02,no,\nD-3,2026-03-02,not_known,\nD-3,2026-03-02,no,\n",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, folder, SAMPLE_TODAY)
    assert [str(p) for p in rejected.value.problems] == [
        "deaths.csv:5: client_ref: the same client_ref is on line 4 already",
        "deaths.csv:2: date_of_death: the client has an attended appointment on 09/03/2026, after the date of death",
        "deaths.csv:3: date_of_death: the episode referred on 05/01/2026 is open on the date of death: "
        "it needs discharge_date 2026-03-02 and discharge_reason died",
        "deaths.csv:4: date_of_death: the client has an intervention on 03/03/2026, after the date of death",
    ]
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 0  # all or nothing


def test_the_import_rules_of_interventions_and_safeguarding(db, tmp_path):
    folder = write(
        tmp_path / "in",
        clients=CLIENTS,
        interventions="client_ref,kind,date,notes\nD-1,other,2026-02-02,\nD-1,naloxone_issued,2026-11-21,\nD-1,kit,2026-02-02,\n",
        safeguarding="client_ref,raised_date,raised_with,category,outcome,closed_date\n"
        "D-1,2026-01-20,MASH,child,,2026-02-01\nD-1,2026-01-21,MASH,adult,Done,2026-01-01\nD-1,2026-01-22,,adult,,\n",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, folder, SAMPLE_TODAY)
    assert [str(p) for p in rejected.value.problems] == [
        "interventions.csv:4: kind: 'kit' is not a kind code: use one of naloxone_issued, naloxone_training, "
        "hcv_test, hbv_vaccination, hiv_test, overdose_plan, other",
        "interventions.csv:2: notes: an 'other' intervention needs notes saying what it was",
        "interventions.csv:3: date: the intervention date is after today: record it once it has happened",
        "safeguarding.csv:4: raised_with: the raised with is required",
        "safeguarding.csv:2: outcome: the outcome is needed to close the concern",
        "safeguarding.csv:3: closed_date: the closed date is before the date the concern was raised",
    ]


# ------------------------------------------------------------------ the terminal


async def test_one_key_logs_a_naloxone_kit_and_the_death_form_closes_the_record(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 2))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("N")
        await wait_until(pilot, lambda: isinstance(app.screen, InterventionDialog))
        await settle(pilot)
        await pilot.press("enter", "down", "enter", "ctrl+s")  # the first kind in the list, today's date
        await wait_until(pilot, lambda: not isinstance(app.screen, InterventionDialog))
        assert caseload.interventions.counts(client.id) == {"naloxone_issued": 1}
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeathDialog))
        await settle(pilot)
        app.screen.query_one("#field-date_of_death", Input).value = "18/11/2026"
        app.screen.query_one("#field-drug_related_suspected", Select).value = "yes"
        await pilot.press("ctrl+s")  # refused: the kit was given today, after that date
        await settle(pilot)
        error = str(app.screen.query_one("#error-date_of_death", Static).render())
        assert "intervention on 20/11/2026, after that date" in error
        app.screen.query_one("#field-date_of_death", Input).value = "20/11/2026"
        app.screen.query_one("#field-drug_related_suspected", Select).value = "yes"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, DeathDialog))
        await settle(pilot)
        header = str(app.screen.query_one("#client-header", Static).render())
        assert "DIED Fri 20 Nov 2026 · drug-related suspected: yes" in header
        assert caseload.open_episode(client.id) is None


# ------------------------------------------------------------------ the data-quality notes and the demo


def test_data_quality_notes_12_14_15_and_the_death_part_of_5(caseload, db):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns import quality

    q3 = parse_quarter("2026-27 Q3")
    asked = make_client(caseload, client_ref="N-ASKED")
    make_episode(caseload, asked.id, referral_date=date(2026, 10, 1), consent_to_ndtms="no")
    unasked = make_client(caseload, client_ref="N-12")
    make_episode(caseload, unasked.id, referral_date=date(2026, 10, 1))
    occasional = make_client(caseload, client_ref="N-14")
    episode = make_episode(caseload, occasional.id, referral_date=date(2025, 1, 1), start_date=date(2025, 1, 2))
    db.execute(
        "UPDATE episodes SET discharge_date = ?, discharge_reason = ? WHERE id = ?",
        ["2025-06-01", "completed_occasional_user", episode.id],
    )  # historic, as imported
    died = make_client(caseload, client_ref="N-15")
    make_episode(
        caseload, died.id, referral_date=date(2025, 1, 1), discharge_date=date(2025, 2, 1), discharge_reason="died"
    )
    released = make_client(caseload, client_ref="N-5", prison="HMP Leeds")
    caseload.releases.add(
        released.id,
        {
            "prison": "HMP Leeds",
            "expected_date": date(2026, 10, 1),
            "actual_date": date(2026, 10, 1),
            "coc_exclusion": "died",
        },
    )
    window = make_client(caseload, client_ref="N-5b", prison="HMP Leeds")
    caseload.releases.add(
        window.id, {"prison": "HMP Leeds", "expected_date": date(2026, 10, 1), "actual_date": date(2026, 10, 1)}
    )
    caseload.deaths.record(window.id, {"date_of_death": date(2026, 10, 9), "drug_related_suspected": "yes"})
    found = {n.message.split(" ", 1)[1]: n.client_refs for n in quality.notes(db, q3, NOW)}
    assert found["release excluded as died with no death record: record the death (D on the record)"] == ["N-5"]
    assert found[
        "death inside the three-week window of a release not engaged, with no exclusion: record the exclusion `died` on the release"
    ] == ["N-5b"]
    assert found["episode open in the period with consent to NDTMS not asked yet (E on the record)"] == ["N-12"]
    assert found[
        "episode discharged as an occasional-user completion with opiates or crack among the substances: check the reason or the substances"
    ] == ["N-14"]
    assert found["episode discharged as died with no death record: record the death (D on the record)"] == ["N-15"]


def test_the_demo_writes_the_clinical_record_clean(db):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns import quality
    from cjcase.services import demo

    today = date(2026, 11, 23)
    demo.generate(db, today, clients=600, seed=7)
    assert (
        db.execute("SELECT count(*) FROM episodes WHERE consent_to_ndtms IS NULL OR route IS NULL").fetchone()[0] == 0
    )
    assert db.execute("SELECT count(*) FROM deaths").fetchone()[0] >= 3
    assert {r[0] for r in db.execute("SELECT drug_related_suspected FROM deaths")} >= {"yes", "not_known"}
    assert db.execute(
        "SELECT count(*) FROM deaths d JOIN releases r ON r.client_id = d.client_id "
        "WHERE d.date_of_death BETWEEN r.actual_date AND date(r.actual_date, '+56 days')"
    ).fetchone()[0]
    assert {r[0] for r in db.execute("SELECT closed_date IS NULL FROM safeguarding")} == {0, 1}
    assert db.execute("SELECT count(DISTINCT kind) FROM interventions").fetchone()[0] == 7
    quick = db.execute(
        "SELECT sum(sex IS NOT NULL AND ethnicity IS NOT NULL), sum(ethnicity IS NULL) FROM clients WHERE quick_referral = 'yes'"
    ).fetchone()
    assert quick[0] > 0 and quick[1] > 0  # most completed later, some still to ask
    assert check(db) == []
    clinical = [n.message for n in quality.notes(db, parse_quarter("2026-27 Q3"), datetime(2026, 11, 23, 12))]
    assert not [m for m in clinical if "death" in m or "occasional" in m or "NDTMS" in m or "died" in m]


def test_nothing_showing_the_client_alive_is_entered_after_a_recorded_death_and_check_finds_it(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 2))
    caseload.deaths.record(client.id, {"date_of_death": date(2026, 10, 1), "drug_related_suspected": "no"})
    attempts = (
        (
            "when",
            lambda: caseload.add_session(
                client.id, {"when": datetime(2026, 10, 2, 10), "kind": "keywork", "status": "attended"}
            ),
        ),
        ("referral_date", lambda: make_episode(caseload, client.id, referral_date=date(2026, 10, 5))),
        ("date", lambda: caseload.interventions.add(client.id, {"kind": "hcv_test", "date": date(2026, 10, 2)})),
    )
    for field, attempt in attempts:
        with pytest.raises(ValidationError, match="died on 01/10/2026") as error:
            attempt()
        assert error.value.field == field
    # A letter or a DNA after the death is no sign of life (in an import: the program enters neither).
    db.table("sessions").insert(
        {"client_id": client.id, "starts_at": "2026-10-02 10:00", "kind": "keywork", "status": "dna"}
    )
    assert check(db) == []
    db.execute("UPDATE sessions SET status = 'attended' WHERE starts_at = '2026-10-02 10:00'")
    assert check(db) == ["deaths row 1: the client has an attended appointment on 02/10/2026, after the date of death."]


def test_a_death_recorded_today_cancels_the_booking_later_that_same_day(caseload, clock):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 2))
    today = clock.today()
    later_today = caseload.add_session(
        client.id,
        {
            "when": datetime.combine(today, datetime.min.time()).replace(hour=15),
            "kind": "keywork",
            "status": "scheduled",
        },
    )
    tomorrow = caseload.add_session(
        client.id,
        {"when": datetime.combine(today + timedelta(days=1), datetime.min.time()).replace(hour=10)}
        | {"kind": "keywork", "status": "scheduled"},
    )
    recorded = caseload.deaths.record(client.id, {"date_of_death": today, "drug_related_suspected": "not_known"})
    assert recorded.cancelled_sessions == 2
    assert caseload.get_session(later_today.id).status == "cancelled_service"
    assert caseload.get_session(tomorrow.id).status == "cancelled_service"


def test_after_a_death_the_program_books_no_session_hearing_or_custody_event_after_it(caseload, db):
    from cjcase.services import names
    from cjcase.services.custody import Custody

    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 2))
    caseload.deaths.record(client.id, {"date_of_death": date(2026, 11, 10), "drug_related_suspected": "no"})
    custody = Custody(caseload)
    names.add_name(db, "court", "Leeds")
    arrest = {
        "arrested_at": datetime(2026, 11, 14, 1, 30),
        "custody_suite": "Elland Road",
        "offence": "trigger",
        "test_at": datetime(2026, 11, 14, 3, 0),
        "test_result": "positive",
        "substances_positive": "opiates;cocaine",
        "ra_imposed": "yes",
    }
    hearing = {"when": datetime(2026, 11, 30, 10), "court": "Leeds", "hearing_type": "sentencing"}
    attempts = (
        (
            "when",
            lambda: caseload.add_session(
                client.id, {"when": datetime(2026, 11, 25, 10), "kind": "keywork", "status": "scheduled"}
            ),
        ),
        (
            "when",
            lambda: caseload.add_session(
                client.id, {"when": datetime(2026, 11, 11, 9), "kind": "letter", "status": "attended"}
            ),
        ),
        ("when", lambda: caseload.add_court_date(client.id, hearing)),
        ("arrested_at", lambda: custody.add_event(client.id, arrest)),
        ("arrested_at", lambda: custody.new_arrest_referral(client.id, arrest, datetime(2026, 11, 16, 10))),
    )
    before = db.table("audit").count
    for field, attempt in attempts:
        with pytest.raises(ValidationError, match="died on 10/11/2026") as error:
            attempt()
        assert error.value.field == field
    assert db.table("audit").count == before
    # Up to the day of death the record can still be completed.
    caseload.add_session(client.id, {"when": datetime(2026, 11, 10, 9), "kind": "keywork", "status": "attended"})


def _dead_and_living_with_bookings_hearings_and_goals(caseload, db):
    from cjcase.services import names

    names.add_name(db, "court", "Leeds")
    made = {}
    for who, ref in (("dead", "D-9"), ("alive", "A-9")):
        client = make_client(caseload, client_ref=ref, first_name=who.capitalize())
        make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 2))
        caseload.add_session(client.id, {"when": datetime(2026, 11, 20, 15), "kind": "keywork", "status": "scheduled"})
        caseload.add_session(client.id, {"when": datetime(2026, 11, 24, 10), "kind": "keywork", "status": "scheduled"})
        caseload.add_court_date(
            client.id, {"when": datetime(2026, 11, 26, 10), "court": "Leeds", "hearing_type": "sentencing"}
        )
        caseload.add_goal(
            client.id,
            {
                "domain": "housing",
                "description": "Find a flat",
                "set_date": date(2026, 10, 1),
                "review_date": date(2026, 11, 27),
                "status": "open",
            },
        )
        made[who] = client
    cancelled = caseload.add_session(
        made["alive"].id, {"when": datetime(2026, 11, 25, 10), "kind": "keywork", "status": "scheduled"}
    )
    caseload.update_session(cancelled.id, {"status": "cancelled_client"})
    caseload.deaths.record(made["dead"].id, {"date_of_death": date(2026, 11, 20), "drug_related_suspected": "yes"})
    return made


def test_a_dead_client_has_nothing_forward_looking_on_the_agenda_or_the_court_run_sheet(caseload, db):
    from cjcase.services import agenda

    made = _dead_and_living_with_bookings_hearings_and_goals(caseload, db)
    items = agenda.agenda(db, date(2026, 11, 20), date(2026, 11, 30))
    assert not [i for i in items if i.client_id == made["dead"].id]
    alive = sorted((i.kind, i.summary) for i in items if i.client_id == made["alive"].id)
    assert alive == [
        ("court", "Sentencing hearing at Leeds"),
        ("goal_review", "Goal review due (housing)"),
        ("session", "Keywork (cancelled client)"),
        ("session", "Keywork (scheduled)"),
        ("session", "Keywork (scheduled)"),
    ]
    assert agenda.agenda_count(db, date(2026, 11, 20), date(2026, 11, 30)) == len(items)
    sheet = agenda.court_run_sheet(db, date(2026, 11, 26))
    assert [row["client_ref"] for row in sheet] == ["A-9"]


async def test_the_read_only_record_of_a_dead_client_lists_nothing_coming(caseload, db, clock):
    from cjcase.tui.screens.client_screen import ClientScreen

    made = _dead_and_living_with_bookings_hearings_and_goals(caseload, db)
    app = make_app(db, clock, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for who, shown in (("alive", True), ("dead", False)):
            app.open_client(made[who].id)
            await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
            await settle(pilot)
            coming = str(app.screen.query_one("#contact", Static).render())
            header = str(app.screen.query_one("#client-header", Static).render())
            assert ("hearing at Leeds" in coming) is shown, coming
            assert ("no appointment booked" not in header) is shown, header
            app.pop_screen()
            await settle(pilot)


def test_a_dead_clients_hearing_tomorrow_is_not_in_the_start_up_reminders(caseload, db):
    from cjcase.services import agenda, names

    names.add_name(db, "court", "Leeds")
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 2))
    caseload.add_court_date(client.id, {"when": datetime(2026, 11, 21, 10), "court": "Leeds", "hearing_type": "plea"})
    assert "1 court hearing tomorrow." in agenda.reminders(db, NOW)
    caseload.deaths.record(client.id, {"date_of_death": date(2026, 11, 19), "drug_related_suspected": "no"})
    assert not [r for r in agenda.reminders(db, NOW) if "hearing" in r]


def test_check_5_lists_an_order_ended_by_death_with_no_death_record(caseload, db):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns import quality

    for ref in ("O-1", "O-2"):
        client = make_client(caseload, client_ref=ref)
        db.execute(
            "INSERT INTO orders (client_id, order_type, sentence_date, court, length_months, outcome, outcome_date) "
            "VALUES (?, 'drr', '2026-01-10', 'Leeds Magistrates'' Court', 12, 'died', '2026-09-01')",
            [client.id],
        )
    caseload.deaths.record(
        caseload.client_by_ref("O-2").id, {"date_of_death": date(2026, 9, 1), "drug_related_suspected": "no"}
    )
    found = {n.message: n.client_refs for n in quality.notes(db, parse_quarter("2026-27 Q3"), NOW)}
    assert found["1 order with the outcome died and no death record: record the death (D on the record)"] == ["O-1"]
    # An order event dated after the death shows the client alive: the death is refused.
    first = caseload.client_by_ref("O-1")
    db.execute(
        "INSERT INTO order_events (client_id, sentence_date, kind, event_date) VALUES (?, '2026-01-10', 'warning', '2026-08-20')",
        [first.id],
    )
    with pytest.raises(ValidationError, match="an order event on 20/08/2026"):
        caseload.deaths.record(first.id, {"date_of_death": date(2026, 8, 1), "drug_related_suspected": "no"})
