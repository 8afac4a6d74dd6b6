"""The light table the caseload is drawn with: keys, clicks, scrolling and what it draws."""

from rich.text import Text
from textual.app import App

from cjcase.tui.app import make_app
from cjcase.tui.screens.caseload_screen import PAGE
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import make_client, make_episode, settle


class TableApp(App):
    def __init__(self, rows: int):
        super().__init__()
        self.rows = rows
        self.highlighted: list[int] = []
        self.selected: list[int] = []

    def compose(self):
        yield RowTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        table.add_column("Ref", width=6)
        table.add_column("Name", width=8)
        table.add_rows([(f"R-{i}", Text(f"Name number {i}", style="dim")) for i in range(self.rows)])
        table.focus()

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        self.highlighted.append(event.cursor_row)

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        self.selected.append(event.cursor_row)


def screen_lines(app) -> list[str]:
    table = app.query_one(RowTable)
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_keys_move_the_cursor_scroll_it_into_view_and_enter_selects():
    app = TableApp(rows=30)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(RowTable)
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.cursor_row == 2 and app.highlighted == [1, 2]
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.cursor_row == 2 + 9  # a page is the rows in view: 10 lines less the header
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 29
        lines = screen_lines(app)
        assert lines[0].startswith(" Ref     Name")  # the header stays on top
        assert lines[-1].startswith(" R-29    Name num ")  # the cursor's row is in view, cut to width
        await pilot.press("down", "enter")
        await pilot.pause()
        assert table.cursor_row == 29 and app.selected == [29]
        await pilot.press("home", "up")
        await pilot.pause()
        assert table.cursor_row == 0
        assert screen_lines(app)[1].startswith(" R-0 ")


async def test_a_click_moves_the_cursor_and_a_click_on_the_cursor_selects():
    app = TableApp(rows=5)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(RowTable)
        await pilot.click(RowTable, offset=(2, 3))  # line 3 is the third row
        await pilot.pause()
        assert table.cursor_row == 2 and app.selected == []
        await pilot.click(RowTable, offset=(2, 3))
        await pilot.pause()
        assert app.selected == [2]
        await pilot.click(RowTable, offset=(2, 0))  # the header does nothing
        await pilot.pause()
        assert table.cursor_row == 2 and app.selected == [2]


async def test_clearing_empties_the_table_and_the_cursor_starts_again():
    app = TableApp(rows=5)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(RowTable)
        await pilot.press("end")
        table.clear()
        await pilot.press("enter", "down")
        await pilot.pause()
        assert table.row_count == 0 and table.cursor_row == 0 and app.selected == []
        table.add_row("R-9", "Nine")
        table.update_row(0, ("R-9", "Nina"))
        await pilot.pause()
        assert [str(cell) for cell in table.get_row_at(0)] == ["R-9", "Nina"]
        assert screen_lines(app)[1].startswith(" R-9     Nina ")


async def test_the_caseload_loads_the_next_page_when_the_cursor_nears_the_end(db, clock, caseload):
    for number in range(PAGE + 20):
        client = make_client(caseload, client_ref=f"P-{number:03d}", last_name=f"Person{number:03d}")
        make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        table = app.screen.query_one("#clients", RowTable)
        assert table.row_count == PAGE  # one page, not everyone
        table.focus()
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == PAGE + 20
        assert str(table.get_row_at(PAGE + 19)[0]) == "P-069"


async def test_replacing_the_rows_keeps_the_cursor_where_asked_within_the_new_rows():
    app = TableApp(rows=30)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(RowTable)
        await pilot.press("end")
        await pilot.pause()
        table.replace_rows([(f"N-{i}", "new") for i in range(30)], cursor_row=table.cursor_row)
        await pilot.pause()
        assert table.cursor_row == 29 and screen_lines(app)[-1].startswith(" N-29 ")  # still in view
        table.replace_rows([(f"S-{i}", "short") for i in range(5)], cursor_row=29)
        await pilot.pause()
        assert table.row_count == 5 and table.cursor_row == 4
        table.replace_rows([(f"T-{i}", "top") for i in range(30)])
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        assert screen_lines(app)[1].startswith(" T-0 ")
        table.replace_rows([])
        await pilot.pause()
        assert table.row_count == 0 and table.cursor_row == 0


async def test_each_row_carries_the_record_it_shows_and_the_cursor_gives_it_back():
    app = TableApp(rows=0)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(RowTable)
        assert table.cursor_record is None  # no rows
        table.replace_rows([("R-1", "one"), ("R-2", "two")], records=["first", "second"])
        table.add_rows([("R-3", "three")], records=["third"])
        table.add_row("--", "a heading")  # a row that shows no record
        await pilot.press("down")
        assert table.cursor_record == "second"
        table.update_row(1, ("R-2", "TWO"))
        assert table.cursor_record == "second"
        await pilot.press("end")
        assert table.cursor_record is None
        await pilot.press("up")
        assert table.cursor_record == "third"
        table.replace_rows([("X", "x")])
        assert table.cursor_record is None
