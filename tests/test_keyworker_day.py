"""A keyworker's day without surprises (issue 16): adjournments, bookings and outcomes, date words,
the demo caseload and the command line, driven as a keyworker drives them against real files."""

import os
import subprocess
import sys
from datetime import date, datetime

from icalendar import Calendar

from cjcase.services import agenda
from cjcase.services.calendar import event_uid, to_ics
from cjcase.tui.app import make_app
from cjcase.tui.screens.agenda_screen import AgendaScreen
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import add_hearing, make_client, make_episode, press_at_once, settle


def run(*args, env=None):
    """The real `cjcase` in a subprocess, on the test clock's day."""
    environment = {**os.environ, "CJCASE_TODAY": "2026-11-20", **(env or {})}
    return subprocess.run([sys.executable, "-m", "cjcase", *args], capture_output=True, text=True, env=environment)


def rows_of(table: RowTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


# ---------------------------------------------------------------- 1. adjourned hearings


def adjourned_caseload(caseload):
    """A client whose Monday plea hearing was adjourned to 14 December, as the service records it."""
    client = make_client(caseload, keyworker="Sam Okafor")
    make_episode(caseload, client.id)
    hearing = add_hearing(
        caseload,
        client.id,
        {
            "when": datetime(2026, 11, 23, 10, 0),
            "court": "Leeds Magistrates",
            "hearing_type": "plea",
            "support_needed": "Meet 9:15 at the cafe",
        },
    )
    later = caseload.adjourn_hearing(hearing.id, datetime(2026, 12, 14, 10, 0), "Adjourned for reports")
    return client, hearing, later


async def test_an_adjourned_hearing_typed_in_leaves_the_agenda_and_its_support_moves_on(db, clock, caseload):
    client = make_client(caseload, first_name="Wren", last_name="Hollis")
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        from cjcase.services import names

        names.add_name(db, "court", "Leeds Magistrates")
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "4", "h")
        # Each field's keys arrive at once; moving between fields in one burst is issue 16 item 4.
        for burst in (("mon 10am", "tab"), ("Leeds Magistrates", "tab"), ("enter",), ("plea", "enter"), ("tab",)):
            await press_at_once(pilot, *burst)
        await press_at_once(pilot, "Meet 9:15 at the cafe", "ctrl+s")
        assert isinstance(app.screen, ClientScreen)
        [first] = caseload.court_dates(client.id)
        assert (first.hearing_at, first.hearing_type) == (datetime(2026, 11, 23, 10, 0), "plea")
        await press_at_once(pilot, "j")
        await press_at_once(pilot, "14/12 10am", "tab")
        await press_at_once(pilot, "Adjourned for reports", "ctrl+s")  # Tab selected the preset reason
        assert isinstance(app.screen, ClientScreen)
        later, old = caseload.court_dates(client.id)
        assert later.hearing_at == datetime(2026, 12, 14, 10, 0) and later.adjourned_from_id == old.id
        assert later.support_needed == "Meet 9:15 at the cafe"
        assert old.outcome == "Adjourned for reports"
        await press_at_once(pilot, "escape")
        assert isinstance(app.screen, AgendaScreen)
        shown = " ".join(" ".join(row) for row in rows_of(app.screen.query_one("#agenda", RowTable)))
        assert "Plea hearing" not in shown  # Monday's hearing is history now


async def test_the_adjourn_form_carries_the_support_needed_and_it_can_be_changed(db, clock, caseload):
    client = make_client(caseload)
    hearing = add_hearing(
        caseload,
        client.id,
        {
            "when": datetime(2026, 11, 23, 10, 0),
            "court": "Leeds",
            "hearing_type": "plea",
            "support_needed": "Meet 9:15",
        },
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "4", "j")
        assert app.screen.query_one("#field-support_needed").value == "Meet 9:15"
        for burst in (("14/12 10am", "tab"), ("tab",)):
            await press_at_once(pilot, *burst)
        await press_at_once(pilot, "Bring the letter", "ctrl+s")  # Tab selected what was there
        later = caseload.court_dates(client.id)[0]
        assert later.adjourned_from_id == hearing.id and later.support_needed == "Bring the letter"


