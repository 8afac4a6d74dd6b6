"""The home screen: today and the next 14 days, grouped by day."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from cjcase import agenda
from cjcase.dates import format_date

AGENDA_DAYS = 14


class AgendaScreen(Screen):
    """What is due today and in the next two weeks."""

    BINDINGS = [Binding("r", "refresh", "Refresh")]

    def compose(self) -> ComposeResult:
        yield Header()
        clock = self.app.clock
        if clock.is_fixed:
            yield Static(
                f"Clock fixed by CJCASE_TODAY to {format_date(clock.today())}: "
                "this is not today's date.",
                id="clock-banner",
            )
        yield Static(id="empty")
        yield DataTable(id="agenda", cursor_type="row", zebra_stripes=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#agenda", DataTable)
        table.add_columns("When", "Client", "What")
        self.action_refresh()

    def action_refresh(self) -> None:
        """Reload the agenda from the database."""
        today = self.app.clock.today()
        self.title = f"Agenda · {format_date(today)}"
        items = agenda.agenda(
            self.app.caseload.db, today, today + timedelta(days=AGENDA_DAYS))
        table = self.query_one("#agenda", DataTable)
        table.clear()
        empty = self.query_one("#empty", Static)
        empty.display = not items
        table.display = bool(items)
        if not items:
            empty.update(
                "Nothing is due in the next two weeks.\n\n"
                "To see cjcase with a living caseload, run `cjcase demo`; "
                "to bring in your own, run `cjcase import FOLDER`.")
            return
        current = None
        for index, item in enumerate(items):
            if item.day != current:
                current = item.day
                label = "Today" if item.day == today else format_date(item.day)
                table.add_row(Text(label, style="bold"), "", "", key=f"day-{item.day}")
            when = f"{item.at:%H:%M}" if item.at else ""
            table.add_row(when, f"{item.client_name} ({item.client_ref})", item.summary,
                          key=f"item-{index}")
