"""What every cjcase screen shares: its area name for the palette, its help text, opening a client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.screen import Screen
from textual.widgets import DataTable

from cjcase.tui.door import ServiceDoor

if TYPE_CHECKING:
    from cjcase.tui.widgets.row_table import RowTable


def add_fixed_columns(table: DataTable | RowTable, columns: list[tuple[str, int]]) -> None:
    """Columns of set widths: the table then need not measure every cell of a long list,
    which is what made a keystroke slow on a large caseload."""
    for label, width in columns:
        # A DataTable reads a str label as markup; labels can come from a user's template.
        table.add_column(Text(label) if isinstance(table, DataTable) else label, width=width)


class CjcaseScreen(ServiceDoor, Screen):
    """A full screen of the app. AREA names it in the command palette; HELP is its guide."""

    AREA = ""
    HELP = ""
    # Actions that change the caseload: absent from the footer and palette in read-only mode.
    EDIT_ACTIONS: frozenset[str] = frozenset()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if self.app.read_only and action in self.EDIT_ACTIONS:
            return False
        return True

    def shown_name(self, first: str, last: str, client_ref: str) -> str:
        """A client's name as this view shows it."""
        return self.app.name_of(first, last, client_ref)

    def open_client(self, client_id: int) -> None:
        """Show a client's record."""
        self.app.open_client(client_id)

    def refresh_data(self) -> None:
        """Reload what the screen shows from the database (after a change elsewhere)."""

    # Set when the screen was filled just before it was shown: the resume that follows need
    # not read everything again.
    _fresh = False

    def on_screen_resume(self) -> None:
        # Coming back from a record or a dialog: show what may have changed there.
        if self._fresh:
            self._fresh = False
        elif self.is_mounted and getattr(self, "_loaded", False):
            self.refresh_data()