def test_an_adjourned_hearing_leaves_every_forward_looking_view(db, caseload):
    client, old, later = adjourned_caseload(caseload)
    courts = [i for i in agenda.agenda(db, date(2026, 11, 20), date(2026, 12, 31)) if i.kind == "court"]
    assert [(i.day, i.record_id) for i in courts] == [(date(2026, 12, 14), later.id)]
    assert agenda.agenda_count(db, date(2026, 11, 23), date(2026, 11, 23)) == 0
    sunday = datetime(2026, 11, 22, 12, 0)
    assert not [a for a in agenda.actions(db, sunday) if a.kind == "court_tomorrow"]
    assert not any("court" in r for r in agenda.reminders(db, sunday))
    assert agenda.court_run_sheet(db, date(2026, 11, 23)) == []
    [sheet] = agenda.court_run_sheet(db, date(2026, 12, 14))
    assert sheet["support_needed"] == "Meet 9:15 at the cafe"
    on_the_day = datetime(2026, 12, 13, 12, 0)
    assert [a.record_id for a in agenda.actions(db, on_the_day) if a.kind == "court_tomorrow"] == [later.id]


def test_the_calendar_feed_cancels_an_adjourned_hearing_under_its_old_uid(db, caseload):
    client, old, later = adjourned_caseload(caseload)
    events = Calendar.from_ical(to_ics(db, date(2026, 11, 20), date(2026, 12, 31))).walk("VEVENT")
    by_uid = {str(e["uid"]): e for e in events}
    assert set(by_uid) == {event_uid(db, "court", old.id), event_uid(db, "court", later.id)}
    cancelled = by_uid[event_uid(db, "court", old.id)]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) >= 1
    assert "status" not in by_uid[event_uid(db, "court", later.id)]


def test_an_adjourned_hearing_cannot_be_adjourned_twice(caseload):
    import pytest

    from cjcase.domain.errors import ValidationError

    client, old, later = adjourned_caseload(caseload)
    with pytest.raises(ValidationError, match="already adjourned to 14/12/2026 10:00"):
        caseload.adjourn_hearing(old.id, datetime(2026, 12, 20, 10, 0))


def test_the_court_run_sheet_shows_the_new_day_with_its_support_and_not_the_old(tmp_path, clock):
    from cjcase.services.caseload import Caseload
    from cjcase.services.caseload_file import open_caseload

    path = tmp_path / "c.db"
    db = open_caseload(path)
    adjourned_caseload(Caseload(db, clock))
    db.close()
    wide = {"COLUMNS": "200"}
    monday = run("--db", str(path), "agenda", "--court", "--from", "23/11/2026", env=wide)
    assert monday.returncode == 0, monday.stderr
    assert "No hearings on this day" in monday.stdout and "Meet 9:15" not in monday.stdout
    later = run("--db", str(path), "agenda", "--court", "--from", "14/12/2026", env=wide)
    assert "Meet 9:15 at the cafe" in later.stdout
    fortnight = run("--db", str(path), "agenda", "--days", "30", env=wide)
    assert "Mon 23 Nov" not in fortnight.stdout and "Plea hearing" in fortnight.stdout


# ---------------------------------------------------------------- 2. bookings and outcomes


def booked(caseload, when=datetime(2026, 11, 24, 14, 0), kind="keywork", **episode):
    """A client with an open episode and one appointment booked."""
    client = make_client(caseload)
    make_episode(caseload, client.id, **episode)
    session = caseload.add_session(client.id, {"when": when, "kind": kind, "status": "scheduled", "notes": "Bring ID"})
    return client, session


async def open_sessions(pilot, client_id):
    pilot.app.open_client(client_id)
    await settle(pilot)
    await press_at_once(pilot, "2")


