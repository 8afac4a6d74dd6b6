"""The keyworker's flow through the screens (issue 16, items 7 to 10): the caseload search, the
agenda's filter and widths, the forms' first field and hints, the record's overview, notes and
history, and toasts that leave a form readable. Driven with keys sent at once, as a busy laptop
delivers them, against a real database file."""

from datetime import date, datetime

from textual.widgets import Input, Static

from cjcase.tui.app import make_app
from cjcase.tui.screens.caseload_screen import CaseloadScreen
from cjcase.tui.screens.help_screen import HelpScreen
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import make_client, make_episode, press_at_once, settle, wait_until


def text_of(widget: Static) -> str:
    return str(widget.render())


# ---------------------------------------------------------------- 7. the caseload


def three_clients(caseload):
    for ref, first, last in (("A-1", "Anne", "Archer"), ("B-2", "Bob", "Baker"), ("C-3", "Cath", "Baxter")):
        client = make_client(caseload, client_ref=ref, first_name=first, last_name=last)
        make_episode(caseload, client.id)


async def test_down_from_the_search_box_moves_into_the_list(db, clock, caseload):
    three_clients(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "/")
        table = app.screen.query_one("#clients", RowTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        await press_at_once(pilot, "b", "down", "down", "enter")
        assert app.screen.title == "Cath Baxter · C-3"


async def test_a_question_mark_in_the_search_box_opens_the_help(db, clock, caseload):
    three_clients(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "/", "ba", "?")
        assert isinstance(app.screen, HelpScreen)
        await press_at_once(pilot, "escape")
        assert isinstance(app.screen, CaseloadScreen)
        assert app.screen.query_one("#search", Input).value == "ba"


async def test_nobody_matches_says_when_closed_clients_match_and_how_to_show_them(db, clock, caseload):
    three_clients(caseload)
    gone = make_client(caseload, client_ref="D-4", first_name="Dora", last_name="Dunn")
    make_episode(caseload, gone.id, discharge_date=date(2026, 3, 1), discharge_reason="dropped_out")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "/", "dunn")
        count = app.screen.query_one("#count", Static)
        await wait_until(pilot, lambda: "match" in text_of(count))
        assert "Nobody open matches" in text_of(count)
        assert "1 closed client matches" in text_of(count)
        assert "All" in text_of(count)
        await press_at_once(pilot, "backspace", "backspace", "backspace", "backspace", "zzz")
        await wait_until(pilot, lambda: "zzz" == app.screen.query_one("#search", Input).value)
        await wait_until(pilot, lambda: "Nobody matches" in text_of(count))
        assert "closed" not in text_of(count)


# ---------------------------------------------------------------- 8. the agenda


def two_keyworkers(caseload):
    """Sam's client and Tom's, each with an appointment tomorrow and one whose outcome is missing."""
    clients = {}
    for ref, first, keyworker in (("S-1", "Sally", "Sam Okafor"), ("T-1", "Terry", "Tom Gallagher")):
        client = make_client(caseload, client_ref=ref, first_name=first, last_name="Client", keyworker=keyworker)
        make_episode(caseload, client.id)
        for when in (datetime(2026, 11, 21, 10, 0), datetime(2026, 11, 19, 10, 0)):
            caseload.add_session(client.id, {"when": when, "kind": "keywork", "status": "scheduled"})
        clients[ref] = client
    return clients


def shown_refs(table: RowTable) -> set[str]:
    return {record.client_ref for record in (table._records) if record is not None}


