"""Keeping people engaged: checklist, peer mentors, information sharing, reportable absences."""

import csv
from datetime import date, datetime

import pytest
from textual.widgets import Select, Static

from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.domain.timeslots import parse_slots
from cjcase.services import agenda, settings
from cjcase.services.engagement import Engagement
from cjcase.services.importing.importer import import_path
from cjcase.tui.app import make_app
from cjcase.tui.dialogs.session_dialog import SessionDialog
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import SAMPLE_TODAY, make_client, make_episode, settle

NOW = datetime(2026, 11, 20, 12, 0)  # a Friday


def reasons(db, now=NOW):
    return [a.reason for a in agenda.actions(db, now)]


@pytest.fixture
def on_drr(caseload):
    client = make_client(caseload)
    make_episode(
        caseload,
        client.id,
        referral_date=date(2026, 9, 1),
        start_date=date(2026, 9, 2),
        pathway="drr",
        referral_source="probation",
        legal_requirement="drr",
    )
    caseload.add_session(client.id, {"when": datetime(2026, 11, 19, 10, 0), "kind": "keywork", "status": "attended"})
    return client


def test_a_dna_on_a_drr_raises_notify_probation_until_the_notification_is_recorded(caseload, db, on_drr):
    session = caseload.add_session(
        on_drr.id, {"when": datetime(2026, 11, 20, 9, 0), "kind": "keywork", "status": "scheduled"}
    )
    engagement = Engagement(caseload)
    with pytest.raises(ValidationError) as error:
        engagement.record_dna(session.id, "")
    assert error.value.field == "dna_reason"
    engagement.record_dna(session.id, "Bus did not turn up")
    assert "Notify probation today: DRR DNA 20 Nov 09:00" in reasons(db)
    engagement.record_dna(session.id, "Bus did not turn up", notified_at=datetime(2026, 11, 20, 11, 30))
    assert not any(r.startswith("Notify") for r in reasons(db))


def test_every_way_of_entering_a_reportable_dna_is_refused_without_its_reason(caseload, db, on_drr):
    when = {"when": datetime(2026, 11, 20, 9, 0), "kind": "keywork"}
    session = caseload.add_session(on_drr.id, {**when, "status": "scheduled"})
    attempts = (
        lambda: caseload.set_session_status(session.id, "dna"),
        lambda: caseload.update_session(session.id, {"status": "dna", "dna_reason": " "}),
        lambda: caseload.update_session_and_book(session.id, {"status": "dna"}),
        lambda: caseload.add_session(on_drr.id, {**when, "kind": "group", "status": "dna"}),
        lambda: caseload.log_session(on_drr.id, {**when, "kind": "group", "status": "dna"}),
    )
    for attempt in attempts:
        with pytest.raises(ValidationError, match="on a DRR requirement: say why they missed it, for probation"):
            attempt()
    assert [s.status for s in caseload.sessions(on_drr.id)] == ["scheduled", "attended"]
    caseload.update_session(session.id, {"status": "dna", "dna_reason": "In hospital"})
    caseload.update_session(session.id, {"notes": "Rang the ward"})  # a later edit is not a new DNA
    assert caseload.requirement_on(on_drr.id, date(2026, 11, 20)) == ("drr", "probation")


def test_the_agency_told_of_an_absence_is_the_episodes_own_else_the_requirements():
    from cjcase.domain.codes import agency_to_notify

    assert agency_to_notify("rob") == "police" and agency_to_notify("drr") == "probation"
    assert agency_to_notify("drr", "IOM police team") == "IOM police team"