async def test_editing_a_future_booking_moves_it_and_keeps_it_scheduled(db, clock, caseload):
    from cjcase.tui.dialogs.booking_dialog import BookingDialog

    client, session = booked(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_sessions(pilot, client.id)
        await press_at_once(pilot, "e")
        assert isinstance(app.screen, BookingDialog)
        assert "Record outcome" not in app.screen.form_title
        await press_at_once(pilot, "wed 10am", "ctrl+s")
        assert isinstance(app.screen, ClientScreen)
    [moved] = caseload.sessions(client.id)
    assert (moved.id, moved.starts_at, moved.status, moved.notes) == (
        session.id,
        datetime(2026, 11, 25, 10, 0),
        "scheduled",
        "Bring ID",
    )


async def test_moving_a_required_assessment_keeps_the_old_one_as_rearranged(db, clock, caseload):
    client, session = booked(caseload, kind="assessment", legal_requirement="required_assessment")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_sessions(pilot, client.id)
        await press_at_once(pilot, "e")
        assert "rearranged" in app.screen.form_title
        await press_at_once(pilot, "wed 10am", "ctrl+s")
        assert isinstance(app.screen, ClientScreen)
    new, old = caseload.sessions(client.id)
    assert (old.id, old.starts_at, old.status) == (session.id, datetime(2026, 11, 24, 14, 0), "rearranged")
    assert (new.starts_at, new.kind, new.status, new.notes) == (
        datetime(2026, 11, 25, 10, 0),
        "assessment",
        "scheduled",
        "Bring ID",
    )
    events = Calendar.from_ical(to_ics(db, date(2026, 11, 20), date(2026, 12, 1))).walk("VEVENT")
    status = {str(e["uid"]): str(e.get("status", "")) for e in events}
    assert status == {event_uid(db, "session", old.id): "CANCELLED", event_uid(db, "session", new.id): ""}


async def test_an_appointment_whose_time_has_come_asks_for_its_outcome_with_none_chosen(db, clock, caseload):
    from textual.widgets import Select

    from cjcase.tui.dialogs.session_dialog import SessionDialog

    client, session = booked(caseload, when=datetime(2026, 11, 20, 10, 0))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_sessions(pilot, client.id)
        await press_at_once(pilot, "e")
        assert isinstance(app.screen, SessionDialog) and "Record outcome" in app.screen.form_title
        outcome = app.screen.query_one("#field-status", Select)
        assert outcome.is_blank()
        assert "scheduled" not in [value for _, value in outcome._options]
        await press_at_once(pilot, "ctrl+s")
        assert isinstance(app.screen, SessionDialog)
        assert "Choose what happened" in str(app.screen.query_one("#error-status").render())
    assert caseload.get_session(session.id).status == "scheduled"


async def test_l_logs_a_new_session_whatever_row_is_highlighted(db, clock, caseload):
    from cjcase.tui.dialogs.session_dialog import SessionDialog

    client, session = booked(caseload, when=datetime(2026, 11, 20, 10, 0))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_sessions(pilot, client.id)
        await press_at_once(pilot, "l")
        assert isinstance(app.screen, SessionDialog) and "Log session" in app.screen.form_title
        await press_at_once(pilot, "today 11am", "ctrl+s")
        assert isinstance(app.screen, ClientScreen)
        await press_at_once(pilot, "escape")
        assert isinstance(app.screen, AgendaScreen)
        app.screen.query_one("#actions", RowTable).focus()  # the row: "outcome not recorded"
        await press_at_once(pilot, "l")
        assert isinstance(app.screen, SessionDialog) and "Log session" in app.screen.form_title
    assert caseload.get_session(session.id).status == "scheduled"
    assert [s.starts_at for s in caseload.sessions(client.id)] == [
        datetime(2026, 11, 20, 11, 0),
        datetime(2026, 11, 20, 10, 0),
    ]


async def test_marking_a_future_appointment_attended_is_refused_with_a_sentence(db, clock, caseload):
    client, session = booked(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        agenda_rows = app.screen.query_one("#agenda", RowTable)
        agenda_rows.focus()
        await press_at_once(pilot, "down", "a")  # below Tuesday's heading, its appointment
        await open_sessions(pilot, client.id)
        await press_at_once(pilot, "d")
        shown = [n.message for n in app._notifications]
    assert caseload.get_session(session.id).status == "scheduled"
    assert sum("not until Tue 24 Nov 2026 14:00" in m for m in shown) == 2, shown


def test_the_services_refuse_an_outcome_before_its_time_but_take_a_cancellation(caseload):
    import pytest

    from cjcase.domain.errors import ValidationError

    client, session = booked(caseload)
    for status in ("attended", "dna"):
        with pytest.raises(ValidationError, match="once its time has come"):
            caseload.set_session_status(session.id, status)
    with pytest.raises(ValidationError, match="once its time has come"):
        caseload.log_session(client.id, {"when": datetime(2026, 11, 21, 10, 0), "kind": "keywork", "status": "dna"})
    assert caseload.set_session_status(session.id, "cancelled_client").status == "cancelled_client"
    assert (
        caseload.add_session(
            client.id, {"when": datetime(2026, 11, 20, 11, 0), "kind": "keywork", "status": "attended"}
        ).status
        == "attended"
    )


def test_the_importer_still_takes_a_historic_outcome_dated_after_today(db, tmp_path):
    import shutil

    from cjcase.services.importing.importer import import_path
    from tests.helpers import SAMPLE

    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    with open(folder / "sessions.csv", "a", encoding="utf-8") as sessions:
        sessions.write("CJ-17429,2026-12-01 10:00,keywork,attended,60,\n")
    import_path(db, folder, date(2026, 11, 20))
    assert db.execute("SELECT count(*) FROM sessions WHERE starts_at = '2026-12-01 10:00'").fetchone()[0] == 1


def test_the_v1_return_lists_no_rearranged_status(caseload, db):
    from cjcase.returns.measures import BREAKDOWNS

    assert "rearranged" not in BREAKDOWNS["status"]
    client, session = booked(caseload, kind="assessment", legal_requirement="rob")
    from cjcase.services.engagement import Engagement

    Engagement(caseload).change_booking(session.id, {"when": datetime(2026, 11, 26, 10, 0)})
    assert [s.status for s in caseload.sessions(client.id)] == ["scheduled", "rearranged"]


# ---------------------------------------------------------------- 3. date words


async def log_form(pilot, when: str, outcome: str | None) -> None:
    """`l`, then When and (when given) the Outcome chosen by typing, each field's keys at once."""
    await press_at_once(pilot, "l")
    await press_at_once(pilot, when, "tab")
    if outcome:
        for burst in (("tab",), ("enter",), (outcome, "enter")):
            await press_at_once(pilot, *burst)


def echo(app) -> str:
    return str(app.screen.query_one("#echo-when").render())


async def test_a_booking_typed_without_a_year_is_the_next_one_and_an_outcome_the_last(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await log_form(pilot, "3/12", "sch")
        assert "Thu 3 Dec 2026 10:00" in echo(app)
        await press_at_once(pilot, "ctrl+s")
        await log_form(pilot, "mon 8am", "sch")
        assert "Mon 23 Nov 2026 08:00" in echo(app)
        await press_at_once(pilot, "ctrl+s")
        await log_form(pilot, "mon 8am", None)  # the outcome stays attended: what happened last Monday
        assert "Mon 16 Nov 2026 08:00" in echo(app)
        await press_at_once(pilot, "ctrl+s")
        assert isinstance(app.screen, ClientScreen)
    assert [(s.starts_at, s.status) for s in caseload.sessions(client.id)] == [
        (datetime(2026, 12, 3, 10, 0), "scheduled"),
        (datetime(2026, 11, 23, 8, 0), "scheduled"),
        (datetime(2026, 11, 16, 8, 0), "attended"),
    ]


async def test_changing_the_outcome_reads_the_date_again(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2025, 1, 5))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await log_form(pilot, "3/12", None)
        assert "Wed 3 Dec 2025 10:00" in echo(app)  # attended: the last 3 December
        for burst in (("tab",), ("enter",), ("sch", "enter")):
            await press_at_once(pilot, *burst)
        assert "Thu 3 Dec 2026 10:00" in echo(app)


async def test_a_booking_in_the_past_and_a_session_before_the_referral_warn_before_saving(db, clock, caseload):
    from cjcase.tui.dialogs.session_dialog import SessionDialog

    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 1, 5))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await log_form(pilot, "yesterday 10am", "sch")
        await press_at_once(pilot, "ctrl+s")
        assert isinstance(app.screen, SessionDialog)
        assert "This booking is in the past" in str(app.screen.query_one("#error-when").render())
        assert caseload.sessions(client.id) == []
        await press_at_once(pilot, "ctrl+s")  # asked and answered: it is saved
        assert isinstance(app.screen, ClientScreen)
        await log_form(pilot, "3/12", None)
        await press_at_once(pilot, "ctrl+s")
        assert isinstance(app.screen, SessionDialog)
        warning = str(app.screen.query_one("#error-when").render())
        assert "before the client's referral on Mon 5 Jan 2026" in warning
        await press_at_once(pilot, "ctrl+s")
        assert isinstance(app.screen, ClientScreen)
    assert [(s.starts_at, s.status) for s in caseload.sessions(client.id)] == [
        (datetime(2026, 11, 19, 10, 0), "scheduled"),
        (datetime(2025, 12, 3, 10, 0), "attended"),
    ]