async def test_my_clients_shows_only_mine_and_this_laptop_remembers_it(db, clock, caseload, laptop_config):
    two_keyworkers(caseload)
    settings_before = db.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        agenda, actions = app.screen.query_one("#agenda", RowTable), app.screen.query_one("#actions", RowTable)
        await wait_until(pilot, lambda: shown_refs(actions) == {"S-1", "T-1"})
        assert shown_refs(agenda) == {"S-1", "T-1"}
        await press_at_once(pilot, "m", "sam", "ctrl+s")  # nobody chosen yet: it asks who
        await wait_until(pilot, lambda: shown_refs(actions) == {"S-1"})
        assert shown_refs(agenda) == {"S-1"}
        assert "Sam Okafor's clients" in app.screen.title
    assert (laptop_config / "laptop.json").exists()
    assert db.execute("SELECT key, value FROM settings ORDER BY key").fetchall() == settings_before

    app = make_app(db, clock)  # the next time cjcase opens on this laptop
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        agenda, actions = app.screen.query_one("#agenda", RowTable), app.screen.query_one("#actions", RowTable)
        await wait_until(pilot, lambda: shown_refs(actions) == {"S-1"})
        assert shown_refs(agenda) == {"S-1"} and "Sam Okafor's clients" in app.screen.title
        await press_at_once(pilot, "m")  # everyone's again, without asking
        await wait_until(pilot, lambda: shown_refs(actions) == {"S-1", "T-1"})
        assert shown_refs(agenda) == {"S-1", "T-1"} and "Sam" not in app.screen.title


async def test_my_clients_is_not_offered_to_a_volunteer(db, clock, caseload):
    two_keyworkers(caseload)
    app = make_app(db, clock, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "m")
        assert app.screen.check_action("my_clients", ()) is False
        assert "Sam" not in app.screen.title


async def test_the_action_list_grows_with_the_window(db, clock, caseload):
    for number in range(20):
        client = make_client(caseload, client_ref=f"W-{number}", first_name="Wait", last_name=f"Ing{number}")
        make_episode(caseload, client.id, referral_date=date(2026, 10, 1))  # referred, never started
    app = make_app(db, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        actions = app.screen.query_one("#actions", RowTable)
        await wait_until(pilot, lambda: actions.row_count >= 20)
        await settle(pilot)
        assert actions.region.height - 1 >= 12  # rows beneath the header line; it was 7 at any size


def line_text(table: RowTable, row: int) -> str:
    return table.render_line(row + 1 - table.scroll_offset.y).text


async def test_columns_take_the_width_the_terminal_gives(db, clock, caseload):
    client = make_client(caseload, client_ref="CJ-17429-B", first_name="Christopher", last_name="Montgomery-Whitfield")
    make_episode(caseload, client.id, referral_date=date(2026, 10, 1))
    from tests.helpers import add_hearing

    add_hearing(
        caseload,
        client.id,
        {"when": datetime(2026, 11, 21, 10, 0), "court": "Leeds Magistrates' Court", "hearing_type": "sentencing"},
    )
    who = "Christopher Montgomery-Whitfield (CJ-17429-B)"
    app = make_app(db, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        actions, agenda = app.screen.query_one("#actions", RowTable), app.screen.query_one("#agenda", RowTable)
        await wait_until(pilot, lambda: actions.row_count >= 2)
        await settle(pilot)
        for row in range(actions.row_count):
            reason = actions._records[row].reason
            assert who in line_text(actions, row) and reason in line_text(actions, row)
        [hearing] = [
            row for row in range(agenda.row_count) if agenda._records[row] and agenda._records[row].kind == "court"
        ]
        assert who in line_text(agenda, hearing)
        assert "Sentencing hearing at Leeds Magistrates' Court (in 1 day)" in line_text(agenda, hearing)
        assert actions.virtual_size.width <= 118 and agenda.virtual_size.width <= 118
    async with make_app(db, clock).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name in ("#actions", "#agenda"):  # never wider than the terminal, so no sideways scrolling
            assert pilot.app.screen.query_one(name, RowTable).virtual_size.width <= 78


def test_a_laptop_that_cannot_keep_the_choice_says_so_and_a_damaged_file_counts_as_none(
    caseload, laptop_config, monkeypatch, tmp_path
):
    from cjcase.services import my_clients

    make_client(caseload, keyworker="Sam Okafor")
    laptop_config.mkdir(parents=True)
    (laptop_config / "laptop.json").write_text("{not json", encoding="utf-8")
    assert caseload.my_clients() == my_clients.MyClients(None, False)
    assert caseload.remember_my_clients("Sam Okafor", True) is None
    assert caseload.my_clients() == my_clients.MyClients("Sam Okafor", True)
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocked))
    problem = caseload.remember_my_clients("Sam Okafor", False)
    assert problem and "could not remember" in problem and str(blocked) in problem