async def test_d_on_the_record_opens_the_form_for_a_reportable_dna(db, clock, caseload, on_drr):
    session = caseload.add_session(
        on_drr.id, {"when": datetime(2026, 11, 20, 9, 0), "kind": "keywork", "status": "scheduled"}
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(on_drr.id)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, SessionDialog)
        assert app.screen.query_one("#field-status", Select).value == "dna"
        assert caseload.get_session(session.id).status == "scheduled"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "say why" in str(app.screen.query_one("#error-dna_reason", Static).render())
        app.screen.query_one("#field-dna_reason").value = "In hospital"
        app.screen.query_one("#field-notified_at").value = "today 11:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        stored = caseload.get_session(session.id)
        assert (stored.status, stored.dna_reason, stored.notified_at) == (
            "dna",
            "In hospital",
            datetime(2026, 11, 20, 11, 0),
        )


def test_a_dna_without_a_legal_requirement_needs_no_notification(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 9, 1))
    session = caseload.add_session(
        client.id, {"when": datetime(2026, 11, 20, 9, 0), "kind": "keywork", "status": "scheduled"}
    )
    Engagement(caseload).record_dna(session.id, None)
    assert not any(r.startswith("Notify") for r in reasons(db))


def test_timeslots_are_read_and_bad_ones_explained():
    slot = parse_slots("mon-fri 08:30-09:30; wed 14:00-16:00")
    assert str(slot[0]) == "Mon-Fri 08:30-09:30" and str(slot[1]) == "Wed 14:00-16:00"
    assert slot[0].covers(datetime(2026, 11, 20, 9, 0)) and not slot[0].covers(datetime(2026, 11, 21, 9, 0))
    with pytest.raises(ValidationError, match="mon-fri 08:30-09:30"):
        parse_slots("school run")


def test_the_checklist_flags_a_clashing_booking(caseload):
    client = make_client(caseload)
    engagement = Engagement(caseload)
    engagement.set_barrier(client.id, "appointment_timing", "Methadone pick-up", "Book after 11", "mon-fri 08:30-10:30")
    assert engagement.clashes(client.id, datetime(2026, 11, 24, 9, 0)) == [
        "Mon-Fri 08:30-10:30 does not work (Methadone pick-up)"
    ]
    assert engagement.clashes(client.id, datetime(2026, 11, 24, 11, 0)) == []


async def test_booking_at_a_time_the_checklist_rules_out_warns_before_saving(db, clock, caseload):
    client = make_client(caseload)
    Engagement(caseload).set_barrier(client.id, "appointment_timing", "School run", None, "mon-fri 08:00-09:30")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("l")
        app.screen.query_one("#field-next_when").value = "tue 9am"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionDialog)
        assert "does not work (School run)" in str(app.screen.query_one("#error-next_when", Static).render())
        assert db.table("sessions").count == 0
        await pilot.press("ctrl+s")  # booked anyway, having been warned
        await settle(pilot)
        assert db.table("sessions").count == 2


async def test_the_dna_follow_up_shows_the_checklist(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 9, 1))
    caseload.add_session(client.id, {"when": datetime(2026, 11, 3, 10, 0), "kind": "keywork", "status": "attended"})
    for day in (10, 17):
        caseload.add_session(client.id, {"when": datetime(2026, 11, day, 10, 0), "kind": "keywork", "status": "dna"})
    Engagement(caseload).set_barrier(client.id, "travel", "No bus fare", "Bus pass from the hub")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#actions", RowTable).focus()
        await pilot.press("f")
        await settle(pilot)
        shown = str(app.screen.query_one("#form-error", Static).render())
        assert "No bus fare" in shown and "Bus pass from the hub" in shown


async def test_marking_a_reportable_dna_from_the_agenda_asks_why_and_when_notified(db, clock, caseload, on_drr):
    session = caseload.add_session(
        on_drr.id, {"when": datetime(2026, 11, 20, 9, 0), "kind": "keywork", "status": "scheduled"}
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#actions", RowTable).focus()
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, SessionDialog)
        assert app.screen.query_one("#field-status", Select).value == "dna"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "say why" in str(app.screen.query_one("#error-dna_reason", Static).render())
        app.screen.query_one("#field-dna_reason").value = "In hospital"
        app.screen.query_one("#field-notified_at").value = "today 11:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        stored = caseload.get_session(session.id)
        assert (stored.status, stored.dna_reason, stored.notified_at) == (
            "dna",
            "In hospital",
            datetime(2026, 11, 20, 11, 0),
        )


