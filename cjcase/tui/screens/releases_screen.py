"""Releases: every release of a period with its continuity status, what a manager reads before
the quarter's return, with the weekly trend of releases and engagements; and the keys that act on
a release from any screen (the day of release, the handshake)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Header, Input, Sparkline, Static

from cjcase.domain import codes
from cjcase.domain.dates import parse_quarter, quarter_of
from cjcase.domain.errors import CjcaseError
from cjcase.tui.base import CjcaseScreen, add_fixed_columns
from cjcase.tui.widgets.key_footer import KeyFooter
from cjcase.tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from cjcase.domain.releases import Release

WEEKS = 26
STATUS_WORDS = {
    "due": "due",
    "pending": "pending",
    "engaged": "engaged",
    "not_engaged": "not engaged",
    "excluded": "excluded",
}


def signed_days(days: int | None) -> str:
    """Days from release, signed: `+3d` after it, `-2d` before it (an appointment booked for
    before the release), blank when unknown."""
    return "" if days is None else f"{days:+d}d"


class ReleaseKeys:
    """Recording the day of release and the handshake, for a screen that knows which release
    (and whose) is selected: `selected_release()` gives (release, client name) or None."""

    def selected_release(self) -> tuple[Release, str] | None:
        raise NotImplementedError

    def release_saved(self) -> None:
        """After a change: show it."""
        self.refresh_data()  # type: ignore[attr-defined]

    def action_record_release(self) -> None:
        """The person was released today: record it, and the three-week window starts."""
        from cjcase.domain.errors import ValidationError

        chosen = self.selected_release()
        if chosen is None:
            self.notify(
                "Select a release first (a due release on the agenda, or a client who has one).", severity="warning"
            )  # type: ignore[attr-defined]
            return
        release, _name = chosen
        try:
            recorded = self.caseload.releases.record_release(release.id)  # type: ignore[attr-defined]
        except ValidationError as error:
            self.notify(error.message, severity="error")  # type: ignore[attr-defined]
            return
        assert recorded.window_end is not None
        self.notify(  # type: ignore[attr-defined]
            f"Released today: the three-week window runs to {recorded.window_end:%a} {recorded.window_end.day} "
            f"{recorded.window_end:%b}. H records the handshake."
        )
        self.release_saved()

    def action_handshake(self) -> None:
        """Onward referral, the first appointment offered and the community start confirmed."""
        from cjcase.tui.dialogs.release_dialogs import HandshakeDialog

        chosen = self.selected_release()
        if chosen is None:
            self.notify(
                "Select a release first (a due release on the agenda, or a client who has one).", severity="warning"
            )  # type: ignore[attr-defined]
            return
        release, name = chosen

        def saved(result) -> None:
            if result is not None:
                self.notify("Saved.")  # type: ignore[attr-defined]
                self.release_saved()

        self.app.push_screen(HandshakeDialog(release, name), saved)  # type: ignore[attr-defined]


class ReleasesScreen(ReleaseKeys, CjcaseScreen):
    """Every release of a period, with status, days to the first appointment and to the start,
    gate pick-up and naloxone, a count per status and the weekly trend."""

    AREA = "Releases"
    HELP = (
        "Every release whose actual date (or, while still due, expected date) falls in the period "
        "typed at the top (a quarter such as 2026-27 Q3; Enter shows it). Each row: the client, the "
        "release date, the continuity status (due, pending, engaged, not engaged, excluded), days "
        "from release to the first appointment booked (Appt) and to the start (a community start at any provider, "
        "or a structured session here, inside the three-week window), gate pick-up and naloxone. "
        "The line above counts each status; the two lines above the table are the releases and "
        f"the engagements of each of the last {WEEKS} weeks. R records that the selected person was "
        "released today, H opens the handshake, Enter opens the client."
    )
    EDIT_ACTIONS = frozenset({"record_release", "handshake"})
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "open_selected", "Open client", show=False),
        Binding("R", "record_release", "Released today", key_display="R"),
        Binding("H", "handshake", "Handshake", key_display="H"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="releases-period"):
            yield Static("Period", classes="form-label")
            yield Input(quarter_of(self.app.clock.today()).label, id="period", compact=True, placeholder="2026-27 Q3")
        yield Static(id="release-counts")
        with Horizontal(classes="release-trend"):
            yield Static("Released/week", classes="trend-label")
            yield Sparkline([], id="released-trend")
        with Horizontal(classes="release-trend"):
            yield Static("Engaged/week ", classes="trend-label")
            yield Sparkline([], id="engaged-trend")
        yield RowTable(id="releases")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Releases"
        add_fixed_columns(
            self.query_one("#releases", RowTable),
            [
                ("Client", 16),
                ("Released", 9),
                ("Status", 11),
                ("Appt", 5),
                ("Start", 5),
                ("Gate", 4),
                ("Naloxone", 8),
            ],
        )
        self.refresh_data()
        self._loaded = True
        self.query_one("#releases", RowTable).focus()

    @on(Input.Submitted, "#period")
    def refresh_data(self) -> None:
        counts = self.query_one("#release-counts", Static)
        try:
            period = parse_quarter(self.query_one("#period", Input).value)
        except CjcaseError as error:
            counts.update(f"[b $error]{escape(str(error))}[/]")
            return
        releases = self.caseload.releases
        today = self.app.clock.today()
        views = releases.in_period(period.start, period.end, today)
        tally = {status: 0 for status in codes.CONTINUITY_STATUS}
        for view in views:
            tally[view.status] += 1
        counts.update(
            Text(
                f"{len(views)} release{'s' if len(views) != 1 else ''}: "
                + " · ".join(f"{STATUS_WORDS[status]} {n}" for status, n in tally.items())
            )
        )
        released, engaged = releases.weekly(WEEKS, today)
        self.query_one("#released-trend", Sparkline).data = released
        self.query_one("#engaged-trend", Sparkline).data = engaged
        self.query_one("#releases", RowTable).replace_rows(
            [self._cells(view) for view in views],
            cursor_row=self.query_one("#releases", RowTable).cursor_row,
            records=views,
        )

    def _cells(self, view) -> tuple:
        release = view.release
        name = self.shown_name(view.first_name, view.last_name, view.client_ref)
        shown = release.actual_date or release.expected_date
        status = STATUS_WORDS[view.status]
        style = "bold" if view.status in ("pending", "not_engaged") else ""
        first = view.days_to_first_appointment
        start = view.days_to_start
        return (
            name if len(name) <= 16 else name[:15] + "…",
            f"{shown:%d/%m/%y}" + ("" if release.actual_date else "?"),
            Text(status, style=style),
            signed_days(first),
            signed_days(start),
            "yes" if release.gate_pickup_booked == "yes" or view.met_at_gate else "",
            "issued" if release.naloxone_issued == "yes" else ("offered" if release.naloxone_offered == "yes" else ""),
        )

    def selected_release(self):
        view = self.query_one("#releases", RowTable).cursor_record
        return (view.release, view.client_name) if view is not None else None

    def action_open_selected(self) -> None:
        """Open the client of the selected release."""
        view = self.query_one("#releases", RowTable).cursor_record
        if view is not None:
            self.open_client(view.release.client_id)

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        self.action_open_selected()

    def action_back(self) -> None:
        """Back to where you came from."""
        self.app.pop_screen()
