"""Custody and contacts in the terminal, driven through the real app with Pilot: a contact logged
from the record in a few keys, the arrests with their RA stages on the record, RA2."""

from datetime import datetime

from textual.widgets import Static, TabbedContent

from cjcase.services.custody import Custody
from cjcase.tui.app import make_app
from cjcase.tui.dialogs.arrest_referral_dialog import ArrestReferralDialog
from cjcase.tui.dialogs.booking_dialog import BookingDialog
from cjcase.tui.dialogs.contact_dialog import ContactDialog
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import make_client, make_episode, settle, wait_until


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def positive_event(**overrides):
    values = {
        "arrested_at": datetime(2026, 11, 14, 1, 30),
        "custody_suite": "Elland Road",
        "offence": "trigger",
        "test_at": datetime(2026, 11, 14, 3, 0),
        "test_result": "positive",
        "substances_positive": "opiates",
        "ra_imposed": "yes",
    }
    values.update(overrides)
    return values


async def open_record(pilot, client_id) -> None:
    await settle(pilot)
    pilot.app.open_client(client_id)
    await settle(pilot)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientScreen))


async def test_a_contact_is_logged_from_the_record_in_a_few_keys_and_shown_on_the_timeline_only(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, client.id)
        # Every key the worker presses: f, Tab past the kind (a try to reach them is the first), the
        # line of text, ctrl+s; the time is now. (Not timed here: a loaded test machine is no user.)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDialog))
        await pilot.press("tab", *"rang twice, no answer", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        (contact,) = caseload.sessions(client.id)
        assert (contact.kind, contact.status, contact.notes) == (
            "attempted_contact",
            "attended",
            "rang twice, no answer",
        )
        assert contact.starts_at == datetime(2026, 11, 20, 12, 0)
        await settle(pilot)
        assert "Tried to reach the client: rang twice, no answer" in text_of(app, "#timeline")
        app.screen.query_one("#tabs", TabbedContent).active = "sessions-tab"
        await settle(pilot)
        assert app.screen.query_one("#sessions", RowTable).row_count == 0  # not an appointment


async def test_the_record_shows_each_arrest_with_its_ra_stages_in_order_and_ra2_moves_the_booking(db, clock, caseload):
    client = make_client(caseload)
    custody = Custody(caseload)
    custody.add_event(client.id, positive_event())
    custody.book_stage(client.id, datetime(2026, 11, 24, 10, 0))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, client.id)
        shown = text_of(app, "#custody")
        assert "Arrested Sat 14 Nov 2026 01:30 at Elland Road · test positive (opiates)" in shown
        assert shown.index("RA1 Required Assessment imposed") < shown.index("RA initial Tue 24 Nov 2026 10:00")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BookingDialog))
        field = app.screen.query_one("#field-when")
        field.value = "25/11/2026 14:00"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(pilot)
        assert [(s.starts_at.day, s.status, s.requirement) for s in caseload.sessions(client.id)] == [
            (25, "scheduled", "ra_initial"),
            (24, "rearranged", "ra_initial"),
        ]
        await pilot.press("1")
        await settle(pilot)
        shown = text_of(app, "#custody")
        assert shown.index("RA initial Tue 24 Nov 2026 10:00: rearranged") < shown.index(
            "RA initial Wed 25 Nov 2026 14:00: scheduled"
        )


async def test_new_arrest_referral_takes_a_new_person_from_a_positive_test_to_a_booked_ra1(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"arrest referral")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ArrestReferralDialog))
        await wait_until(pilot, lambda: app.screen.takes_keys)
        await pilot.press(
            *"AR-9",
            "tab",
            *"Dean",
            "tab",
            *"Marsh",
            "tab",
            *"01/03/1985",
            "tab",
            *"19/11/2026 01:30",
            "tab",
            *"Elland Road",
            "tab",
            "tab",
            *"19/11/2026 03:10",
            "tab",
            "tab",
            *"mon 10am",
            "ctrl+s",
        )
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(pilot)
        client = caseload.client_by_ref("AR-9")
        assert (client.name, client.quick_referral, client.sex) == ("Dean Marsh", "yes", None)
        (event,) = Custody(caseload).events(client.id)
        assert (event.test_result, event.substances, event.ra_imposed) == ("positive", ["opiates"], "yes")
        (ra1,) = caseload.sessions(client.id)
        assert (ra1.starts_at, ra1.kind, ra1.requirement, ra1.status) == (
            datetime(2026, 11, 23, 10, 0),
            "assessment",
            "ra_initial",
            "scheduled",
        )
        assert caseload.requirement_on(client.id, ra1.starts_at.date()) == ("required_assessment", "police")
        assert "RA initial Mon 23 Nov 2026 10:00: scheduled" in text_of(app, "#custody")


async def test_an_existing_reference_needs_no_name_and_a_new_one_asks_for_it(db, clock, caseload):
    known = make_client(caseload, client_ref="K-1")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.run_action("new_arrest_referral")
        await wait_until(pilot, lambda: isinstance(app.screen, ArrestReferralDialog))
        await wait_until(pilot, lambda: app.screen.takes_keys)
        app.screen.query_one("#field-client_ref").value = "NEW-1"
        app.screen.query_one("#field-custody_suite").value = "Elland Road"
        app.screen.query_one("#field-ra1_at").value = "mon 10am"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "NEW-1 is a new client" in str(app.screen.query_one("#error-first_name", Static).render())
        app.screen.query_one("#field-client_ref").value = "K-1"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        assert [s.requirement for s in caseload.sessions(known.id)] == ["ra_initial"]


