"""The cjcase Textual app and the one constructor that builds it for the CLI and the tests."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from textual.app import App
from textual.binding import Binding

from cjcase.caseload import Caseload
from cjcase.clock import Clock
from cjcase.tui.agenda_screen import AgendaScreen


class CjcaseApp(App):
    """A keyworker's caseload in the terminal."""

    CSS_PATH = "cjcase.tcss"
    TITLE = "cjcase"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, caseload: Caseload, path: Path | None = None, read_only: bool = False):
        super().__init__()
        self.caseload = caseload
        self.db_path = path
        self.read_only = read_only

    @property
    def clock(self) -> Clock:
        """The program's clock (fixed by CJCASE_TODAY in tests)."""
        return self.caseload.clock

    def on_mount(self) -> None:
        self.push_screen(AgendaScreen())


def make_app(
    db: sqlite_utils.Database, clock: Clock, path: Path | None = None, read_only: bool = False
) -> CjcaseApp:
    """Build the app over an open database: used by `cjcase` and by Pilot tests alike."""
    return CjcaseApp(Caseload(db, clock), path=path, read_only=read_only)
