"""The keyworker's flow through the screens (issue 16, items 7 to 10): the caseload search, the
agenda's filter and widths, the forms' first field and hints, the record's overview, notes and
history, and toasts that leave a form readable. Driven with keys sent at once, as a busy laptop
delivers them, against a real database file."""

from datetime import date

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