# ---------------------------------------------------------------- 9. forms and the record


async def test_the_dna_form_of_a_reportable_absence_opens_on_why(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, pathway="drr", legal_requirement="drr")
    session = caseload.add_session(
        client.id, {"when": datetime(2026, 11, 20, 10, 0), "kind": "keywork", "status": "scheduled"}
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "2", "d", "Missed the bus", "ctrl+s")
        assert app.screen.query_one("#tabs").active == "sessions-tab"
        saved = caseload.get_session(session.id)
        assert (saved.status, saved.dna_reason) == ("dna", "Missed the bus")


async def test_the_history_tab_shows_uk_dates_on_the_programs_clock_and_no_internal_ids(db, clock, caseload):
    client = make_client(caseload, client_ref="H-1")
    episode = make_episode(caseload, client.id)
    note = caseload.add_note(client.id, "Phoned about housing")
    app = make_app(db, clock)  # pinned to Fri 20 Nov 2026 12:00, whatever the real day
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "6")
        table = app.screen.query_one("#audit", RowTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    assert [row[1] for row in rows] == ["Added case note", "Added episode", "Added client"]
    for row in rows:
        assert row[0] in ("Fri 20 Nov 2026 12:00", "Fri 20 Nov 2026 11:59")  # written just now
        assert str(note.id) not in row and str(episode.id) not in row
        assert not any("2026-" in cell for cell in row)


def test_a_recorded_moment_on_the_real_clock_is_local_time_and_on_a_pinned_clock_moves_with_it():
    from datetime import UTC, time, timedelta

    from cjcase.domain.clock import Clock

    written = datetime.now(UTC).replace(second=0, microsecond=0)
    local = written.astimezone().replace(tzinfo=None)
    assert Clock().shown(written) == local
    assert Clock().shown(written.replace(tzinfo=None)) == local  # the audit log's naive UTC text
    pinned = Clock(date(2026, 11, 20), time(12, 0))
    assert abs(pinned.shown(written) - datetime(2026, 11, 20, 12, 0)) <= timedelta(minutes=1)
    assert abs(pinned.shown(written - timedelta(days=2)) - datetime(2026, 11, 18, 12, 0)) <= timedelta(minutes=1)


def test_the_next_reference_follows_the_organisations_pattern(caseload):
    from cjcase.services.references import next_reference

    assert next_reference(caseload.db) is None  # nobody yet: nothing to follow
    for ref in ("OLD7", "RL-0041", "RL-0042", "RL-0040"):
        make_client(caseload, client_ref=ref, first_name="A", last_name=ref.replace("-", ""))
    assert next_reference(caseload.db) == "RL-0043"
    make_client(caseload, client_ref="RL-9999", first_name="A", last_name="Nines")
    assert next_reference(caseload.db) == "RL-10000"  # wider, never a duplicate
    make_client(caseload, client_ref="RL-10000", first_name="A", last_name="Tens")
    assert next_reference(caseload.db) == "RL-10001"


async def test_the_new_client_form_suggests_the_next_free_reference(db, clock, caseload):
    from textual.widgets import Select

    from cjcase.tui.dialogs.client_dialog import ClientDialog

    for ref in ("RL-0041", "RL-0042"):
        make_client(caseload, client_ref=ref, last_name=ref.replace("-", ""))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "n")
        assert isinstance(app.screen, ClientDialog)
        assert app.screen.query_one("#field-client_ref", Input).value == "RL-0043"
        await press_at_once(pilot, "escape")  # untouched: it closes without asking
        await press_at_once(pilot, "n", "tab", "Ann", "tab", "Ash", "tab", "tab", "17/5/1990")
        app.screen.query_one("#field-sex", Select).value = "female"
        app.screen.query_one("#field-ethnicity", Select).value = "A"
        await press_at_once(pilot, "ctrl+s")
        assert caseload.client_by_ref("RL-0043").last_name == "Ash"
        await press_at_once(pilot, "n", "X-1")  # typing replaces the suggestion
        assert app.screen.query_one("#field-client_ref", Input).value == "X-1"