def test_a_peer_mentors_filter_lists_only_their_appointments(caseload, db):
    settings.set_value(db, "peer_mentors", "Dee Mentor; Sam Guide")
    client = make_client(caseload)
    caseload.add_session(
        client.id,
        {
            "when": datetime(2026, 11, 23, 8, 0),
            "kind": "gate_pickup",
            "status": "scheduled",
            "peer_mentor": "Dee Mentor",
            "staff": "Priya Shah",
        },
    )
    caseload.add_session(client.id, {"when": datetime(2026, 11, 24, 10, 0), "kind": "keywork", "status": "scheduled"})
    everything = agenda.agenda(db, date(2026, 11, 20), date(2026, 11, 30))
    assert "with peer mentor Dee Mentor" in everything[0].summary
    mine = agenda.agenda(db, date(2026, 11, 20), date(2026, 11, 30), peer_mentor="Dee Mentor")
    assert [i.at for i in mine] == [datetime(2026, 11, 23, 8, 0)]
    assert agenda.agenda(db, date(2026, 11, 20), date(2026, 11, 30), peer_mentor="Sam Guide") == []
    assert settings.peer_mentors(db) == ["Dee Mentor", "Sam Guide"]


def test_an_expired_consent_appears_the_day_after_expiry_and_not_before(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 9, 1))
    caseload.add_session(client.id, {"when": datetime(2026, 11, 19, 10, 0), "kind": "keywork", "status": "attended"})
    engagement = Engagement(caseload)
    engagement.add_consent(
        client.id,
        {"agency": "GP", "purpose": "Prescribing", "given_date": date(2026, 9, 1), "expires_date": date(2026, 11, 20)},
    )
    engagement.add_consent(
        client.id,
        {
            "agency": "probation",
            "purpose": "DRR attendance",
            "lawful_basis": "court_order",
            "given_date": date(2026, 9, 1),
            "expires_date": date(2026, 10, 1),
        },
    )
    assert not any("Consent" in r for r in reasons(db, datetime(2026, 11, 20, 23, 0)))
    assert "Consent to share with GP expired 20 Nov" in reasons(db, datetime(2026, 11, 21, 8, 0))
    assert not any("probation" in r for r in reasons(db, datetime(2026, 11, 21, 8, 0)))  # statutory basis


def test_a_withdrawn_consent_appears_and_the_disclosure_log_keeps_its_entries(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 9, 1))
    engagement = Engagement(caseload)
    consent = engagement.add_consent(
        client.id, {"agency": "housing", "purpose": "Tenancy", "given_date": date(2026, 9, 1)}
    )
    engagement.withdraw_consent(consent.id, date(2026, 11, 18))
    assert "Consent to share with housing withdrawn 18 Nov" in reasons(db)
    engagement.record_disclosure(
        client.id, date(2026, 11, 2), "probation", "Attendance on DRR", "court_order", "Priya Shah"
    )
    assert [(d.to_whom, d.basis) for d in engagement.disclosures(client.id)] == [("probation", "court_order")]
    with pytest.raises(ValidationError):
        engagement.record_disclosure(client.id, date(2026, 11, 2), "probation", "", "consent", "Priya")


