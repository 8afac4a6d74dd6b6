"""The caseload: every client in a table, filtered and searched as you type."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Input, Select, Static
from textual.worker import get_current_worker

from cjcase.domain import codes
from cjcase.domain.codes import PATHWAY_SHORT, RISK_MARKER
from cjcase.domain.model import CaseloadRow
from cjcase.domain.privacy import shows_contact_details, visible_flags
from cjcase.services import search
from cjcase.tui.base import CjcaseScreen, add_fixed_columns
from cjcase.tui.messages import CaseloadCounted, CaseloadPageLoaded
from cjcase.tui.widgets.key_footer import KeyFooter
from cjcase.tui.widgets.row_table import RowTable

PAGE = 50


class CaseloadScreen(CjcaseScreen):
    """Find a client by name, reference or date of birth; filter by status, pathway, keyworker."""

    AREA = "Caseload"
    HELP = (
        "Type in the search box to narrow the list by name, alias, reference or date of birth "
        "(14/09/1988, or 1988); Down moves into the list. The filters choose open, closed or all clients, a pathway and "
        "a keyworker (or the unallocated). Enter opens the selected client. Space marks "
        "clients; k moves the marked (or the selected) clients to another keyworker. Q takes "
        "someone on as a quick referral (name and date of birth only; sex and ethnicity later). r refers "
        "the selected client again (start from the closed filter to re-refer)."
    )
    READ_ONLY_HELP = (
        "The caseload, read-only: type in the search box to narrow the list by name or "
        "reference; the filters choose open, closed or all clients, a pathway and a keyworker. "
        "Enter opens the client's appointments. Nothing can be changed here."
    )
    EDIT_ACTIONS = frozenset({"new_client", "quick_referral", "refer", "toggle_mark", "change_keyworker"})
    BINDINGS = [
        Binding("enter", "open_selected", "Open", show=False),
        Binding("/", "focus_search", "Search"),
        Binding("down", "focus_list", "Into the list (from the search)", show=False, key_display="↓"),
        # Before the search box takes it as typing: nobody searches for a "?".
        Binding("question_mark", "app.help", "", show=False, priority=True),
        Binding("n", "new_client", "New client"),
        Binding("Q", "quick_referral", "Quick referral"),
        Binding("r", "refer", "Re-refer", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("k", "change_keyworker", "Change keyworker", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, text: str = "", status: str = "open"):
        super().__init__()
        self.initial_text = text
        self.initial_status = status
        self._total = 0
        self._marked: set[int] = set()
        self._searched = False  # the search box has had the cursor: keys typed may arrive
        self._loading = False  # a first page is on its way

    @property
    def takes_keys(self) -> bool:
        """Whether keys may reach the screen now (the app's KeyQueue holds them otherwise): not
        before the search box has the cursor, and not, in the list, while the page of what was
        typed is still on its way (a Down typed after a letter means the matches' rows)."""
        if not self._searched:
            return False
        return not (self._loading and not isinstance(self.focused, Input))

    def _ready_for_keys(self) -> None:
        keys = getattr(self.app, "keys", None)
        if keys is not None and self.takes_keys:
            keys.release_soon()

    def compose(self) -> ComposeResult:
        yield Header()
        yield SearchInput(
            self.initial_text, placeholder="Search name, reference or date of birth", id="search", compact=True
        )
        with Horizontal(id="filters"):
            yield Select(
                [("Open", "open"), ("Closed", "closed"), ("All", "all")],
                value=self.initial_status,
                allow_blank=False,
                id="status",
                compact=True,
            )
            yield Select(
                [(codes.label(code), code) for code in codes.PATHWAY],
                prompt="Any pathway",
                id="pathway",
                compact=True,
            )
            # Text prompts: a keyworker's name is shown as typed, never read as markup.
            keyworkers = [(Text(name), name) for name in self.caseload.keyworkers()]
            yield Select(
                keyworkers + [("Unallocated", search.UNALLOCATED)], prompt="Any keyworker", id="keyworker", compact=True
            )
        yield RowTable(id="clients")
        yield Static(id="count")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Caseload"
        add_fixed_columns(
            self.query_one("#clients", RowTable),
            [("Ref", 10), ("Name", 20), ("Pathway", 18), ("KW", 2), ("Seen", 8), ("Next", 11), ("Risk", 8)],
        )
        self.refresh_data()
        self._loaded = True
        self.query_one("#search", Input).focus()

    def filters(self) -> dict:
        """The filters as the search service takes them."""

        def chosen(widget_id):
            select = self.query_one(widget_id, Select)
            return None if select.is_blank() else select.value

        return {
            "status": chosen("#status") or "open",
            "pathway": chosen("#pathway"),
            "keyworker": chosen("#keyworker"),
            "text": self.query_one("#search", Input).value,
            # A volunteer, or a screen on initials only, must not confirm a date of birth by search.
            "by_birth_date": shows_contact_details(self.app.read_only, self.app.initials_only),
        }

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def refresh_data(self) -> None:
        self._loading = True
        self.load(self.filters(), 0)

    @work(thread=True, exclusive=True, group="caseload")
    def load(self, filters: dict, offset: int) -> None:
        """Load one page of the caseload off the event loop, then count the matches: the page
        is painted while the count is read. A newer keystroke cancels an older load."""
        worker = get_current_worker()
        caseload = self.caseload.reader()
        rows = caseload.find(self.app.clock.now(), limit=PAGE, offset=offset, **filters)
        if not self.app.read_only:  # continuity of care is the keyworkers' work
            markers = caseload.releases.markers([row.client_id for row in rows], self.app.clock.today())
            for row in rows:
                row.release_status = markers.get(row.client_id)
        if worker.is_cancelled:
            return
        self.post_message(CaseloadPageLoaded(rows, None if offset == 0 else self._total, offset > 0, worker))
        if offset == 0:
            total = caseload.count(**filters)
            # Nobody open matches: say whether someone who has left does, rather than "nobody".
            closed = (
                caseload.count(**{**filters, "status": "closed"}) if not total and filters["status"] == "open" else 0
            )
            if not worker.is_cancelled:
                self.post_message(CaseloadCounted(total, worker, closed))

    def on_caseload_page_loaded(self, message: CaseloadPageLoaded) -> None:
        self.show(message.rows, message.total, message.append, message.worker)

    def on_caseload_counted(self, message: CaseloadCounted) -> None:
        self._show_count(message.total, message.worker, message.closed)

    def show(self, rows: list[CaseloadRow], total: int | None, append: bool, worker=None) -> None:
        """Put a page of rows in the table (and the number of matches, once known)."""
        if worker is not None and worker.is_cancelled:
            return  # a later keystroke's rows are on their way
        table = self.query_one("#clients", RowTable)
        cells = [self._cells(row) for row in rows]
        if append:
            table.add_rows(cells, records=rows)
        else:
            # In the list already (moved there before the page came, or back from a record):
            # the cursor stays where the keys put it.
            table.replace_rows(cells, cursor_row=table.cursor_row if table.has_focus else 0, records=rows)
            self._loading = False
            self._ready_for_keys()
        if total is not None:
            self._show_count(total)

    def _show_count(self, total: int, worker=None, closed: int = 0) -> None:
        if worker is not None and worker.is_cancelled:
            return
        self._total = total
        shown = self.query_one("#clients", RowTable).row_count
        count = self.query_one("#count", Static)
        add = ", or press n to add a client." if not self.app.read_only else "."
        if not total and closed:
            count.update(
                f"Nobody open matches, but {closed:,} closed client{'s match' if closed != 1 else ' matches'}: "
                "to show them, choose All or Closed in the first filter (Tab, then Enter)" + add
            )
        elif not total:
            count.update("Nobody matches. Change the search or the filters" + add)
        else:
            more = " (scroll down for more)" if shown < total else ""
            count.update(f"{total:,} client{'s' if total != 1 else ''}{more}")

    def _cells(self, row: CaseloadRow) -> list:
        """One table row, narrow enough for 80 columns: closed clients dimmed."""
        mark = "✓" if row.client_id in self._marked else ""
        style = "" if row.status == "open" else "dim"
        pathway = PATHWAY_SHORT.get(row.pathway or "", "—") + ("" if row.status == "open" else " (closed)")
        if row.release_status:  # a release due, or released and not yet engaged
            pathway = f"{pathway[:9]} rel {'due' if row.release_status == 'due' else '3wk'}".lstrip()
        if self.app.read_only:
            pathway = "" if row.status == "open" else "(closed)"  # the route through justice: not for volunteers
        full = (
            row.name
            if self.app.name_style == "full" and not self.app.initials_only
            else self.shown_name(row.first_name, row.last_name, row.client_ref)
        )
        name = full if len(full) <= 20 else full[:19] + "…"
        keyworker = "".join(part[0] for part in (row.keyworker or "").split()[:2]) or "—"
        return [
            Text(mark + row.client_ref, style=style),
            Text(name, style=style),
            Text(pathway, style=style),
            keyworker,
            f"{row.last_seen:%d/%m/%y}" if row.last_seen else "",
            f"{row.next_appointment:%d/%m %H:%M}" if row.next_appointment else "",
            " ".join(RISK_MARKER[flag] for flag in visible_flags(row.risk_flags, self.app.read_only)),
        ]

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        # Near the end of what is loaded: load the next page, so no search loads everyone.
        loaded = event.table.row_count
        if event.cursor_row >= loaded - 5 and loaded < self._total:
            self.load(self.filters(), loaded)

    def selected(self) -> CaseloadRow | None:
        """The client under the cursor."""
        return self.query_one("#clients", RowTable).cursor_record

    def on_input_submitted(self, event: Input.Submitted) -> None:
        table = self.query_one("#clients", RowTable)
        if table.row_count == 1:
            self.action_open_selected()
        else:
            table.focus()

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        self.action_open_selected()

    def action_open_selected(self) -> None:
        """Open the selected client."""
        row = self.selected()
        if row:
            self.open_client(row.client_id)

    def action_focus_list(self) -> None:
        """Move from the search box into the list."""
        self.query_one("#clients", RowTable).focus()

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        """Back to the agenda."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_new_client(self) -> None:
        """Add a client."""
        self.app.action_new_client()

    def action_quick_referral(self) -> None:
        """Take someone on with name and date of birth only (custody, court)."""
        self.app.action_quick_referral()

    def action_refer(self) -> None:
        """Refer the selected client again (a new episode)."""
        from cjcase.tui.dialogs.episode_dialog import EpisodeDialog

        row = self.selected()
        if row is None:
            self.notify("Select a client first.", severity="warning")
            return
        self.app.push_screen(EpisodeDialog(row.client_id, row.name), self._saved)

    def action_toggle_mark(self) -> None:
        """Mark or unmark the selected client for a bulk change of keyworker."""
        row = self.selected()
        if row is None:
            return
        self._marked ^= {row.client_id}
        table = self.query_one("#clients", RowTable)
        table.update_row(table.cursor_row, self._cells(row))

    def action_change_keyworker(self) -> None:
        """Move the marked clients (or the selected one) to another keyworker."""
        from cjcase.tui.dialogs.small_dialogs import KeyworkerDialog

        ids = sorted(self._marked) or ([self.selected().client_id] if self.selected() else [])
        if not ids:
            return
        description = f"{len(ids)} clients" if len(ids) > 1 else self.selected().name
        self.app.push_screen(KeyworkerDialog(ids, description), self._moved)

    def _moved(self, moved: int | None) -> None:
        if moved is not None:
            self._marked.clear()
            self.notify(f"Saved: {moved} client{'s' if moved != 1 else ''} moved.")
            self.refresh_data()

    def _saved(self, result) -> None:
        if result is not None:
            self.notify("Saved.")
            self.refresh_data()


class SearchInput(Input):
    """The caseload's search box: keys typed while the screen opened reach it once it has the
    cursor, and `?` is the help's key here, not a character to search for."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key != "question_mark" and super().check_consume_key(key, character)

    def _on_focus(self, event) -> None:
        super()._on_focus(event)
        screen = self.screen
        if isinstance(screen, CaseloadScreen) and not screen._searched:
            screen._searched = True
            screen._ready_for_keys()
