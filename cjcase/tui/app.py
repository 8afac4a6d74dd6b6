"""The cjcase Textual app and the one constructor that builds it for the CLI and the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.screen import Screen

from cjcase.domain.clock import Clock
from cjcase.tui.commands import ClientProvider
from cjcase.tui.screens.agenda_screen import AgendaScreen

if TYPE_CHECKING:
    import sqlite_utils

    from cjcase.services.caseload import Caseload
    from cjcase.services.custody import Custody
    from cjcase.services.engagement import Engagement
    from cjcase.services.orders import Orders
    from cjcase.services.requirements import Requirements


DEMO_TITLE = "DEMO: made-up clients (cjcase demo)"


class CjcaseApp(App):
    """A keyworker's caseload in the terminal."""

    CSS_PATH = "cjcase.tcss"
    TITLE = "cjcase"
    COMMANDS = App.COMMANDS | {ClientProvider}
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("slash", "caseload", "Find client", show=False, key_display="/"),
        Binding("n", "new_client", "New client", show=False),
        Binding("f2", "caseload", "Caseload", show=False),
        Binding("f3", "returns", "Returns", show=False),
        Binding("home", "agenda", "Agenda", show=False),
        Binding("f4", "toggle_initials", "Initials only", key_display="F4"),
    ]
    # App actions that change the caseload: absent in read-only mode.
    EDIT_ACTIONS = {"new_client", "quick_referral", "returns", "new_arrest_referral", "releases"}
    # Commands that work from every screen: (palette title, action, help).
    APP_COMMANDS = [
        ("Agenda: open", "agenda", "Today, the next 14 days and what needs action"),
        ("Caseload: open", "caseload", "Every client, with search and filters"),
        ("Caseload: show closed clients", "caseload_closed", "To re-refer a client who has left"),
        ("Client: add new", "new_client", "Add a client to the caseload"),
        ("Client: quick referral", "quick_referral", "Name and date of birth now, the rest later (Q on the caseload)"),
        ("Custody: new arrest referral", "new_arrest_referral", "From a positive test on arrest to a booked RA1"),
        ("Releases: open", "releases", "Releases from custody in a period, by continuity status, with the trend"),
        ("Help: show keys for this screen", "help", "The keys and a guide"),
    ]

    def __init__(
        self,
        caseload: Caseload | None,
        path: Path | None = None,
        read_only: bool = False,
        clock: Clock | None = None,
        opener: Callable[[], sqlite_utils.Database] | None = None,
    ):
        super().__init__()
        self.caseload: Caseload | None = None
        self.engagement: Engagement | None = None
        self.custody: Custody | None = None
        self.requirements: Requirements | None = None
        self.orders: Orders | None = None
        self._clock = clock or (caseload.clock if caseload else Clock())
        self.opener = opener
        self.db_path = path
        self.read_only = read_only
        self.initials_only = False
        self.name_style = "full"
        if read_only:
            self.sub_title = "READ-ONLY: no edits"  # every screen's header says so
        if caseload is not None:
            self._use(caseload)
        from cjcase.tui.key_order import KeyQueue

        self.keys = KeyQueue(self, super().on_event)

    def _use(self, caseload: Caseload) -> None:
        from cjcase.services.custody import Custody
        from cjcase.services.engagement import Engagement
        from cjcase.services.orders import Orders
        from cjcase.services.requirements import Requirements

        self.caseload = caseload
        self.engagement = Engagement(caseload)
        self.custody = Custody(caseload)
        self.requirements = Requirements(caseload)
        self.orders = Orders(caseload)
        # A read-only (volunteer) view names clients as the organisation chooses.
        self.name_style = caseload.setting("name_display") if self.read_only else "full"
        if caseload.is_demo():  # every screen's header says the clients are made up
            self.sub_title = " · ".join(part for part in (self.sub_title, DEMO_TITLE) if part)

    @property
    def clock(self) -> Clock:
        """The program's clock (fixed by CJCASE_TODAY in tests)."""
        return self._clock

    @property
    def user_templates_dir(self) -> Path | None:
        """Where the organisation keeps its own return templates: exports/ beside the database."""
        return self.db_path.parent / "exports" if self.db_path else None

    start_warning: str | None = None
    lock_after_seconds = 300
    _last_activity = 0.0

    def on_mount(self) -> None:
        self.push_screen(AgendaScreen())
        if self.caseload is None:
            # After the first frame: the worker's imports would otherwise compete with painting.
            self.call_after_refresh(self.open_database)
        else:
            self._opened()

    @work(thread=True, exclusive=True, group="open")
    def open_database(self) -> None:
        """Open the caseload after the first frame is painted, so start-up does not wait for it."""
        from cjcase.domain.errors import CjcaseError
        from cjcase.services.caseload import Caseload

        try:
            caseload = Caseload(self.opener(), self.clock)
        except CjcaseError as error:
            message = str(error)
            self.call_from_thread(lambda: self.exit(result=message, return_code=1))
            return
        self.call_from_thread(self._arrived, caseload)

    def _handle_exception(self, error: Exception) -> None:
        """An error nothing else caught. A user's problem, or a database file that fails (damaged,
        full, locked), ends the app with the command line's sentence; anything else with a
        traceback that shows no local variables (they hold clients' names)."""
        from textual.worker import WorkerFailed

        from cjcase.domain.errors import CjcaseError
        from cjcase.store.files import DATABASE_ERRORS

        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(cause, CjcaseError):
            self.exit(result=str(cause), return_code=1)
        elif isinstance(cause, DATABASE_ERRORS):
            from cjcase.store.database import failure_sentence

            passphrase = getattr(getattr(self.caseload, "db", None), "passphrase", None)
            self.exit(result=failure_sentence(self.db_path, cause, passphrase), return_code=1)
        else:
            super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's ending for an unexpected error, without the local variables it shows by default."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    def _arrived(self, caseload: Caseload) -> None:
        self._use(caseload)
        self.refresh_bindings()  # the app's keys, held back while it opened, are offered now
        self._opened()
        for screen in self.screen_stack:
            if isinstance(screen, AgendaScreen):
                screen.refresh_data()

    def _opened(self) -> None:
        """Once the caseload is open: the idle lock, warnings, the background check, reminders."""
        import time

        self._last_activity = time.monotonic()
        if self.caseload.passphrase:
            self.set_interval(5, self._lock_if_idle)
        if self.start_warning:
            self.notify(self.start_warning, severity="warning", timeout=20)
        for warning in self.caseload.opening_warnings:
            self.notify(warning, severity="warning", timeout=20)
        if self.db_path and not self.read_only:
            self.check_file()
        self.load_screen_code()
        for reminder in self.caseload.reminders(self.clock.now()):
            self.notify(reminder, title="Reminder", timeout=12)

    async def on_event(self, event) -> None:
        from textual import events

        if isinstance(event, (events.Key, events.MouseDown)):
            import time

            self._last_activity = time.monotonic()
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.keys.take(event)  # in the order typed, each to its end before the next
            return
        await super().on_event(event)

    def _lock_if_idle(self) -> None:
        """With encryption on, cover the screen after the idle time until the passphrase is typed."""
        import time

        from cjcase.tui.screens.lock_screens import LockScreen

        idle = time.monotonic() - self._last_activity
        if idle >= self.lock_after_seconds and not isinstance(self.screen, LockScreen):
            self.push_screen(LockScreen(self.caseload.passphrase))

    @work(thread=True, group="warm-up")
    def load_screen_code(self) -> None:
        """Import the record and caseload screens while the agenda is read, so the first record
        opened does not wait for its code as well as its widgets."""
        import cjcase.tui.screens.caseload_screen  # noqa: F401
        import cjcase.tui.screens.client_screen  # noqa: F401

    @work(thread=True, exclusive=True, group="integrity")
    def check_file(self) -> None:
        """Check the database file in the background, with its own read-only connection.

        The quick check, as the command line does at open: the full check (which took 11 s at
        50,000 clients, beside every keystroke of the first seconds) runs once a day on the
        verified backup, and on demand with `cjcase check`."""
        from cjcase.store.backups import verify_file

        _yield_cpu_to_the_screen()
        problem = verify_file(self.db_path, self.caseload.passphrase, quick=True)
        if problem:
            self.call_from_thread(self.refuse_damaged, problem)

    def refuse_damaged(self, problem: str) -> None:
        """Stop: a damaged file must not be written to. Say which backup to restore."""
        from cjcase.store.database import damaged_sentence
        from cjcase.tui.widgets.confirm import ConfirmDialog

        passphrase = self.caseload.passphrase if self.caseload else None
        self.push_screen(
            ConfirmDialog(f"{damaged_sentence(self.db_path, problem, passphrase)} Quit now?"),
            lambda _: self.exit(),
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification, always as plain text: messages carry names and other user text, and
        a name like "[/bold]Ann" must show as typed, not run as markup (or crash the toast).
        A title leads the message ("Reminder: …"): over a form a toast is one line."""
        if title:
            message = f"{title}: {message}"
        super().notify(message, severity=severity, timeout=timeout, markup=False)

    def name_of(self, first: str, last: str, client_ref: str) -> str:
        """A client's name as this view shows it (the setting, or initials only)."""
        from cjcase.domain.privacy import INITIALS_ONLY, display_name

        return display_name(first, last, client_ref, INITIALS_ONLY if self.initials_only else self.name_style)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # (An attribute, not isinstance: this runs before the first paint, and the lock
        # screens' module is not needed until the lock.)
        if getattr(self.screen, "LOCKS_THE_APP", False) and action != "quit":
            return False  # nothing reaches the caseload while it is locked
        if self.caseload is None and action not in ("quit", "help", "toggle_initials"):
            return False  # still opening
        if self.read_only and action in self.EDIT_ACTIONS:
            return False
        return True

    def action_toggle_initials(self) -> None:
        """Show initials only (for court waiting rooms), or names again."""
        self.initials_only = not self.initials_only
        for screen in self.screen_stack:
            if hasattr(screen, "refresh_data") and getattr(screen, "_loaded", False):
                screen.refresh_data()
        self.notify("Initials only." if self.initials_only else "Names shown.")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, action, help_text in self.APP_COMMANDS:
            if self.check_action(action, ()):
                yield SystemCommand(title, help_text, partial(self.run_action, action))
        yield SystemCommand("View: initials only on/off", "For waiting rooms (F4)", self.action_toggle_initials)
        from cjcase.returns import template as templates

        for template in templates.available(self.user_templates_dir) if not self.read_only else []:
            # A template's name and title are the user's text: escaped, never markup.
            yield SystemCommand(
                f"Returns: write {escape(template.name)}",
                escape(template.title),
                partial(self.action_returns, template.name),
            )
        area = getattr(screen, "AREA", "")
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description or binding.action == "back":
                continue
            _namespace, action, parameters = parse_action(binding.action)
            if screen.check_action(action, parameters) is False:
                continue
            yield SystemCommand(
                f"{area}: {binding.description.lower()}",
                f"key {binding.key}",
                partial(screen.run_action, binding.action),
            )

    # ------------------------------------------------------------------ navigation

    def action_help(self) -> None:
        """Show the keys and guide of the screen in front."""
        from cjcase.tui.screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def _home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_agenda(self) -> None:
        """Back to the agenda."""
        self._home()

    def action_caseload(self, status: str = "open") -> None:
        """Open the caseload with the search box ready."""
        from cjcase.tui.screens.caseload_screen import CaseloadScreen

        self._home()
        self.push_screen(CaseloadScreen(status=status))

    def action_caseload_closed(self) -> None:
        """Open the caseload on closed clients."""
        self.action_caseload("closed")

    def action_returns(self, template_name: str | None = None) -> None:
        """Open the returns screen."""
        from cjcase.tui.screens.returns_screen import ReturnsScreen

        self._home()
        self.push_screen(ReturnsScreen(template_name))

    def action_releases(self) -> None:
        """Open the Releases view."""
        from cjcase.tui.screens.releases_screen import ReleasesScreen

        self._home()
        self.push_screen(ReleasesScreen())

    _client_screen = None

    def open_client(self, client_id: int) -> None:
        """Show a client's record. One record screen is kept and refilled for each client:
        building the screen costs Textual several times what filling it does."""
        from cjcase.tui.screens.client_screen import ClientScreen

        if isinstance(self.screen, ClientScreen):
            self.screen.show_client(client_id)
            return
        screen = self._client_screen
        if screen is None:
            screen = self._client_screen = ClientScreen(client_id)
            self.install_screen(screen, "client")  # kept when popped
        elif screen in self.screen_stack:
            screen = ClientScreen(client_id)  # under a dialog: this record opens on top of it
        else:
            screen.show_client(client_id)
        self.push_screen(screen)

    def action_new_client(self) -> None:
        """Add a client, then open their record (or the existing one it duplicated)."""
        from cjcase.tui.dialogs.client_dialog import ClientDialog

        def added(client) -> None:
            if client is not None:
                self.notify("Saved.")
                self.open_client(client.id)

        self.push_screen(ClientDialog(), added)

    def action_new_arrest_referral(self) -> None:
        """From a positive test on arrest to a booked RA1, for a client who may be new; then open
        their record."""
        from cjcase.tui.dialogs.arrest_referral_dialog import ArrestReferralDialog

        def referred(result) -> None:
            if result is not None:
                self.notify(f"Saved: RA1 booked for {result.ra1.starts_at:%d/%m/%Y %H:%M}.")
                self.open_client(result.client.id)

        self.push_screen(ArrestReferralDialog(), referred)

    def action_quick_referral(self) -> None:
        """Take someone on with name and date of birth only, then open their record."""
        from cjcase.tui.dialogs.quick_referral_dialog import QuickReferralDialog

        def added(client) -> None:
            if client is not None:
                self.notify("Saved: a quick referral. Record sex and ethnicity when you can.")
                self.open_client(client.id)

        self.push_screen(QuickReferralDialog(), added)


def _yield_cpu_to_the_screen() -> None:
    """Lower this thread's scheduling priority: the check of a large file takes seconds of CPU,
    and on a two-core laptop it would otherwise slow the keystrokes typed meanwhile. Linux
    gives each thread its own nice value; elsewhere the check runs as it is."""
    import os
    import threading

    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass


def make_app(db: sqlite_utils.Database, clock: Clock, path: Path | None = None, read_only: bool = False) -> CjcaseApp:
    """Build the app over an open database (Pilot tests, and `cjcase` for an encrypted file)."""
    from cjcase.services.caseload import Caseload

    return CjcaseApp(Caseload(db, clock), path=path, read_only=read_only)


def make_opening_app(
    opener: Callable[[], sqlite_utils.Database], clock: Clock, path: Path, read_only: bool = False
) -> CjcaseApp:
    """Build the app that paints first and then opens the database with `opener` (`cjcase`)."""
    return CjcaseApp(None, path=path, read_only=read_only, clock=clock, opener=opener)