async def test_logging_an_appointment_attended_before_its_time_is_refused(db, clock, caseload):
    from cjcase.tui.dialogs.session_dialog import SessionDialog

    client = make_client(caseload)
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await log_form(pilot, "tomorrow 10am", "att")
        await press_at_once(pilot, "ctrl+s")
        assert isinstance(app.screen, SessionDialog)
        refusal = str(app.screen.query_one("#error-status").render())
        assert "not until Sat 21 Nov 2026 10:00" in refusal and "once its time has come" in refusal
    assert caseload.sessions(client.id) == []


def test_the_date_warnings_name_the_booking_in_the_past_and_the_referral(caseload):
    from cjcase.services.engagement import Engagement

    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 1, 5), discharge_date=date(2026, 3, 1),
                 discharge_reason="dropped_out")  # fmt: skip
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1))
    engagement = Engagement(caseload)
    assert engagement.date_warnings(client.id, datetime(2026, 11, 27, 10, 0), "scheduled") == []
    assert engagement.date_warnings(client.id, datetime(2026, 2, 2, 10, 0), "attended") == []
    assert engagement.date_warnings(client.id, datetime(2026, 4, 2, 10, 0), "attended") == [
        "This is before the client's referral on Mon 1 Jun 2026."
    ]
    assert engagement.date_warnings(client.id, datetime(2025, 12, 3, 10, 0), "scheduled") == [
        "This booking is in the past (Wed 3 Dec 2025 10:00): a booking is for a time to come.",
        "This is before the client's referral on Mon 5 Jan 2026.",
    ]


async def test_marking_a_cancelled_appointment_attended_says_it_was_cancelled(db, clock, caseload):
    client, session = booked(caseload)
    caseload.set_session_status(session.id, "cancelled_service")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#agenda", RowTable).focus()
        await press_at_once(pilot, "down", "a")
        shown = [n.message for n in app._notifications]
    assert caseload.get_session(session.id).status == "cancelled_service"
    assert not any("not until" in m for m in shown), shown
    assert any(
        "was cancelled by the service" in m and "log what happened instead as a new session" in m for m in shown
    ), shown
