"""A light table for a long list refilled as you type: it draws only the rows on screen."""

from __future__ import annotations

from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text  # a Text cell keeps its one style (closed clients are dim); spans are not drawn


class RowTable(ScrollView, can_focus=True):
    """Rows of cells in columns of set widths, a fixed header and a row cursor.

    Textual's DataTable measures every new cell and renders each through Rich; refilled on
    every keystroke, that was most of a search's time on a large caseload. This draws a row
    as one strip of segments, and only the rows in view. Keys and messages follow DataTable.
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First row", show=False),
        Binding("end,ctrl+end", "last_row", "Last row", show=False),
    ]
    COMPONENT_CLASSES = {"row-table--header", "row-table--cursor"}
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        & > .row-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .row-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .row-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, repaint=False)

    class _RowMessage(Message):
        def __init__(self, table: RowTable, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row

        @property
        def control(self) -> RowTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to a row."""

    class RowSelected(_RowMessage):
        """Enter was pressed on a row, or the cursor's row was clicked."""

    def __init__(self, *, id: str | None = None, classes: str | None = None, spill: bool = False) -> None:
        super().__init__(id=id, classes=classes)
        # A cell spills into the empty cells to its right (a day's heading across a list).
        self.spill = spill
        self._columns: list[tuple[str, int]] = []
        self._rows: list[tuple[Cell, ...]] = []
        self._records: list[Any] = []  # what each row shows (a client, a session...), or None
        self._styles: tuple[Style, Style, Style] | None = None  # this frame's: plain, header, cursor

    # ------------------------------------------------------------------ content

    def add_column(self, label: str, *, width: int) -> None:
        """Add a column `width` cells wide (plus a cell of padding each side)."""
        self._columns.append((label, width))
        self._resized()

    def set_widths(self, widths: list[int]) -> None:
        """Give the columns new widths (the screen grew or shrank, or the rows need more room)."""
        columns = [(label, width) for (label, _old), width in zip(self._columns, widths, strict=True)]
        if columns != self._columns:
            self._columns = columns
            self._resized()

    def clear(self, columns: bool = False) -> None:
        """Remove every row (and the columns too, if asked); the cursor goes back to the first."""
        self._rows, self._records = [], []
        if columns:
            self._columns = []
        self.set_reactive(RowTable.cursor_row, 0)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._resized()

    def add_rows(self, rows: list[tuple[Cell, ...]], records: list | None = None) -> None:
        """Add rows at the end, each a cell per column, with the record each row shows."""
        self._rows.extend(tuple(row) for row in rows)
        self._records.extend(records if records is not None else [None] * len(rows))
        self._resized()

    def replace_rows(self, rows: list[tuple[Cell, ...]], cursor_row: int = 0, records: list | None = None) -> None:
        """Put these rows (and the records they show) in place of the old ones, the cursor on
        `cursor_row` (or the last row).

        One change of size instead of clear() and add_rows()'s two: a page of search results
        replacing another is then the same size, and the screen need not be laid out again.
        """
        self._rows = [tuple(row) for row in rows]
        self._records = list(records) if records is not None else [None] * len(self._rows)
        self.set_reactive(RowTable.cursor_row, max(0, min(cursor_row, len(self._rows) - 1)))
        if not cursor_row:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self._resized()
        self._scroll_cursor_into_view()

    def add_row(self, *cells: Cell) -> None:
        """Add one row at the end."""
        self.add_rows([cells])

    def update_row(self, index: int, cells: tuple[Cell, ...]) -> None:
        """Replace the cells of one row."""
        self._rows[index] = tuple(cells)
        self.refresh()

    def get_row_at(self, index: int) -> tuple[Cell, ...]:
        """The cells of a row."""
        return self._rows[index]

    @property
    def records(self) -> list[Any]:
        """The records the rows show, in order (None for a row that shows none)."""
        return list(self._records)

    @property
    def cursor_record(self) -> Any:
        """The record the cursor's row shows, or None (no rows, or a row that shows none)."""
        return self._records[self.cursor_row] if self._rows else None

    @property
    def row_count(self) -> int:
        """How many rows the table holds."""
        return len(self._rows)

    def _resized(self) -> None:
        width = sum(w + 2 for _label, w in self._columns)
        self.virtual_size = Size(width, len(self._rows) + 1)  # + the header line
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def _line_styles(self) -> tuple[Style, Style, Style]:
        base = self.rich_style
        return (
            base,
            base + self.get_component_rich_style("row-table--header"),
            base + self.get_component_rich_style("row-table--cursor"),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        self._styles = self._line_styles()  # once a frame, not once a line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        base, header, cursor = self._styles or self._line_styles()
        width = self.size.width
        if y == 0:
            strip = self._strip([label for label, _w in self._columns], header)
        else:
            index = scroll_y + y - 1
            if index >= len(self._rows):
                return Strip.blank(width, base)
            strip = self._strip(self._rows[index], cursor if index == self.cursor_row else base)
        # (No offsets in the strip: a click is placed from its line and the scroll position.)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _strip(self, cells, style: Style) -> Strip:
        segments = []
        widths = [width for _label, width in self._columns]
        if self.spill:
            cells, widths = _spilled(list(cells), widths)
        for width, cell in zip(widths, cells, strict=False):
            if isinstance(cell, Text):
                text, cell_style = cell.plain, cell.style
                if isinstance(cell_style, str):
                    cell_style = Style.parse(cell_style) if cell_style else Style.null()
                segments.append(Segment(" " + set_cell_size(text, width) + " ", style + cell_style))
            else:
                segments.append(Segment(" " + set_cell_size(str(cell), width) + " ", style))
        return Strip(segments, sum(w + 2 for _label, w in self._columns))

    # ------------------------------------------------------------------ the cursor

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh()
        self._scroll_cursor_into_view()
        if self._rows:
            self.post_message(self.RowHighlighted(self, new))

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= max(1, self.scrollable_content_region.height - 1)

    def action_page_down(self) -> None:
        self.cursor_row += max(1, self.scrollable_content_region.height - 1)

    def action_first_row(self) -> None:
        self.cursor_row = 0

    def action_last_row(self) -> None:
        self.cursor_row = len(self._rows) - 1

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(self.RowSelected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return  # the header
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self._rows):
            event.stop()
            if index == self.cursor_row:
                self.action_select_cursor()
            else:
                self.cursor_row = index


def _spilled(cells: list, widths: list[int]) -> tuple[list, list[int]]:
    """The cells with each empty one after a cell given to it: one cell, wider (its padding too)."""
    merged: list = []
    merged_widths: list[int] = []
    for cell, width in zip(cells, widths, strict=False):
        if merged and not str(cell.plain if isinstance(cell, Text) else cell):
            merged_widths[-1] += width + 2
        else:
            merged.append(cell)
            merged_widths.append(width)
    return merged, merged_widths
