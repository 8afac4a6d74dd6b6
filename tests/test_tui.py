"""The keyworker's TUI driven through the real app with Pilot, against a real database file."""

import asyncio
from datetime import date, datetime, timedelta

from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from cjcase.tui.app import make_app
from cjcase.tui.dialogs.client_dialog import ClientDialog
from cjcase.tui.dialogs.session_dialog import SessionDialog
from cjcase.tui.screens.caseload_screen import CaseloadScreen
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import SAMPLE_TODAY, add_hearing, make_client, make_episode, settle

TODAY = SAMPLE_TODAY  # Fri 20 Nov 2026, 12:00 on the test clock


def table_text(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def static_text(widget: Static) -> str:
    return str(widget.render())


async def jump_by_palette(pilot, text: str) -> None:
    """Type part of a name into the command palette and take its first client."""
    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*text)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await settle(pilot)


async def type_into(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.value = text
    await settle(pilot)


async def test_create_a_client_log_a_session_and_see_it_on_the_record_and_agenda(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, ClientDialog)
        await type_into(pilot, "#field-client_ref", "N-1")
        await type_into(pilot, "#field-first_name", "Marigold")
        await type_into(pilot, "#field-last_name", "Finch")
        await type_into(pilot, "#field-date_of_birth", "14/09/1988")
        app.screen.query_one("#field-sex", Select).value = "female"
        app.screen.query_one("#field-ethnicity", Select).value = "A"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        client = caseload.client_by_ref("N-1")
        assert client.date_of_birth == date(1988, 9, 14)

        await pilot.press("l")
        assert isinstance(app.screen, SessionDialog)
        await type_into(pilot, "#field-when", "today 10am")
        await type_into(pilot, "#field-next_when", "tue 14:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        sessions = caseload.sessions(client.id)
        assert [(s.starts_at, s.status) for s in sessions] == [
            (datetime(2026, 11, 24, 14, 0), "scheduled"),
            (datetime(2026, 11, 20, 10, 0), "attended"),
        ]
        app.screen.query_one("#tabs", TabbedContent).active = "sessions-tab"
        await settle(pilot)
        rows = table_text(app.screen.query_one("#sessions", RowTable))
        assert rows[0][:3] == ["Tue 24 Nov 2026 14:00", "keywork", "scheduled"]
        assert rows[1][:3] == ["Fri 20 Nov 2026 10:00", "keywork", "attended"]

        await pilot.press("escape")
        await settle(pilot)
        agenda = table_text(app.screen.query_one("#agenda", RowTable))
        assert ["14:00", "Marigold Finch (N-1)", "Keywork (scheduled)"] in agenda


async def test_two_dnas_raise_the_follow_up_alert_until_a_follow_up(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    caseload.add_session(client.id, {"when": datetime(2026, 11, 3, 10, 0), "kind": "keywork", "status": "attended"})
    for day in (10, 17):
        caseload.add_session(
            client.id, {"when": datetime(2026, 11, day, 10, 0), "kind": "keywork", "status": "scheduled"}
        )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        actions = app.screen.query_one("#actions", RowTable)
        reasons = [row[1] for row in table_text(actions)]
        assert reasons == ["Keywork 10 Nov 10:00: outcome not recorded", "Keywork 17 Nov 10:00: outcome not recorded"]
        actions.focus()
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert [s.status for s in caseload.sessions(client.id)] == ["dna", "dna", "attended"]
        reasons = [row[1] for row in table_text(actions)]
        assert reasons == ["2 DNAs in 28 days, no follow-up since 17 Nov"]
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#field-text").text = "Rang, no answer; letter sent"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table_text(app.screen.query_one("#actions", RowTable)) == []
        assert caseload.notes(client.id)[0].kind == "dna_follow_up"


async def test_a_release_ten_days_ago_not_engaged_shows_eleven_days_left(db, clock, caseload):
    client = make_client(caseload)
    make_episode(
        caseload,
        client.id,
        referral_date=date(2026, 10, 1),
        pathway="prison_link",
        referral_source="prison",
        prison_release_date=TODAY - timedelta(days=10),
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reasons = [row[1] for row in table_text(app.screen.query_one("#actions", RowTable))]
        assert "Released Tue 10 Nov, not engaged: 11 days left" in reasons


async def test_a_court_date_tomorrow_and_an_overdue_review_need_action(db, clock, caseload):
    client = make_client(caseload)
    add_hearing(
        caseload,
        client.id,
        {"when": datetime(2026, 11, 21, 10, 0), "court": "Leeds Magistrates' Court", "hearing_type": "sentencing"},
    )
    caseload.add_goal(
        client.id,
        {
            "domain": "housing",
            "description": "Flat",
            "set_date": date(2026, 9, 1),
            "review_date": date(2026, 11, 19),
            "status": "open",
        },
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reasons = [row[1] for row in table_text(app.screen.query_one("#actions", RowTable))]
        assert "Court tomorrow 10:00: sentencing, Leeds Magistrates' Court" in reasons
        assert "Goal review overdue since 19 Nov (housing)" in reasons
        agenda = table_text(app.screen.query_one("#agenda", RowTable))
        assert ["10:00", "Jo Bloggs (T-1)", "Sentencing hearing at Leeds Magistrates' Court (in 1 day)"] in agenda


async def test_search_narrows_the_caseload_and_enter_opens_the_client(db, clock, caseload):
    for ref, first, last in (("A-1", "Anne", "Archer"), ("B-2", "Bob", "Baker"), ("C-3", "Cath", "Baxter")):
        client = make_client(caseload, client_ref=ref, first_name=first, last_name=last)
        make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        table = app.screen.query_one("#clients", RowTable)
        assert table.row_count == 3
        await pilot.press("b", "a")
        await settle(pilot)
        await settle(pilot)
        assert [row[0] for row in table_text(table)] == ["B-2", "C-3"]
        await pilot.press("x")
        await settle(pilot)
        await settle(pilot)
        assert [row[0] for row in table_text(table)] == ["C-3"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        assert app.screen.title == "Cath Baxter · C-3"


async def test_the_closed_filter_finds_a_client_to_refer_again(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, discharge_date=date(2026, 3, 1), discharge_reason="dropped_out")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_caseload_closed()
        await settle(pilot)
        await settle(pilot)
        table = app.screen.query_one("#clients", RowTable)
        assert [row[0] for row in table_text(table)] == ["T-1"]
        table.focus()
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one("#field-referral_source", Select).value = "self"
        app.screen.query_one("#field-pathway", Select).value = "court"
        app.screen.query_one("#field-primary_substance", Select).value = "crack"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert caseload.open_episode(client.id).pathway == "court"


async def test_escape_on_a_half_filled_form_leaves_the_database_unchanged(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = db.table("audit").count
        await pilot.press("n")
        await type_into(pilot, "#field-client_ref", "HALF-1")
        await type_into(pilot, "#field-first_name", "Half")
        await pilot.press("escape", "y")  # "Discard changes?" yes
        await settle(pilot)
        assert not isinstance(app.screen, ClientDialog)
        assert db.table("clients").count == 0
        assert db.table("audit").count == before


async def test_validation_errors_show_beside_the_field_and_keep_what_was_typed(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await type_into(pilot, "#field-client_ref", "V-1")
        await type_into(pilot, "#field-first_name", "Val")
        await type_into(pilot, "#field-last_name", "Idate")
        await type_into(pilot, "#field-date_of_birth", "31/02/1990")
        app.screen.query_one("#field-sex", Select).value = "male"
        app.screen.query_one("#field-ethnicity", Select).value = "A"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientDialog)
        error = app.screen.query_one("#error-date_of_birth", Static)
        assert error.display and "not a real date" in static_text(error)
        assert app.focused.id == "field-date_of_birth"
        assert app.screen.query_one("#field-first_name", Input).value == "Val"
        assert db.table("clients").count == 0
        await type_into(pilot, "#field-date_of_birth", "1990-02-28")
        assert not app.screen.query_one("#error-date_of_birth", Static).display  # cleared on typing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        assert db.table("clients").count == 1


async def test_a_session_outcome_error_shows_beside_its_field(db, clock, caseload):
    client = make_client(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("l")
        await type_into(pilot, "#field-duration_minutes", "2000")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionDialog)
        assert "1440" in static_text(app.screen.query_one("#error-duration_minutes", Static))
        assert db.table("sessions").count == 0


async def test_a_duplicate_is_flagged_and_ctrl_o_opens_the_existing_record(db, clock, caseload):
    existing = make_client(caseload, first_name="Joanne")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await type_into(pilot, "#field-client_ref", "D-2")
        await type_into(pilot, "#field-first_name", "Jo")
        await type_into(pilot, "#field-last_name", "Bloggs")
        await type_into(pilot, "#field-date_of_birth", "17/05/1990")
        app.screen.query_one("#field-sex", Select).value = "female"
        app.screen.query_one("#field-ethnicity", Select).value = "A"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already on the caseload" in static_text(app.screen.query_one("#form-error", Static))
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen) and app.screen.client_id == existing.id
        assert db.table("clients").count == 1


async def test_discharging_a_planned_exit_asks_for_the_exit_top(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    caseload.add_goal(
        client.id, {"domain": "housing", "description": "Flat", "set_date": date(2026, 1, 10), "status": "open"}
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one("#field-discharge_reason", Select).value = "completed_drug_free"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert type(app.screen).__name__ == "TopDialog"
        assert app.screen.query_one("#field-stage", Select).value == "exit"
        assert caseload.goals(client.id)[0].status == "not_achieved"
        assert not caseload.open_episode(client.id)


async def test_discharging_as_a_transfer_asks_where_to_and_then_saves_it(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one("#field-discharge_reason", Select).value = "transferred_custody"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Say where the client was transferred to" in static_text(app.screen.query_one("#error-transferred_to"))
        assert caseload.open_episode(client.id)
        await type_into(pilot, "#field-transferred_to", "HMP Leeds")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        assert caseload.episodes(client.id)[0].transferred_to == "HMP Leeds"


async def test_the_outcomes_tab_shows_the_change_since_the_start_top(db, clock, caseload):
    from tests.helpers import top_form

    client = make_client(caseload)
    caseload.add_top(client.id, top_form(opiates_days=12, date=date(2026, 3, 5), stage="start"))
    caseload.add_top(client.id, top_form(opiates_days=4, date=date(2026, 9, 5), stage="review"))
    app = make_app(db, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        rows = {row[0]: row[1:] for row in table_text(app.screen.query_one("#tops", RowTable))}
        assert rows["opiates"] == ["12", "4", "-8"] and rows["alcohol"] == ["0", "0", "0"]
        assert rows["assault"] == ["no", "no", ""]


async def test_help_lists_the_keys_of_the_screen_in_front(db, clock):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = static_text(app.screen.query_one("#help-keys", Static))
        assert "Log session" in text and "Attended" in text and "Command palette" in text


async def test_the_palette_lists_screen_actions_and_templates(db, clock):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Agenda: log session" in titles
        assert "Returns: write quarterly_return" in titles
        assert "Client: add new" in titles


async def test_the_palette_jumps_to_a_client_by_part_of_a_name(db, clock, caseload):
    client = make_client(caseload, first_name="Persephone")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await jump_by_palette(pilot, "perse")
        assert isinstance(app.screen, ClientScreen) and app.screen.client_id == client.id


async def test_the_returns_screen_previews_and_writes(db, clock, caseload, tmp_path):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 8, 1))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_returns("quarterly_return")
        await settle(pilot)
        preview = app.screen.query_one("#preview", DataTable)
        rows = table_text(preview)
        assert rows[0] == ["referrals_received", "all", "*"]
        status = static_text(app.screen.query_one("#return-status", Static))
        assert "no answer recorded for consent to share (their extract rows are written in full) (T-1)" in status
        app.screen.query_one("#out", Input).value = str(tmp_path)
        app.screen.query_one("#format", Select).value = "csv"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Write the return anyway" in static_text(app.screen.query_one("#confirm Static"))
        await pilot.press("y")
        await settle(pilot)
        written = tmp_path / "quarterly_return_2026-27_Q2.csv"
        assert written.exists()
        assert str(written) in static_text(app.screen.query_one("#return-status", Static))


async def test_the_returns_screen_prepares_in_the_background_and_stays_in_use(db, clock, caseload, monkeypatch):
    import threading

    from cjcase.returns import exporter
    from cjcase.tui.screens.returns_screen import ReturnsScreen

    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 8, 1))
    release, real = threading.Event(), exporter.prepare
    monkeypatch.setattr(exporter, "prepare", lambda *args: release.wait(10) and real(*args))
    arrived = []
    shown = ReturnsScreen.on_return_prepared
    monkeypatch.setattr(ReturnsScreen, "on_return_prepared", lambda screen, m: arrived.append(m) or shown(screen, m))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_returns("quarterly_return")
        await pilot.pause()
        await pilot.pause()
        assert "Preparing Quarterly" in static_text(app.screen.query_one("#return-status", Static))
        out = app.screen.query_one("#out", Input)
        out.value = ""
        out.focus()
        await pilot.press("a", "b")  # the screen answers keys while the return is built
        assert out.value == "ab" and app.screen.query_one("#preview", DataTable).row_count == 0
        release.set()
        await settle(pilot)
        assert [type(m).__name__ for m in arrived] == ["ReturnPrepared"]
        assert table_text(app.screen.query_one("#preview", DataTable))[0] == ["referrals_received", "all", "*"]
        assert "Data quality" in static_text(app.screen.query_one("#return-status", Static))


async def test_the_agenda_and_the_caseload_list_arrive_as_messages_from_their_loads(db, clock, caseload, monkeypatch):
    from cjcase.tui.screens.agenda_screen import AgendaScreen

    make_episode(caseload, make_client(caseload).id)
    arrived = []
    for screen_class, handler in (
        (AgendaScreen, "on_agenda_loaded"),
        (AgendaScreen, "on_actions_loaded"),
        (CaseloadScreen, "on_caseload_page_loaded"),
        (CaseloadScreen, "on_caseload_counted"),
    ):
        shown = getattr(screen_class, handler)
        monkeypatch.setattr(
            screen_class, handler, lambda screen, m, shown=shown: arrived.append(type(m).__name__) or shown(screen, m)
        )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert app.screen.query_one("#clients", RowTable).row_count == 1
    assert arrived == ["AgendaLoaded", "ActionsLoaded", "CaseloadPageLoaded", "CaseloadCounted"]


async def test_the_returns_screen_asks_before_writing_an_extract_with_small_groups(db, clock, caseload, tmp_path):
    from cjcase.returns import exporter

    client = make_client(caseload, consent_to_share="yes")
    make_episode(caseload, client.id, referral_date=date(2026, 8, 1))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_returns("pseudonymised_extract")
        await settle(pilot)
        app.screen.query_one("#out", Input).value = str(tmp_path)
        app.screen.query_one("#format", Select).value = "csv"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        question = static_text(app.screen.query_one("#confirm Static"))
        assert "1 row is of the extract in groups smaller than 5" in question and "Write the return anyway" in question
        await pilot.press("y")
        await settle(pilot)
        assert (tmp_path / "pseudonymised_extract_2026-27_Q2.csv").exists()
        assert "allow_small_groups yes" in exporter.history(db)[0].detail


async def test_goals_and_hearings_are_kept_from_the_client_record(db, clock, caseload):
    client = make_client(caseload)
    goal = caseload.add_goal(
        client.id,
        {
            "domain": "housing",
            "description": "Flat",
            "set_date": date(2026, 10, 1),
            "review_date": date(2026, 11, 27),
            "status": "open",
        },
    )
    hearing = add_hearing(
        caseload, client.id, {"when": datetime(2026, 11, 30, 10, 0), "court": "Leeds", "hearing_type": "sentencing"}
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("3")
        assert app.screen.query_one("#tabs", TabbedContent).active == "goals-tab"
        await pilot.press("e")
        await type_into(pilot, "#field-description", "Council flat")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert caseload.get_goal(goal.id).description == "Council flat"
        await pilot.press("v")
        app.screen.query_one("#field-note").text = "On the bidding list"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "On the bidding list" in static_text(app.screen.query_one("#goal-reviews", Static))
        await pilot.press("c")
        app.screen.query_one("#field-status", Select).value = "achieved"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert caseload.get_goal(goal.id).status == "achieved"
        await pilot.press("4")
        await pilot.press("j")
        await type_into(pilot, "#field-when", "14/12/2026 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = table_text(app.screen.query_one("#court", RowTable))
        assert rows[0][0] == "Mon 14 Dec 2026 10:00" and "adjourned from 30/11/26" in rows[0][3]
        assert rows[1][3] == "Adjourned"
        assert caseload.get_court_date(hearing.id).outcome == "Adjourned"


async def test_a_top_is_entered_as_one_grid_and_the_change_from_start_shows(db, clock, caseload):
    from cjcase.domain.codes import TOP_ITEM_KIND, TOP_ITEMS
    from tests.helpers import top_form

    client = make_client(caseload)
    caseload.add_top(
        client.id,
        top_form(
            opiates_days=20,
            psych_health=8,
            phys_health=9,
            quality_of_life=7,
            acute_housing_problem="yes",
            date=date(2026, 6, 1),
            stage="start",
        ),
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.screen.query_one("#field-stage", Select).value == "review"
        for name in TOP_ITEMS:
            await type_into(pilot, f"#field-{name}", "n" if TOP_ITEM_KIND[name] == "yes_no" else "0")
        await type_into(pilot, "#field-opiates_days", "4")
        for name in ("psych_health", "phys_health", "quality_of_life"):
            await type_into(pilot, f"#field-{name}", "12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")  # the saved form shows the change beside each item; esc closes it
        await settle(pilot)
        rows = {row[0]: row for row in table_text(app.screen.query_one("#tops", RowTable))}
        assert rows["opiates"][-1] == "-16"
        assert rows["quality of life"][-1] == "+5"


async def test_a_long_agenda_shows_its_first_rows_and_how_many_more(db, clock, caseload, monkeypatch):
    from cjcase.tui.screens import agenda_screen

    monkeypatch.setattr(agenda_screen, "MAX_AGENDA_ROWS", 3)
    client = make_client(caseload)
    for day in range(21, 26):
        caseload.add_session(
            client.id, {"when": datetime(2026, 11, day, 10, 0), "kind": "keywork", "status": "scheduled"}
        )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rows = table_text(app.screen.query_one("#agenda", RowTable))
        sessions = [row for row in rows if row[0] == "10:00"]
        assert len(sessions) == 3 and rows[1][2] == "Keywork (scheduled)"
        assert rows[-1][1] == "… and 2 more"


async def test_the_next_record_opened_shows_only_that_client_from_its_overview(db, clock, caseload):
    first = make_client(caseload, client_ref="A-1", first_name="Anne", last_name="Archer", phone="07700 900111")
    make_episode(caseload, first.id)
    caseload.add_session(
        first.id,
        {"when": datetime(2026, 11, 2, 10, 0), "kind": "keywork", "status": "attended", "notes": "Anne's private note"},
    )
    second = make_client(caseload, client_ref="B-2", first_name="Bob", last_name="Baker", phone="07700 900222")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(first.id)
        await settle(pilot)
        await pilot.press("2")  # Anne's sessions in front
        await settle(pilot)
        assert table_text(app.screen.query_one("#sessions", RowTable))[0][4] == "Anne's private note"
        kept = app.screen
        await pilot.press("escape")
        await settle(pilot)
        app.open_client(second.id)
        await settle(pilot)
        screen = app.screen
        assert screen is kept  # the record screen is refilled, not built again
        assert screen.title == "Bob Baker · B-2"
        assert screen.query_one("#tabs", TabbedContent).active == "overview"
        assert "07700 900222" in static_text(screen.query_one("#contact", Static))
        assert "07700 900111" not in static_text(screen.query_one("#contact", Static))
        await pilot.press("2")
        await settle(pilot)
        assert table_text(screen.query_one("#sessions", RowTable)) == []
        # From one record to another through the palette: the record in front changes.
        await jump_by_palette(pilot, "anne")
        assert app.screen.title == "Anne Archer · A-1"
        assert "07700 900111" in static_text(app.screen.query_one("#contact", Static))
        assert app.screen.query_one("#tabs", TabbedContent).active == "overview"


async def test_opening_a_kept_record_reads_the_client_once(db, clock, caseload, monkeypatch):
    first = make_client(caseload, client_ref="A-1")
    second = make_client(caseload, client_ref="B-2")
    reads = []
    original = ClientScreen.refresh_data
    monkeypatch.setattr(ClientScreen, "refresh_data", lambda screen: reads.append(1) or original(screen))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(first.id)  # the first record builds the screen
        await settle(pilot)
        assert len(reads) == 1
        await pilot.press("escape")
        await settle(pilot)
        app.open_client(second.id)  # later ones refill it
        await settle(pilot)
        assert app.screen.client_id == second.id and len(reads) == 2


async def test_a_tab_shown_before_its_widgets_are_mounted_still_fills(db, clock, caseload):
    client = make_client(caseload)
    caseload.add_session(client.id, {"when": datetime(2026, 11, 2, 10, 0), "kind": "keywork", "status": "attended"})
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        screen = app.screen
        while not screen.is_mounted:
            await asyncio.sleep(0)
        # Behind the first tab, widgets are mounted just after the record is painted: a key
        # can arrive between the two.
        assert not screen.query("#sessions")
        screen.action_show_tab("sessions-tab")
        await settle(pilot)
        assert table_text(screen.query_one("#sessions", RowTable))[0][:3] == [
            "Mon 2 Nov 2026 10:00",
            "keywork",
            "attended",
        ]


def test_the_record_screens_code_loads_while_the_agenda_is_read(tmp_path):
    import subprocess
    import sys

    code = f"""
import asyncio, sys
from datetime import date
from pathlib import Path
from cjcase.domain.clock import Clock
from cjcase.services.caseload_file import open_caseload
from cjcase.tui.app import make_app

app = make_app(open_caseload(Path({str(tmp_path / "c.db")!r})), Clock(date(2026, 11, 20)))

async def main():
    async with app.run_test() as pilot:
        await pilot.app.workers.wait_for_complete()
        print('cjcase.tui.screens.client_screen' in sys.modules)

asyncio.run(main())
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr


async def test_a_tabs_number_key_puts_the_cursor_in_its_list(db, clock, caseload):
    client = make_client(caseload)
    for day in (2, 9, 16):
        caseload.add_session(
            client.id, {"when": datetime(2026, 11, day, 10, 0), "kind": "keywork", "status": "attended"}
        )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await pilot.press("2", "down", "down", "e")  # straight away: the tab's list may still be mounting
        await settle(pilot)
        assert isinstance(app.screen, SessionDialog)
        assert app.screen.session.starts_at == datetime(2026, 11, 2, 10, 0)  # the third row, newest first


async def test_a_bad_template_file_neither_breaks_the_palette_nor_the_returns_screen(db, clock, db_path):
    # Before: the palette and the Returns screen died with a UnicodeDecodeError traceback.
    folder = db_path.parent / "exports"
    folder.mkdir()
    (folder / "latin.toml").write_bytes('kind = "aggregate"\ntitle = "Caf\xe9"\n'.encode("latin-1"))
    app = make_app(db, clock, path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Returns: write quarterly_return" in titles
        assert not any("latin" in title for title in titles)
        app.action_returns("quarterly_return")
        await settle(pilot)
        messages = [notification.message for notification in app._notifications]
        assert any("latin.toml" in message and "not UTF-8" in message for message in messages)
        assert table_text(app.screen.query_one("#preview", DataTable))