async def test_ra1_left_early_asks_why_and_notify_police_stays_until_recorded(db, clock, caseload):
    from textual.widgets import Select

    from cjcase.tui.dialogs.session_dialog import SessionDialog

    client = make_client(caseload)
    custody = Custody(caseload)
    custody.add_event(client.id, positive_event())
    custody.book_stage(client.id, datetime(2026, 11, 18, 10, 0))
    app = make_app(db, clock)

    def notify_rows():
        table = app.screen.query_one("#actions", RowTable)
        reasons = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        return [reason for reason in reasons if "Notify" in reason]

    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, client.id)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionDialog) and app.screen.takes_keys)
        app.screen.query_one("#field-status", Select).value = "attended_left_early"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "say why they left early, for police" in str(app.screen.query_one("#error-dna_reason", Static).render())
        app.screen.query_one("#field-dna_reason").value = "walked out after ten minutes"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await pilot.press("escape")
        await settle(pilot)
        await wait_until(pilot, lambda: notify_rows())
        assert notify_rows() == ["Notify police today: RA left early 18 Nov 10:00"]
        await open_record(pilot, client.id)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionDialog) and app.screen.takes_keys)
        app.screen.query_one("#field-notified_at").value = "18/11/2026 12:30"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        (ra1,) = caseload.sessions(client.id)
        assert (ra1.status, ra1.notified_at) == ("attended_left_early", datetime(2026, 11, 18, 12, 30))
        await pilot.press("escape")
        await settle(pilot)
        assert notify_rows() == []


async def test_U_records_the_outcome_and_books_the_ra_follow_up(db, clock, caseload):
    from textual.widgets import Select

    from cjcase.tui.dialogs.custody_dialog import CustodyEventDialog

    client = make_client(caseload)
    custody = Custody(caseload)
    event = custody.add_event(client.id, positive_event())
    ra1 = custody.book_stage(client.id, datetime(2026, 11, 16, 10, 0))
    caseload.update_session(ra1.id, {"status": "attended"})
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, client.id)
        await pilot.press("U")
        await wait_until(pilot, lambda: isinstance(app.screen, CustodyEventDialog) and app.screen.takes_keys)
        app.screen.query_one("#field-assessment_outcome", Select).value = "referred_structured"
        app.screen.query_one("#field-ra_followup_required", Select).value = "yes"
        app.screen.query_one("#field-followup_at").value = "30/11/2026 10:00"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Say which provider" in str(app.screen.query_one("#error-referred_to", Static).render())
        app.screen.query_one("#field-referred_to").value = "Forward Leeds"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(pilot)
        updated = custody.get_event(event.id)
        assert (updated.assessment_outcome, updated.referred_to, updated.ra_followup_required) == (
            "referred_structured",
            "Forward Leeds",
            "yes",
        )
        assert [s.requirement for s in custody.ra_stages(updated)] == ["ra_initial", "ra_followup"]
        shown = text_of(app, "#custody")
        assert "RA follow-up Mon 30 Nov 2026 10:00: scheduled" in shown
        assert "Outcome: referred structured to Forward Leeds" in shown


async def test_an_assessment_under_rob_says_its_legal_stage_and_other_clients_are_not_asked(db, clock, caseload):
    from textual.widgets import Select

    from cjcase.tui.dialogs.session_dialog import SessionDialog

    rob = make_client(caseload)
    make_episode(caseload, rob.id, pathway="restriction_on_bail", legal_requirement="rob")
    plain = make_client(caseload, client_ref="T-2", first_name="Al")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, plain.id)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionDialog) and app.screen.takes_keys)
        assert not app.screen.query("#field-requirement")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await open_record(pilot, rob.id)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionDialog) and app.screen.takes_keys)
        stage = app.screen.query_one("#field-requirement", Select)
        assert [value for _, value in stage._options if value != Select.NULL] == ["rob_assessment", "rob_followup"]
        app.screen.query_one("#field-kind", Select).value = "assessment"
        stage.value = "rob_assessment"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        (logged,) = caseload.sessions(rob.id)
        assert (logged.kind, logged.requirement) == ("assessment", "rob_assessment")


async def test_an_absence_on_a_running_order_asks_for_the_officers_decision(db, clock, caseload):
    from textual.widgets import Select

    from cjcase.services.orders import Orders
    from cjcase.tui.dialogs.session_dialog import SessionDialog

    client = make_client(caseload)
    Orders(caseload).add(
        client.id,
        {"order_type": "atr", "sentence_date": "2026-10-01", "court": "Leeds Magistrates' Court", "length_months": 6},
    )
    caseload.add_session(client.id, {"when": datetime(2026, 11, 18, 10, 0), "kind": "keywork", "status": "scheduled"})
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, client.id)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionDialog) and app.screen.takes_keys)
        app.screen.query_one("#field-status", Select).value = "dna"
        app.screen.query_one("#field-absence", Select).value = "acceptable"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        (missed,) = caseload.sessions(client.id)
        assert (missed.status, missed.absence) == ("dna", "acceptable")