def test_consents_round_trip_through_import(db, sample_copy):
    with open(sample_copy / "consents.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["client_ref", "agency", "purpose", "given_date", "expires_date", "withdrawn_date"])
        writer.writerow(["CJ-17429", "probation", "Drug test results", "2026-06-15", "15/12/2026", ""])
        writer.writerow(["CJ-17429", "GP", "Prescribing", "2026-06-15", "", "2026-10-01"])
    report = import_path(db, sample_copy, SAMPLE_TODAY)
    assert report.counts["consents"].created == 2
    assert import_path(db, sample_copy, SAMPLE_TODAY).counts["consents"].unchanged == 2
    rows = list(db.query("SELECT agency, lawful_basis, expires_date, withdrawn_date FROM consents ORDER BY agency"))
    assert rows == [
        {"agency": "GP", "lawful_basis": "consent", "expires_date": None, "withdrawn_date": "2026-10-01"},
        {"agency": "probation", "lawful_basis": "consent", "expires_date": "2026-12-15", "withdrawn_date": None},
    ]


def test_a_consent_file_with_a_bad_row_is_refused_with_its_line(db, sample_copy):
    with open(sample_copy / "consents.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write(
            "client_ref,agency,purpose,given_date,expires_date,withdrawn_date\n"
            "CJ-17429,GP,Prescribing,2026-06-15,2026-01-01,\n"
        )

    with pytest.raises(ImportRejected) as rejected:
        import_path(db, sample_copy, SAMPLE_TODAY)
    assert any(str(p).startswith("consents.csv:2: expires_date:") for p in rejected.value.problems)


async def test_the_client_record_shows_the_checklist_ledger_and_disclosures(db, clock, caseload):
    client = make_client(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("b")
        app.screen.query_one("#field-barrier", Select).value = "childcare"
        app.screen.query_one("#field-note").value = "Two under fives"
        app.screen.query_one("#field-plan").value = "Creche on Tuesdays"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("i")
        app.screen.query_one("#field-agency").value = "probation"
        app.screen.query_one("#field-purpose").value = "DRR attendance"
        app.screen.query_one("#field-lawful_basis", Select).value = "court_order"
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = str(app.screen.query_one("#engagement", Static).render())
        assert "Childcare: Two under fives → plan: Creche on Tuesdays" in text
        assert "probation: DRR attendance · court order" in text
        assert "shares with probation (court order)" in str(app.screen.query_one("#client-header", Static).render())


async def test_the_agenda_shows_a_peer_mentors_own_list(db, clock, caseload):
    settings.set_value(db, "peer_mentors", "Dee Mentor")
    client = make_client(caseload)
    caseload.add_session(
        client.id,
        {
            "when": datetime(2026, 11, 23, 8, 0),
            "kind": "gate_pickup",
            "status": "scheduled",
            "peer_mentor": "Dee Mentor",
        },
    )
    caseload.add_session(client.id, {"when": datetime(2026, 11, 24, 10, 0), "kind": "keywork", "status": "scheduled"})
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#agenda", RowTable)
        assert table.row_count == 4
        await pilot.press("p")
        await settle(pilot)
        assert app.screen.title.endswith("Dee Mentor's list")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[1][2] == "Gate pickup (scheduled), with peer mentor Dee Mentor" and table.row_count == 2
        await pilot.press("p")
        await settle(pilot)
        assert table.row_count == 4


async def test_a_referral_records_the_legal_requirement_and_who_to_tell(db, clock, caseload):
    client = make_client(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("o")
        for name, value in (
            ("referral_source", "court"),
            ("pathway", "restriction_on_bail"),
            ("primary_substance", "crack"),
            ("legal_requirement", "rob"),
        ):
            app.screen.query_one(f"#field-{name}", Select).value = value
        app.screen.query_one("#field-notify_agency").value = "custody sergeant"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert caseload.open_episode(client.id).pathway == "restriction_on_bail"
        (requirement,) = caseload.requirements_on(client.id, SAMPLE_TODAY)
        assert (requirement.requirement, requirement.start_date, requirement.end_date) == ("rob", SAMPLE_TODAY, None)
        # Free text is a contact; the agency told is the requirement's own.
        assert (requirement.agency, requirement.notify_contact) == ("police", "custody sergeant")
        assert Engagement(caseload).requirement_on(client.id, SAMPLE_TODAY) == ("rob", "police")
