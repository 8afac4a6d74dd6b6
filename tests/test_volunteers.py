"""Volunteers and calendars: read-only mode, name settings, the printable agenda, the court run
sheet, the iCalendar feed and the start-up reminders."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from icalendar import Calendar
from textual.widgets import Static

from cjcase.domain.errors import ReadOnlyError
from cjcase.services import settings
from cjcase.services.calendar import to_ics
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path
from cjcase.tui.app import make_app
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import SAMPLE, SAMPLE_TODAY, add_hearing, make_client, settle, wait_until

UTC = UTC


@pytest.fixture
def shared(tmp_path, clock):
    """A caseload with one client who has notes and risk flags, written, then opened read-only."""
    path = tmp_path / "c.db"
    db = open_caseload(path)
    caseload = Caseload(db, clock)
    client = make_client(
        caseload,
        first_name="Wilhelmina",
        last_name="Fotheringay",
        risk_flags="violence_to_staff;domestic_abuse;lone_working",
        notes="Sister's number on file",
    )
    caseload.add_note(client.id, "Disclosed relapse at the weekend")
    caseload.add_session(
        client.id,
        {
            "when": datetime(2026, 11, 20, 15, 0),
            "kind": "keywork",
            "status": "scheduled",
            "notes": "Bring the housing letter",
        },
    )
    add_hearing(
        caseload,
        client.id,
        {
            "when": datetime(2026, 11, 21, 10, 0),
            "court": "Leeds Magistrates' Court",
            "hearing_type": "sentencing",
            "support_needed": "Meet at 9:30 by the cafe",
        },
    )
    settings.set_value(db, "name_display", "initials_ref")
    return path, db, client


def test_read_only_refuses_every_write_path_through_the_services(shared, clock):
    path, writer, client = shared
    reader = open_caseload(path, read_only=True)  # beside the writer, which is still open
    caseload = Caseload(reader, clock)
    writes = [
        lambda: caseload.add_client(
            {
                "client_ref": "R-2",
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": date(1980, 1, 1),
                "sex": "male",
                "ethnicity": "A",
            }
        ),
        lambda: caseload.update_client(client.id, {"phone": "1"}),
        lambda: caseload.delete_client(client.id),
        lambda: caseload.add_episode(
            client.id,
            {
                "referral_date": date(2026, 1, 1),
                "referral_source": "self",
                "pathway": "court",
                "primary_substance": "crack",
            },
        ),
        lambda: caseload.add_session(
            client.id, {"when": datetime(2026, 1, 1, 9, 0), "kind": "phone", "status": "attended"}
        ),
        lambda: caseload.add_note(client.id, "x"),
        lambda: caseload.change_keyworker([client.id], None, date(2026, 1, 1)),
        lambda: settings.set_value(reader, "ics_kind", "yes"),
        lambda: import_path(reader, SAMPLE, SAMPLE_TODAY),
    ]
    for write in writes:
        with pytest.raises(ReadOnlyError, match="read-only"):
            write()
    assert writer.table("clients").count == 1


async def test_the_read_only_tui_has_no_edit_keys_no_notes_and_only_the_volunteer_markers(shared, clock):
    path, writer, client = shared
    reader = open_caseload(path, read_only=True)
    app = make_app(reader, clock, path=path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer_actions = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        assert "log_selected" not in footer_actions and "new_client" not in footer_actions
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any("log session" in t or "add new" in t or "Returns" in t for t in titles)
        await pilot.press("n", "l", "d")
        await settle(pilot)
        assert type(app.screen).__name__ == "AgendaScreen"
        agenda = [
            [str(c) for c in row]
            for row in (
                app.screen.query_one("#agenda", RowTable).get_row_at(i)
                for i in range(app.screen.query_one("#agenda", RowTable).row_count)
            )
        ]
        assert ["15:00", "W.F. (T-1)", "Keywork (scheduled)"] in agenda
        app.open_client(client.id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        header = str(screen.query_one("#client-header", Static).render())
        assert "VS LW" in header and "DA" not in header and "violence" not in header
        assert not screen.query_one("#notes", Static).display
        await pilot.press("2")
        sessions = screen.query_one("#sessions", RowTable)
        assert "Bring the housing letter" not in str([sessions.get_row_at(i) for i in range(sessions.row_count)])
        text = " ".join(str(w.render()) for w in screen.query(Static) if w.display)
        for secret in ("Fotheringay", "Wilhelmina", "Sister", "relapse"):
            assert secret not in text and secret not in screen.title
        await pilot.press("l", "e", "x")
        await settle(pilot)
        assert app.screen is screen


async def test_one_key_switches_any_screen_to_initials_only(db, clock, caseload):
    client = make_client(caseload, first_name="Persephone", last_name="Quill")
    caseload.add_episode(
        client.id,
        {
            "referral_date": date(2026, 11, 1),
            "referral_source": "self",
            "pathway": "court",
            "primary_substance": "crack",
        },
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        await settle(pilot)
        table = app.screen.query_one("#clients", RowTable)
        assert "Persephone Quill" in str(table.get_row_at(0))
        app.screen.query_one("#clients").focus()
        await pilot.press("f4")
        await settle(pilot)
        await settle(pilot)
        row = str(table.get_row_at(0))
        assert "Persephone" not in row and "P.Q." in row


def run(*args, env=None):
    environment = {**os.environ, "CJCASE_TODAY": "2026-11-20", **(env or {})}
    return subprocess.run([sys.executable, "-m", "cjcase", *args], capture_output=True, text=True, env=environment)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def test_the_printable_agenda_and_court_sheet_parse_and_hide_what_the_setting_hides(shared, tmp_path):
    path, writer, client = shared
    writer.close()
    page = tmp_path / "agenda.html"
    result = run("--db", str(path), "agenda", "--html", str(page))
    assert result.returncode == 0, result.stderr
    parser = _Text()
    parser.feed(page.read_text())
    text = " ".join(parser.parts)
    assert "W.F. (T-1)" in text and "Keywork (scheduled)" in text
    for secret in ("Fotheringay", "Wilhelmina", "housing letter", "Sister", "relapse"):
        assert secret not in page.read_text()
    sheet = tmp_path / "court.html"
    court = run("--db", str(path), "agenda", "--court", "--from", "tomorrow", "--html", str(sheet))
    assert court.returncode == 0, court.stderr
    html = sheet.read_text()
    assert "Meet at 9:30 by the cafe" in html and "sentencing" in html and "Fotheringay" not in html
    assert result.stdout == f"{page}\n"  # only the page's path: the reminders are on the page
    assert "Reminder" in text


def test_reminders_cover_today_tomorrow_and_releases(db, clock, caseload):
    from cjcase.services.agenda import reminders

    client = make_client(caseload)
    caseload.add_session(client.id, {"when": datetime(2026, 11, 20, 15, 0), "kind": "keywork", "status": "scheduled"})
    add_hearing(caseload, client.id, {"when": datetime(2026, 11, 21, 10, 0), "court": "Leeds", "hearing_type": "plea"})
    caseload.add_episode(
        client.id,
        {
            "referral_date": date(2026, 11, 1),
            "referral_source": "prison",
            "pathway": "prison_link",
            "primary_substance": "heroin",
        },
    )
    caseload.releases.add(client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 23)})
    assert reminders(db, clock.now()) == [
        "1 appointment today.",
        "1 court hearing tomorrow.",
        "1 prison release in the next 3 days.",
    ]


def events_of(ics: bytes):
    return [c for c in Calendar.from_ical(ics).walk("VEVENT")]


def test_the_calendar_feed_is_plain_stable_and_right_across_the_clock_changes(db, caseload):
    client = make_client(caseload, first_name="Wilhelmina", last_name="Fotheringay")
    for when in (
        datetime(2026, 10, 24, 10, 0),
        datetime(2026, 10, 26, 10, 0),
        datetime(2027, 3, 27, 10, 0),
        datetime(2027, 3, 29, 10, 0),
    ):
        caseload.add_session(client.id, {"when": when, "kind": "gate_pickup", "status": "scheduled"})
    caseload.add_session(client.id, {"when": datetime(2026, 10, 27, 10, 0), "kind": "keywork", "status": "dna"})
    add_hearing(
        caseload,
        client.id,
        {"when": datetime(2026, 11, 2, 14, 0), "court": "Leeds Crown Court", "hearing_type": "trial"},
    )
    first = to_ics(db, date(2026, 10, 1), date(2027, 4, 30))
    events = events_of(first)
    assert len(events) == 5  # the DNA is not a booking
    assert {str(e["summary"]) for e in events} == {"Appointment"}
    assert b"Fotheringay" not in first and b"Court" not in first and b"gate" not in first.lower()
    starts = sorted(e.decoded("dtstart").astimezone(UTC) for e in events)
    assert starts[:2] == [datetime(2026, 10, 24, 9, 0, tzinfo=UTC), datetime(2026, 10, 26, 10, 0, tzinfo=UTC)]
    assert starts[3:] == [datetime(2027, 3, 27, 10, 0, tzinfo=UTC), datetime(2027, 3, 29, 9, 0, tzinfo=UTC)]
    second = to_ics(db, date(2026, 10, 1), date(2027, 4, 30))
    assert sorted(str(e["uid"]) for e in events_of(second)) == sorted(str(e["uid"]) for e in events)
    for setting in ("ics_initials", "ics_kind", "ics_location"):
        settings.set_value(db, setting, "yes")
    detailed = {str(e["summary"]): e for e in events_of(to_ics(db, date(2026, 10, 1), date(2027, 4, 30)))}
    assert "Gate pick-up – W.F." in detailed and "Court: trial – W.F." in detailed
    assert str(detailed["Court: trial – W.F."]["location"]) == "Leeds Crown Court"


def test_agenda_ics_from_the_command_line(tmp_path):
    path = tmp_path / "c.db"
    assert run("--db", str(path), "import", str(SAMPLE)).returncode == 0
    feed = tmp_path / "me.ics"
    result = run("--db", str(path), "agenda", "--ics", str(feed), "--days", "30", "--keyworker", "Priya Shah")
    assert result.returncode == 0, result.stderr
    assert len(events_of(feed.read_bytes())) > 0
    assert b"Moore" not in feed.read_bytes()


def test_settings_from_the_command_line(tmp_path):
    path = tmp_path / "c.db"
    assert run("--db", str(path), "settings", "name_display", "first_initial").returncode == 0
    assert "first_initial" in run("--db", str(path), "settings").stdout
    bad = run("--db", str(path), "settings", "name_display", "nicknames")
    assert bad.returncode == 1 and "full, first_initial, initials_ref" in bad.stderr


def header_text(screen) -> str:
    from textual.widgets._header import HeaderTitle

    return str(screen.query_one(HeaderTitle).render())


@pytest.fixture
def volunteer_caseload(shared, clock):
    """The shared caseload with the details a volunteer must not see: phone, address, a TOP,
    an episode with a care plan, and a history of edits."""
    path, writer, client = shared
    caseload = Caseload(writer, clock)
    caseload.update_client(client.id, {"phone": "07700 900123", "address": "14 Larkspur Row", "postcode": "LS6 2QQ"})
    caseload.add_episode(
        client.id,
        {
            "referral_date": date(2026, 1, 5),
            "referral_source": "probation",
            "pathway": "drr",
            "primary_substance": "crack",
            "start_date": date(2026, 1, 10),
            "order_end": date(2026, 11, 30),
        },
    )
    from tests.helpers import top_form

    caseload.add_top(client.id, top_form(psych_health=17, date=date(2026, 1, 12)))
    caseload.add_goal(
        client.id,
        {"domain": "housing", "description": "Secure a tenancy", "set_date": date(2026, 1, 12), "status": "open"},
    )
    return path, writer, client


def visible_text(screen) -> str:
    parts = [str(w.render()) for w in screen.query(Static) if w.display and w.parent and w.parent.display]
    for table in screen.query(RowTable):
        if table.display:
            parts += [str(table.get_row_at(i)) for i in range(table.row_count)]
    return " ".join(parts)


async def test_a_read_only_screen_says_so_in_its_header_and_its_help_lists_no_edit_key(volunteer_caseload, clock):
    path, _writer, client = volunteer_caseload
    app = make_app(open_caseload(path, read_only=True), clock, path=path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "READ-ONLY" in header_text(app.screen)
        for opened in ("agenda", "record", "caseload"):
            if opened == "record":
                app.open_client(client.id)
            elif opened == "caseload":
                await pilot.press("escape", "slash")
            await settle(pilot)
            assert "READ-ONLY" in header_text(app.screen), opened
            app.action_help()
            await settle(pilot)
            help_text = " ".join(str(w.render()) for w in app.screen.query(Static))
            for edit in (
                "Log session",
                "Attended",
                "DNA",
                "Follow-up",
                "Edit",
                "Discharge",
                "Enter TOP",
                "Write note",
                "New client",
                "Re-refer",
                "Change keyworker",
                "ctrl+s",
                "Save",
            ):
                assert edit not in help_text, (opened, edit)
            assert "read-only" in help_text
            await pilot.press("escape")
            await settle(pilot)


async def test_a_volunteer_sees_the_appointment_where_and_the_markers_and_nothing_more(volunteer_caseload, clock):
    path, _writer, client = volunteer_caseload
    app = make_app(open_caseload(path, read_only=True), clock, path=path, read_only=True)
    secrets = (
        "07700",
        "Larkspur",
        "LS6",
        "May 1990",
        "1990",
        "Age ",
        "Secure a tenancy",
        "DRR",
        "drr",
        "order ends",
        "probation",
        "Consent",
        "crack",
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        agenda_text = visible_text(app.screen)
        assert "W.F. (T-1)" in agenda_text and "Keywork (scheduled)" in agenda_text
        assert not app.screen.query_one("#actions", RowTable).display  # the keyworkers' work
        for secret in secrets:
            assert secret not in agenda_text, secret
        app.open_client(client.id)
        await settle(pilot)
        screen = app.screen
        tabs = screen.query_one("#tabs")
        for tab in ("1", "2", "3", "4", "5", "6", "7"):
            await pilot.press(tab)
            await settle(pilot)
            text = visible_text(screen)
            for secret in (*secrets, "psych", "17", "audit", "update", "create"):
                assert secret not in text, (tab, secret)
            if tab == "3":  # the third tab shown: the keys follow the tabs a volunteer sees
                assert tabs.active == "court-tab"
        assert tabs.active == "court-tab"  # 4 to 7 (goals, outcomes, history, orders) lead nowhere
        assert "3 court" in ClientScreen.READ_ONLY_HELP and "4 court" not in ClientScreen.READ_ONLY_HELP
        assert "Meet at 9:30 by the cafe" in visible_text(screen) and "Leeds Magistrates' Court" in visible_text(screen)
        await pilot.press("1")
        await settle(pilot)
        overview = visible_text(screen)
        assert "Fri 20 Nov 2026 15:00" in overview and "VS LW" in overview
        assert "sentencing hearing at Leeds Magistrates' Court" in overview
        titles = [c.title for c in app.get_system_commands(screen)]
        assert not any("outcomes" in t.lower() or "history" in t.lower() or "goals" in t.lower() for t in titles)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"T-1")
        await pilot.pause(0.5)
        from textual.command import CommandPalette

        palette = app.screen
        assert isinstance(palette, CommandPalette)
        shown = " ".join(str(w.render()) for w in palette.query("Static, Label, OptionList"))
        option_list = palette.query_one("CommandList")
        shown += " ".join(str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count))
        assert "W.F." in shown and "1990" not in shown and "born" not in shown


async def test_initials_only_hides_birth_date_phone_and_address_on_the_record_and_in_the_palette(
    volunteer_caseload, clock
):
    path, writer, client = volunteer_caseload
    app = make_app(writer, clock, path=path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        assert "07700" in visible_text(app.screen) and "May 1990" in visible_text(app.screen)
        await pilot.press("f4")
        await settle(pilot)
        text = visible_text(app.screen)
        for secret in ("07700", "Larkspur", "LS6", "May 1990", "Wilhelmina", "Fotheringay"):
            assert secret not in text, secret
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"T-1")
        await pilot.pause(0.5)
        option_list = app.screen.query_one("CommandList")
        shown = " ".join(str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count))
        assert "W.F." in shown and "1990" not in shown and "Wilhelmina" not in shown


def test_a_search_that_may_not_show_the_birth_date_does_not_match_it(caseload):
    make_client(caseload, client_ref="T-1", first_name="Jo", last_name="Bloggs", date_of_birth=date(1976, 7, 5))
    now = datetime(2026, 11, 20, 9, 0)
    for typed in ("05/07/1976", "1976", "05/07", "1976-07-05"):
        assert [r.client_ref for r in caseload.find(now, status="all", text=typed)] == ["T-1"], typed
        assert caseload.find(now, status="all", text=typed, by_birth_date=False) == [], typed
        assert caseload.count(status="all", text=typed, by_birth_date=False) == 0, typed
    assert caseload.count(status="all", text="Blog", by_birth_date=False) == 1


async def test_a_volunteer_cannot_find_a_client_by_birth_date(volunteer_caseload, clock):
    path, _writer, _client = volunteer_caseload
    app = make_app(open_caseload(path, read_only=True), clock, path=path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        table = app.screen.query_one("#clients", RowTable)
        await pilot.press(*"T-1")
        await settle(pilot)
        await wait_until(pilot, lambda: table.row_count == 1)
        await pilot.press(*["backspace"] * 3, *"1990")
        await settle(pilot)
        await settle(pilot)
        await wait_until(pilot, lambda: table.row_count == 0)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"17/05/1990")
        await pilot.pause(0.5)
        option_list = app.screen.query_one("CommandList")
        shown = " ".join(str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count))
        assert "W.F." not in shown


def test_a_printed_agenda_or_run_sheet_keeps_the_reminders_out_of_stdout(shared):
    path, writer, _client = shared
    writer.close()
    plain = run("--db", str(path), "agenda")
    assert plain.returncode == 0, plain.stderr
    assert "Reminder" not in plain.stdout and "Keywork" in plain.stdout
    assert "Reminder: 1 appointment today." in plain.stderr
    court = run("--db", str(path), "agenda", "--court", "--from", "tomorrow")
    assert court.returncode == 0, court.stderr
    assert "Reminder" not in court.stdout and "Meet at 9:30" in court.stdout
    assert "Reminder" not in court.stderr  # they speak of today, not the sheet's day