async def test_the_overview_shows_the_next_appointment_and_the_release(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, pathway="prison_link", referral_date=date(2026, 10, 1))
    caseload.add_session(client.id, {"when": datetime(2026, 11, 26, 10, 0), "kind": "keywork", "status": "scheduled"})
    caseload.add_session(client.id, {"when": datetime(2026, 12, 3, 10, 0), "kind": "review", "status": "scheduled"})
    release = caseload.releases.add(client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 23)})
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        coming = text_of(app.screen.query_one("#coming", Static))
        assert "Next appointment Thu 26 Nov 2026 10:00, keywork" in coming
        assert "Release expected Mon 23 Nov 2026 (HMP Leeds)" in coming
        caseload.releases.update(release.id, {"expected_date": date(2026, 11, 13), "actual_date": date(2026, 11, 13)})
        app.screen.refresh_data()
        await settle(pilot)
        coming = text_of(app.screen.query_one("#coming", Static))
        assert "Released Fri 13 Nov 2026 (HMP Leeds): not engaged yet, 14 days left" in coming


async def test_typing_on_a_dropdown_picks_a_choice_and_the_form_says_so(db, clock, caseload):
    from textual.widgets import Select

    client = make_client(caseload)
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "l", "tab")
        hint = text_of(app.screen.query_one("#form-hint", Static))
        assert "type to pick (ga: gate pickup)" in hint
        await press_at_once(pilot, "ga", "tab", "dn")
        assert app.screen.query_one("#field-kind", Select).value == "gate_pickup"
        assert app.screen.query_one("#field-status", Select).value == "dna"
        await press_at_once(pilot, "tab")
        assert "type to pick" not in text_of(app.screen.query_one("#form-hint", Static))
        await press_at_once(pilot, "ctrl+s")
    [session] = caseload.sessions(client.id)
    assert (session.kind, session.status) == ("gate_pickup", "dna")


# ---------------------------------------------------------------- 10. toasts


async def test_toasts_leave_a_form_and_its_keys_readable_at_80_by_24(db, clock, caseload):
    from textual.widgets._toast import Toast

    from cjcase.tui.widgets.key_footer import KeyFooter

    client = make_client(caseload)
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        for opens in (("n",), ("escape",)), (("l",), ("escape",)):
            if opens[0] == ("l",):
                app.open_client(client.id)
                await settle(pilot)
            # (Long timeouts: on a loaded machine the form may take longer to open than a toast lasts.)
            app.notify("Saved.", timeout=60)
            app.notify(
                "Court tomorrow 10:00 for Jo Bloggs (plea, Leeds Magistrates' Court)", title="Reminder", timeout=60
            )
            await press_at_once(pilot, *opens[0])
            form = app.screen.query_one("#form").region
            footer = app.screen.query_one(KeyFooter)
            keys = [(footer.region.x + start, footer.region.x + end) for start, end, _key in footer._spans]

            def shown():
                return [t for t in app.screen.query(Toast) if t.parent.display and t.region.width]

            await wait_until(pilot, lambda: shown())
            toasts = shown()
            for toast in toasts:
                region = toast.region
                assert not region.overlaps(form), f"a toast covers the form: {region} over {form}"
                for start, end in keys:  # the form's keys on the bottom line stay readable
                    assert region.y != footer.region.y or region.right <= start or region.x >= end
            assert "Reminder: Court tomorrow" in str(toasts[-1].render())
            await press_at_once(pilot, *opens[1])
