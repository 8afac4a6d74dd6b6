"""The home screen: what needs action now, then today and the next 14 days by day."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static
from textual.worker import get_current_worker

from cjcase.domain.dates import format_date
from cjcase.domain.privacy import VOLUNTEER_AGENDA_KINDS, shows_case_detail
from cjcase.tui.base import CjcaseScreen, add_fixed_columns
from cjcase.tui.messages import ActionsLoaded, AgendaLoaded
from cjcase.tui.screens.releases_screen import ReleaseKeys
from cjcase.tui.widgets.key_footer import KeyFooter
from cjcase.tui.widgets.row_table import RowTable

if TYPE_CHECKING:  # the services are imported by the load, after the first paint
    from cjcase.domain.model import ActionItem, AgendaItem
    from cjcase.services.my_clients import MyClients

AGENDA_DAYS = 14
# Beyond this the list is no longer read on screen; the rest is a command away.
MAX_AGENDA_ROWS = 300


class AgendaScreen(ReleaseKeys, CjcaseScreen):
    """What is due today and in the next two weeks, and what needs doing now."""

    AREA = "Agenda"
    HELP = (
        "The agenda is the home screen. At the top, what needs action now, each with its "
        "reason; below, today and the next 14 days grouped by day: appointments, hearings, "
        "goal reviews, orders ending and prison releases. Tab moves between the two lists. On "
        "an appointment whose time has come, a marks it attended and d marks it DNA; l logs a new "
        "session for the client of the row; Enter opens the client. f writes a follow-up note for the selected client; p shows each peer "
        "mentor's own bookings in turn. m shows only your own clients, or everyone's again (this laptop "
        "remembers it; M says whose clients are yours). On a release (due, or released and not engaged): R "
        "records that the person was released today, H opens the handshake (onward provider, first "
        "appointment, community start); v opens the Releases view."
    )
    READ_ONLY_HELP = (
        "The agenda, read-only: today and the next 14 days grouped by day, with the appointments, "
        "hearings and prison releases a gate pick-up or a day of court duty needs. Enter opens the "
        "client's appointments; p shows each peer mentor's own bookings in turn. Nothing can be "
        "changed here."
    )
    EDIT_ACTIONS = frozenset({"log_selected", "mark", "follow_up", "record_release", "handshake", "releases"})
    # A keyworker's own view: a volunteer holds no clients.
    KEYWORKER_ACTIONS = frozenset({"my_clients", "choose_me"})
    BINDINGS = [
        Binding("enter", "open_selected", "Open client", show=False),
        Binding("l", "log_selected", "Log session"),
        Binding("a", "mark('attended')", "Attended"),
        Binding("d", "mark('dna')", "DNA"),
        Binding("f", "follow_up", "Follow-up note", show=False),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("p", "next_peer_mentor", "Peer mentor's list", show=False),
        Binding("m", "my_clients", "My clients", show=False),  # (at 80 columns the footer is full)
        Binding("M", "choose_me", "Whose clients are mine", show=False),
        Binding("R", "record_release", "Released today", show=False, key_display="R"),
        Binding("H", "handshake", "Handshake", show=False, key_display="H"),
        Binding("v", "releases", "Releases", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._actions_shown = False
        self.peer_mentor: str | None = None
        self.mine: MyClients | None = None  # read from the laptop by the first load
        self._longest = {"actions": 0, "agenda": 0}  # the widest client cell of each list

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if self.app.read_only and action in self.KEYWORKER_ACTIONS:
            return False
        return super().check_action(action, parameters)

    @property
    def my_keyworker(self) -> str | None:
        """The keyworker whose clients alone are shown, when "my clients" is on."""
        return self.mine.keyworker if self.mine is not None and self.mine.on else None

    def compose(self) -> ComposeResult:
        yield Header()
        if self.app.clock.is_fixed:
            yield Static(
                f"Clock fixed by CJCASE_TODAY to {format_date(self.app.clock.today())}: this is not today's date.",
                id="clock-banner",
            )
        yield Static(id="empty")
        yield Static("Needs action", id="actions-heading", classes="heading")
        yield RowTable(id="actions")
        yield Static(f"Today and the next {AGENDA_DAYS} days", id="agenda-heading", classes="heading")
        yield RowTable(id="agenda", spill=True)  # a day's date spills across the row
        yield KeyFooter()

    def on_mount(self) -> None:
        add_fixed_columns(self.query_one("#actions", RowTable), [("Client", 28), ("Why", 46)])
        add_fixed_columns(self.query_one("#agenda", RowTable), [("When", 5), ("Client", 28), ("What", 39)])
        self.refresh_data()
        self._loaded = True

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Share the terminal's width: the client column as wide as its longest name and
        reference (28 at 80 columns, and half of every column more), the reason or the summary
        the rest. Never wider than the terminal: nothing hides to the right."""
        room = max(60, self.size.width - 2)  # a vertical scrollbar's width kept free
        most = 28 + max(0, room - 78) // 2
        client = min(max(self._longest["actions"], 12), most)
        self.query_one("#actions", RowTable).set_widths([client, room - 4 - client])
        client = min(max(self._longest["agenda"], 12), most)
        self.query_one("#agenda", RowTable).set_widths([5, client, room - 6 - 5 - client])

    def action_refresh(self) -> None:
        """Reload the agenda from the database."""
        self.refresh_data()

    def refresh_data(self) -> None:
        self._set_title()
        if self.caseload is None:  # still opening: the screen is painted first
            self.query_one("#actions-heading", Static).update("Opening the caseload…")
            return
        self.load()

    def _set_title(self) -> None:
        self.title = (
            f"Agenda · {format_date(self.app.clock.today())}"
            + (f" · {self.my_keyworker}'s clients" if self.my_keyworker else "")
            + (f" · {self.peer_mentor}'s list" if self.peer_mentor else "")
        )

    def action_next_peer_mentor(self) -> None:
        """Show each peer mentor's own bookings in turn (gate pick-ups), then everything again."""
        mentors = [None, *self.caseload.peer_mentors()]
        if len(mentors) == 1:
            self.notify('No peer mentors yet: add them with `cjcase settings peer_mentors "A; B"`.', severity="warning")
            return
        self.peer_mentor = mentors[(mentors.index(self.peer_mentor) + 1) % len(mentors)]
        self.refresh_data()

    def action_my_clients(self) -> None:
        """Show only my clients, or everyone's again; this laptop remembers which."""
        from cjcase.services.my_clients import MyClients

        mine = self.mine if self.mine is not None else self.caseload.my_clients()
        if mine.keyworker is None:
            self.action_choose_me()
            return
        self._choose(MyClients(mine.keyworker, not mine.on))

    def action_choose_me(self) -> None:
        """Say whose clients are mine on this laptop, and show them."""
        from cjcase.services.my_clients import MyClients
        from cjcase.tui.dialogs.my_clients_dialog import MyClientsDialog

        def chosen(keyworker: str | None) -> None:
            if keyworker is not None:
                self._choose(MyClients(keyworker, True))

        self.app.push_screen(MyClientsDialog(self.mine.keyworker if self.mine else None), chosen)

    def _choose(self, mine: MyClients) -> None:
        self.mine = mine
        problem = self.caseload.remember_my_clients(mine.keyworker, mine.on)
        if problem:
            self.notify(problem, severity="warning")
        self.notify(
            f"Showing {mine.keyworker}'s clients (m: everyone's)." if mine.on else "Showing everyone's clients."
        )
        self.refresh_data()

    @work(thread=True, exclusive=True, group="agenda")
    def load(self) -> None:
        """Read the agenda off the event loop, so a large caseload never freezes the screen."""
        worker = get_current_worker()
        clock = self.app.clock
        today = clock.today()
        caseload = self.caseload.reader()
        last = today + timedelta(days=AGENDA_DAYS)
        kinds = None if shows_case_detail(self.app.read_only) else VOLUNTEER_AGENDA_KINDS
        if self.mine is None and not self.app.read_only:
            self.mine = caseload.my_clients()  # as this laptop last left it
        mine = self.my_keyworker
        items = caseload.agenda(
            today, last, peer_mentor=self.peer_mentor, keyworker=mine, limit=MAX_AGENDA_ROWS, kinds=kinds
        )
        total = caseload.agenda_count(today, last, peer_mentor=self.peer_mentor, keyworker=mine, kinds=kinds)
        has_clients = caseload.has_clients()
        if worker.is_cancelled:
            return
        # The days first: the action list takes longer to work out on a large caseload.
        self.post_message(AgendaLoaded(items, total, has_clients, today))
        if kinds is not None:
            return  # the action list is the keyworkers' work: not in a volunteer's view
        actions = caseload.actions(clock.now(), mine)
        if not worker.is_cancelled:
            self.post_message(ActionsLoaded(actions))

    def on_agenda_loaded(self, message: AgendaLoaded) -> None:
        self._set_title()  # the laptop's choice is read by the first load
        self.show_agenda(message.items, message.total, message.has_clients, message.today)

    def on_actions_loaded(self, message: ActionsLoaded) -> None:
        self.show_actions(message.actions)

    def show_agenda(self, items: list[AgendaItem], total: int, has_clients: bool, today) -> None:
        """Put the loaded days (their first rows, and how many there are in all) on the screen."""
        self._fill_agenda(items, total, today)
        if not self._actions_shown:
            self.query_one("#actions-heading", Static).update("Needs action (looking…)")
        empty = not has_clients
        self.query_one("#empty", Static).display = empty
        for widget in self.query("RowTable, .heading"):
            widget.display = not empty
        if not shows_case_detail(self.app.read_only):
            self.query_one("#actions", RowTable).display = False
            self.query_one("#actions-heading", Static).display = False
        if empty:
            self.query_one("#empty", Static).update(
                "There is nobody on the caseload yet.\n\n"
                + ("" if self.app.read_only else "Press n to add your first client, or Ctrl+P for every action.\n")
                + "To try cjcase with a living caseload, run `cjcase demo` in a terminal; "
                "to bring in a spreadsheet, `cjcase import FOLDER`."
            )

    def show_actions(self, actions: list[ActionItem]) -> None:
        """Put the loaded action list on the screen."""
        self._fill_actions(actions)
        self._actions_shown = True
        self.query_one("#actions-heading", Static).update(f"Needs action ({len(actions)})")

    def _fill_actions(self, actions: list[ActionItem]) -> None:
        shown = actions[:MAX_AGENDA_ROWS]
        cells = [(self._who(action), action.reason) for action in shown]
        self._longest["actions"] = max((len(who) for who, _reason in cells), default=0)
        self._fit_columns()
        self._fill("actions", cells, shown)

    def _fill_agenda(self, items: list[AgendaItem], total: int, today) -> None:
        cells, records = [], []  # a day's heading and the "more" line show no item
        current = None
        for item in items[:MAX_AGENDA_ROWS]:
            if item.day != current:
                current = item.day
                cells.append((Text("Today" if item.day == today else format_date(item.day), style="bold"), "", ""))
                records.append(None)
            summary = item.summary
            if item.kind == "court":
                days = (item.day - today).days
                summary += f" ({'today' if days == 0 else f'in {days} day' + ('s' if days != 1 else '')})"
            cells.append((f"{item.at:%H:%M}" if item.at else "", self._who(item), summary))
            records.append(item)
        if total > len(items):
            cells.append(
                ("", f"… and {total - len(items):,} more", "see a keyworker's list: cjcase agenda --keyworker")
            )
            records.append(None)
        self._longest["agenda"] = max((len(str(cell[1])) for cell in cells if cell[1]), default=0)
        self._fit_columns()
        self._fill("agenda", cells, records)

    def _fill(self, name: str, cells: list[tuple], records: list) -> None:
        """Refill a table, keeping its cursor where it was (or on the last row)."""
        table = self.query_one(f"#{name}", RowTable)
        table.replace_rows(cells, cursor_row=table.cursor_row, records=records)

    def _who(self, item: ActionItem | AgendaItem) -> str:
        name = self.shown_name(item.first_name, item.last_name, item.client_ref)
        return name if item.client_ref in name else f"{name} ({item.client_ref})"

    # ------------------------------------------------------------------ the selected row

    def selected(self) -> ActionItem | AgendaItem | None:
        """The row under the cursor of the focused list (the agenda when neither is focused)."""
        focused = self.focused if isinstance(self.focused, RowTable) else self.query_one("#agenda", RowTable)
        return focused.cursor_record

    def selected_session_id(self) -> int | None:
        """The appointment under the cursor, if the row is one."""
        from cjcase.domain.model import ActionItem, AgendaItem

        item = self.selected()
        if isinstance(item, AgendaItem) and item.kind == "session":
            return item.record_id
        if isinstance(item, ActionItem) and item.kind in ("outcome_missing", "notify"):
            return item.record_id
        return None

    def selected_release(self):
        """The release of the selected row (a due release, or a release action), with the client's name."""
        from cjcase.domain.errors import NotFoundError

        item = self.selected()
        if item is None or item.record_id is None or not item.kind.startswith("release"):
            return None
        try:
            return self.caseload.releases.get(item.record_id), item.client_name
        except NotFoundError:
            return None

    def action_releases(self) -> None:
        """Open the Releases view."""
        self.app.action_releases()  # type: ignore[attr-defined]

    def action_open_selected(self) -> None:
        """Open the client of the selected row."""
        item = self.selected()
        if item:
            self.open_client(item.client_id)

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        self.action_open_selected()

    def action_mark(self, status: str) -> None:
        """Mark the selected appointment attended or DNA."""
        session_id = self.selected_session_id()
        if session_id is None:
            self.notify("Select an appointment first.", severity="warning")
            return
        from cjcase.domain.errors import ValidationError

        refusal = self.caseload.outcome_refusal(session_id, status)
        if refusal:
            self.notify(refusal, severity="error")
            return
        try:
            self.caseload.set_session_status(session_id, status)
        except ValidationError as error:
            if error.field != "dna_reason":
                self.notify(error.message, severity="error")
                return
            # A reportable absence: the form asks why, and when the agency was told.
            from cjcase.tui.dialogs.session_dialog import SessionDialog

            session = self.caseload.get_session(session_id)
            item = self.selected()
            self.app.push_screen(SessionDialog(session.client_id, item.client_name, session, status="dna"), self._saved)
            return
        self.notify(f"Saved: marked {'attended' if status == 'attended' else 'DNA'}.")
        self.refresh_data()

    def action_log_selected(self) -> None:
        """Log a new session for the client of the selected row, whatever the row is."""
        from cjcase.tui.dialogs.session_dialog import SessionDialog

        item = self.selected()
        if item is None:
            self.notify("Select a client's row first, or press Ctrl+P to find a client.", severity="warning")
            return
        self.app.push_screen(SessionDialog(item.client_id, item.client_name), self._saved)

    def action_follow_up(self) -> None:
        """Write a follow-up note for the selected client."""
        from cjcase.tui.dialogs.small_dialogs import NoteDialog

        item = self.selected()
        if item is None:
            return
        kind = "dna_follow_up" if item.kind == "dna_follow_up" else "note"
        self.app.push_screen(NoteDialog(item.client_id, item.client_name, kind), self._saved)

    def _saved(self, result) -> None:
        if result is not None:
            self.notify("Saved.")
            self.refresh_data()
