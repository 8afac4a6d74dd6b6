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
