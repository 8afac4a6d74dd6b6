"""User text is text: a name holding Rich or Textual markup is shown as typed, never run as markup."""

from datetime import datetime

from textual.widgets import Select, Static

from cjcase.tui.app import make_app
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.confirm import ConfirmDialog
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import add_hearing, make_client, make_episode, run_cjcase, settle

FIRST, LAST = "[/bold]Ann", "[link=http://x]"
KEYWORKER = "[/]Kay [red]"
COURT = "[b]Leeds[/b] Crown"


def marked_up_client(caseload):
    """A client whose name, keyworker, notes and hearing all hold markup, with an appointment
    tomorrow and a hearing on the 23rd."""
    client = make_client(
        caseload,
        first_name=FIRST,
        last_name=LAST,
        preferred_name="[i]Annie",
        keyworker=KEYWORKER,
        notes="[/] closes [bold]nothing",
        address="[@click=app.quit]1 Elm St[/]",
    )
    make_episode(caseload, client.id)
    caseload.add_session(client.id, {"when": datetime(2026, 11, 21, 10, 0), "kind": "keywork", "status": "scheduled"})
    add_hearing(
        caseload, client.id, {"when": datetime(2026, 11, 23, 10, 0), "court": COURT, "hearing_type": "sentencing"}
    )
    return client


def test_cjcase_agenda_prints_a_name_holding_markup_as_typed(caseload, db_path):
    marked_up_client(caseload)
    caseload.db.close()
    wide = {"COLUMNS": "220"}
    result = run_cjcase("--db", str(db_path), "agenda", env=wide)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert FIRST in result.stdout and LAST in result.stdout and KEYWORKER in result.stdout
    court = run_cjcase("--db", str(db_path), "agenda", "--court", "--from", "23/11/2026", env=wide)
    assert court.returncode == 0, court.stderr
    assert FIRST in court.stdout and COURT in court.stdout


def screen_text(app) -> str:
    """Everything the screen in front shows in its Static widgets, row tables and title."""
    parts = [str(app.screen.title or "")]
    for widget in app.screen.query(Static):
        parts.append(str(widget.render()))
    for table in app.screen.query(RowTable):
        parts += [str(cell) for index in range(table.row_count) for cell in table.get_row_at(index)]
    return "\n".join(parts)


async def test_the_screens_show_a_name_holding_markup_as_typed(db, clock, caseload):
    client = marked_up_client(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await settle(pilot)
        agenda = screen_text(app)
        assert FIRST in agenda and LAST in agenda
        app.action_caseload()
        await settle(pilot)
        assert FIRST in screen_text(app)
        keyworkers = app.screen.query_one("#keyworker", Select)
        keyworkers.focus()
        await pilot.press("enter")  # the list of keyworkers opens, one of them "[/]Kay [red]"
        await settle(pilot)
        assert KEYWORKER in "\n".join(str(option.prompt) for option in keyworkers.query_one("SelectOverlay").options)
        await pilot.press("escape")
        await settle(pilot)
        app.push_screen(ClientScreen(client.id))
        await settle(pilot)
        await settle(pilot)
        record = screen_text(app)
        assert FIRST in record and LAST in record and KEYWORKER in record
        assert "[/] closes [bold]nothing" in record and "[@click=app.quit]1 Elm St[/]" in record
        await pilot.pause(0.2)
        assert app.is_running


async def test_the_palette_and_a_confirm_dialog_show_markup_as_typed(db, clock, caseload):
    client = marked_up_client(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"ann")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen) and app.screen.client_id == client.id
        app.push_screen(ConfirmDialog(f"Erase {FIRST} {LAST}?"))
        await settle(pilot)
        assert f"Erase {FIRST} {LAST}?" in str(app.screen.query_one("#confirm Static", Static).render())
        await pilot.press("n")
        await settle(pilot)
        app.notify(f"Saved {FIRST} {LAST}")
        await settle(pilot)
        assert app.is_running


async def test_the_returns_screen_shows_a_template_holding_markup_as_typed(db, clock, caseload, db_path):
    marked_up_client(caseload)
    folder = db_path.parent / "exports"
    folder.mkdir()
    (folder / "mine.toml").write_text(
        'kind = "aggregate"\ntitle = "[/]Mine [b]"\nsuppression = 0\n'
        'measures = [\n  { measure = "clients_seen", label = "[/bold]Count [i]" },\n]\n'
    )
    app = make_app(db, clock, path=db_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        titles = [str(command.title) for command in app.get_system_commands(app.screen)]
        assert "Returns: write mine" in titles
        app.action_returns("mine")
        await settle(pilot)
        status = str(app.screen.query_one("#return-status", Static).render())
        assert "[/]Mine [b]" in status
        preview = app.screen.query_one("#preview")
        assert str(preview.get_row_at(0)[0]) == "[/bold]Count [i]"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"mine")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running
