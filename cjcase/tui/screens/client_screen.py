"""A client's record: a header and tabs for overview, sessions, goals, court, outcomes, history."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.lazy import Lazy
from textual.widgets import Header, Static, TabbedContent, TabPane

from cjcase.domain import codes
from cjcase.domain.codes import label as words
from cjcase.domain.dates import age_on, format_date, format_datetime
from cjcase.domain.errors import NotFoundError
from cjcase.domain.model import change_since_start, next_top_stage
from cjcase.domain.privacy import VOLUNTEER_TABS, shows_case_detail, shows_contact_details, visible_flags
from cjcase.services import agenda
from cjcase.tui.base import CjcaseScreen, add_fixed_columns
from cjcase.tui.screens.orders_tab import OrdersTab, orders_widgets
from cjcase.tui.screens.releases_screen import ReleaseKeys
from cjcase.tui.widgets.key_footer import KeyFooter
from cjcase.tui.widgets.row_table import RowTable

TABS = (
    ("overview", "overview"),
    ("sessions-tab", "sessions"),
    ("goals-tab", "goals"),
    ("court-tab", "court"),
    ("outcomes", "outcomes"),
    ("history", "history"),
    ("orders-tab", "orders"),
)
TAB_TABLES = {
    "sessions-tab": "sessions",
    "goals-tab": "goals",
    "court-tab": "court",
    "outcomes": "top-list",
    "history": "audit",
    "orders-tab": "orders",
}  # the list each tab's keys act on
# An audit row's action, in the History tab's words.
AUDIT_ACTIONS = {
    "create": "Added",
    "update": "Changed",
    "delete": "Deleted",
    "import": "Imported",
    "export": "Exported",
    "erase": "Erased",
    "restore": "Restored",
    "demo": "Demo",
    "migrate": "Upgraded",
}
# The Outcomes grid's row names where the item's own name is too long for it.
TOP_ROW_NAME = {
    "alcohol_units_per_drinking_day": "units per drinking day",
    "sharing_paraphernalia": "sharing spoon etc",
    "property_theft_burglary": "property theft",
    "fraud_forgery_handling": "fraud or handling",
    "acute_housing_problem": "acute housing problem",
}


def top_row_name(name: str) -> str:
    """An item as the Outcomes grid names its row."""
    return TOP_ROW_NAME.get(name) or words(name.removesuffix("_days"))


def _table(*columns: tuple[str, int], id: str) -> RowTable:
    """A row-cursor table with its columns of set widths. (A line table, not Textual's
    DataTable: the record's six tables are restyled on every opening, and DataTable's many
    component classes made that a quarter of the time.)"""
    table = RowTable(id=id)
    add_fixed_columns(table, list(columns))
    return table


class ClientScreen(ReleaseKeys, OrdersTab, CjcaseScreen):
    """Everything about one client, and the forms to change it."""

    AREA = "Client"
    HELP = (
        "The client's record. The header shows age, pathway, days in service, risk flags and "
        "consent, and the legal requirements in force. Tabs (keys 1 to 7): Overview with contacts "
        "and episodes; Sessions; Goals (the care plan, with review notes); Court; Outcomes (TOPs and "
        "the change since the start TOP); History (the audit trail); Orders (community orders with "
        "the selected one's timeline, and the requirements). O records an order and P an event on the "
        "selected order (a test, review, warning, breach or progress report), L a legal "
        "requirement (e on the requirements list edits the selected one: end it, or name who to tell). "
        "l logs a new session, e edits "
        "the client (on a tab: the selected goal, hearing or TOP; Delete deletes the selected TOP, "
        "after asking; on Sessions, a booking still to come is "
        "moved or cancelled, and once its time has come e records what happened), a and d mark the "
        "selected appointment attended or DNA once its time has come, o opens a referral, E edits the open "
        "referral (substances, route, NDTMS consent, what prompted it), x discharges, g adds a goal, v reviews and c closes "
        "the selected goal, h adds a hearing, j adjourns the selected hearing, t enters a TOP, "
        "k changes keyworker, m writes a note; b records a barrier on the compliance checklist, i a "
        "line of the information-sharing ledger, u a disclosure; f logs a contact that is not an "
        "appointment (a try, a text, a letter, a professional), shown on the overview's timeline only; "
        "C (custody) records an arrest with a positive test and books the RA1 (the overview shows each arrest "
        "with its RA stages; e on a booked RA appointment moves it, keeping the old time as "
        "rearranged); U updates the latest arrest (outcome, disputed test, RA follow-up and its "
        "appointment, follow-up ceased); p plans a release from prison or changes its checklist and "
        "expected date, R records that the person was released today, H opens the handshake. N logs an "
        "intervention (naloxone kit or training, HCV or HIV test, hepatitis B dose, overdose plan), s "
        "raises a safeguarding concern and S updates or closes the open one, D records a death. Esc goes back."
    )
    READ_ONLY_HELP = (
        "The client, read-only: what a gate pick-up or a day of court duty needs. The header "
        "shows the keyworker, the next appointment and the violence-to-staff and lone-working "
        "markers. Tabs: 1 the next appointments and hearings, 2 appointments, 3 court. Nothing "
        "can be changed here. Esc goes back."
    )
    EDIT_ACTIONS = frozenset(
        {
            "log_session",
            "mark",
            "edit_selected",
            "new_episode",
            "edit_episode",
            "discharge",
            "add_goal",
            "review_goal",
            "close_goal",
            "add_hearing",
            "adjourn_hearing",
            "add_top",
            "delete_selected",
            "change_keyworker",
            "add_note",
            "add_barrier",
            "add_consent",
            "add_disclosure",
            "log_contact",
            "arrest_referral",
            "update_arrest",
            "edit_release",
            "record_release",
            "handshake",
            "add_intervention",
            "add_concern",
            "update_concern",
            "record_death",
            "add_order",
            "add_order_event",
            "add_requirement",
        }
    )
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("l", "log_session", "Log session"),
        *[
            Binding(str(number), f"show_tab('{tab}')", f"Show {title}", show=False)
            for number, (tab, title) in enumerate(TABS, start=1)
        ],
        # A volunteer sees fewer tabs: their keys follow the tabs shown (1 overview, 2 sessions,
        # 3 court), as the read-only help says.
        *[
            Binding(str(number), f"volunteer_tab('{tab}')", f"Show {dict(TABS)[tab]}", show=False)
            for number, tab in enumerate(VOLUNTEER_TABS, start=1)
        ],
        Binding("a", "mark('attended')", "Attended", show=False),
        Binding("d", "mark('dna')", "DNA", show=False),
        Binding("e", "edit_selected", "Edit", show=False),
        Binding("o", "new_episode", "New referral", show=False),
        Binding("E", "edit_episode", "Edit referral", show=False),
        Binding("x", "discharge", "Discharge", show=False),
        Binding("g", "add_goal", "Add goal", show=False),
        Binding("v", "review_goal", "Review goal", show=False),
        Binding("c", "close_goal", "Close goal", show=False),
        Binding("h", "add_hearing", "Add hearing", show=False),
        Binding("j", "adjourn_hearing", "Adjourn hearing", show=False),
        Binding("t", "add_top", "Enter TOP", show=False),
        Binding("delete", "delete_selected", "Delete TOP", show=False),
        Binding("k", "change_keyworker", "Change keyworker", show=False),
        Binding("m", "add_note", "Write note", show=False),
        Binding("b", "add_barrier", "Checklist barrier", show=False),
        Binding("i", "add_consent", "Information sharing", show=False),
        Binding("u", "add_disclosure", "Log disclosure", show=False),
        Binding("f", "log_contact", "Log contact", show=False),
        Binding("C", "arrest_referral", "New arrest referral", show=False),
        Binding("U", "update_arrest", "Update arrest", show=False),
        Binding("p", "edit_release", "Prison release", show=False),
        Binding("R", "record_release", "Released today", show=False, key_display="R"),
        Binding("H", "handshake", "Handshake", show=False, key_display="H"),
        Binding("N", "add_intervention", "Log intervention", show=False),
        Binding("s", "add_concern", "Safeguarding concern", show=False),
        Binding("S", "update_concern", "Update safeguarding", show=False),
        Binding("D", "record_death", "Record death", show=False),
        Binding("O", "add_order", "New order", show=False),
        Binding("P", "add_order_event", "Order event", show=False),
        Binding("L", "add_requirement", "New requirement", show=False),
    ]

    def __init__(self, client_id: int):
        super().__init__()
        self.client_id = client_id

    def compose(self) -> ComposeResult:
        # The tabs behind the first are mounted just after the record is painted (Textual's
        # Lazy): opening a record then builds only what is in front. Their widgets are kept
        # here, so they can be filled before they are mounted.
        self._hidden = {
            "sessions": _table(("When", 21), ("Kind", 13), ("Outcome", 17), ("Min", 4), ("Notes", 40), id="sessions"),
            "goals": _table(("Domain", 16), ("Goal", 30), ("Set", 8), ("Review", 8), ("Status", 15), id="goals"),
            "goal-reviews": Static(id="goal-reviews", markup=False),
            "court": _table(("When", 21), ("Court", 24), ("Hearing", 16), ("Outcome", 40), id="court"),
            "top-list": _table(("TOP of", 10), ("Stage", 19), ("Setting", 9), ("Not answered", 13), id="top-list"),
            "tops": RowTable(id="tops"),
            "audit": _table(("When", 21), ("What", 24), ("Detail", 40), id="audit"),
            **orders_widgets(),
        }
        hidden = self._hidden
        yield Header()
        yield Static(id="client-header")
        with TabbedContent(id="tabs"):
            with TabPane("Overview", id="overview"):
                with VerticalScroll():
                    yield Static(id="coming")
                    yield Static(id="contact", markup=False)  # user text: shown as typed
                    yield Static(id="release", markup=False)
                    yield _table(
                        ("Referred", 8),
                        ("Pathway", 15),
                        ("From", 15),
                        ("Started", 11),
                        ("Discharged", 10),
                        ("Reason", 30),
                        id="episodes",
                    )
                    yield Static(id="custody", markup=False)
                    yield Static(id="timeline", markup=False)
                    yield Static(id="notes", markup=False)
                    yield Static(id="engagement")
            with TabPane("Sessions", id="sessions-tab"):
                yield Lazy(hidden["sessions"])
            with TabPane("Goals", id="goals-tab"):
                yield Lazy(hidden["goals"])
                yield Lazy(hidden["goal-reviews"])
            with TabPane("Court", id="court-tab"):
                yield Lazy(hidden["court"])
            with TabPane("Outcomes", id="outcomes"):
                with VerticalScroll():
                    yield Lazy(hidden["top-list"])
                    yield Lazy(hidden["tops"])
            with TabPane("History", id="history"):
                yield Lazy(hidden["audit"])
            with TabPane("Orders", id="orders-tab"):
                yield Lazy(hidden["orders"])
                yield Lazy(hidden["order-timeline"])
                yield Lazy(hidden["requirements"])
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "show_tab" and not shows_case_detail(self.app.read_only):
            return False  # a volunteer's keys are the volunteer_tab ones, numbered as shown
        if action == "volunteer_tab":
            return not shows_case_detail(self.app.read_only) and bool(parameters) and parameters[0] in VOLUNTEER_TABS
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        if not shows_case_detail(self.app.read_only):
            tabs = self.query_one("#tabs", TabbedContent)
            for tab, _title in TABS:
                if tab not in VOLUNTEER_TABS:
                    tabs.hide_tab(tab)
        self.refresh_data()
        self._loaded = True
        self._fresh = True  # the resume that follows the first mount need not read it again

    # ------------------------------------------------------------------ showing

    def show_client(self, client_id: int) -> None:
        """Show another client's record in this screen, from its overview."""
        self.client_id = client_id
        if not self.is_mounted:
            return  # on_mount fills it
        self.query_one("#tabs", TabbedContent).active = "overview"
        self.query_one("#overview VerticalScroll", VerticalScroll).scroll_home(animate=False)
        self.refresh_data()
        # Filled before it is shown, so the last client's record is never painted.
        self._fresh = not self.is_current

    def refresh_data(self) -> None:
        caseload = self.caseload
        try:
            self.client = caseload.get_client(self.client_id)
        except NotFoundError:
            self.app.pop_screen()
            return
        client = self.client
        shown = self.shown_name(client.first_name, client.last_name, client.client_ref)
        self.title = shown if client.client_ref in shown else f"{shown} · {client.client_ref}"
        self.episodes = caseload.episodes(client.id)
        everything = caseload.sessions(client.id)
        # Contacts are on the timeline only: the Sessions tab lists appointments (DOMAIN.md).
        self.sessions = [s for s in everything if not s.is_contact]
        self.goals = caseload.goals(client.id)
        self.hearings = caseload.court_dates(client.id)
        self.tops = caseload.tops(client.id)
        self.concerns = caseload.safeguarding.of_client(client.id)
        self.death = caseload.deaths.of_client(client.id)
        self._show_header()
        # Only the tab in front is filled now; the others when they are first shown, so a long
        # history does not slow opening the record.
        self._filled: set[str] = set()
        self._fill_tab(self.query_one("#tabs", TabbedContent).active or "overview")

    def _fill_tab(self, tab: str) -> None:
        if tab in self._filled:
            return
        self._filled.add(tab)
        {
            "overview": self._show_overview,
            "sessions-tab": self._show_sessions,
            "goals-tab": self._show_goals,
            "court-tab": self._show_court,
            "outcomes": self._show_tops,
            "history": self._show_history,
            "orders-tab": self._show_orders,
        }[tab]()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if getattr(self, "_loaded", False) and event.pane.id:
            self._fill_tab(event.pane.id)

    def _show_header(self) -> None:
        if not shows_case_detail(self.app.read_only):
            self._show_volunteer_header()
            return
        client, today = self.client, self.app.clock.today()
        current = self.episodes[0] if self.episodes else None
        parts = [f"Age {age_on(client.date_of_birth, today)}"]
        if current:
            parts.append(words(current.pathway))
            parts.append(words(current.substance_group))  # derived from its substances, never stored
            if current.is_open:
                days = (today - (current.start_date or current.referral_date)).days
                parts.append(f"{days} days in service" if current.start_date else f"referred {days} days ago")
            else:
                parts.append(f"closed {format_date(current.discharge_date)}")
        else:
            parts.append("no referral yet")
        parts.append(f"KW {client.keyworker or 'unallocated'}")
        in_force = self.requirements.summary_on(client.id, today)
        if in_force:
            parts.append(f"On {in_force}")
        consent = client.consent_to_share or "not recorded"
        if client.consent_date:
            consent += f" ({client.consent_date:%d/%m/%y})"
        sharing = self.engagement.consent_summary(client.id, today)
        parts.append(f"Consent {consent}" + (f" · shares with {sharing}" if sharing else ""))
        line = Text(" · ".join(parts))
        flags = visible_flags(client.flags, self.app.read_only)
        if flags:
            line.append(" · ")
            line.append(" ".join(codes.RISK_MARKER[f] for f in flags), style="bold reverse")
            if not self.app.read_only:  # a volunteer sees the markers, not the detail
                line.append(" · ")
                line.append(", ".join(words(f) for f in flags), style="bold")
        self._clinical_header(line)
        quality = client.missing_details_line
        if quality:
            line.append("\n" + quality, style="bold")
        self.query_one("#client-header", Static).update(line)

    def _clinical_header(self, line: Text) -> None:
        """A death, and open safeguarding concerns, on the record header (keyworkers only)."""
        if self.death:
            since = self.caseload.deaths.days_since_release(self.death)
            died = f"DIED {format_date(self.death.date_of_death)}"
            if since is not None:
                died += f", {since} day{'s' if since != 1 else ''} after release"
            line.append("\n")
            line.append(died, style="bold reverse")
            line.append(f" · drug-related suspected: {words(self.death.drug_related_suspected)}")
        concerns = [concern for concern in self.concerns if concern.is_open]
        if concerns:
            line.append("\n")
            line.append(f"Safeguarding: {len(concerns)} open", style="bold reverse")
            line.append(
                " · "
                + "; ".join(
                    f"{words(c.category)} with {c.raised_with} since {c.raised_date:%d/%m/%y}" for c in concerns[:2]
                )
                + (" …" if len(concerns) > 2 else "")
            )

    def _upcoming(self) -> list:
        """The appointments still to come, soonest first."""
        return self._still_to_come()[0]

    def _still_to_come(self) -> tuple[list, list]:
        """The appointments (soonest first) and hearings still to come; none after a death."""
        died = self.death.date_of_death if self.death else None
        return agenda.still_to_come(self.sessions, self.hearings, self.app.clock.now(), died)

    def _show_volunteer_header(self) -> None:
        """What a volunteer needs on the day: the keyworker, the next appointment, the markers."""
        upcoming = self._upcoming()
        parts = [f"KW {self.client.keyworker or 'unallocated'}"]
        parts.append(
            f"next {format_datetime(upcoming[0].starts_at)} {words(upcoming[0].kind)}"
            if upcoming
            else "no appointment booked"
        )
        line = Text(" · ".join(parts))
        flags = visible_flags(self.client.flags, read_only=True)
        if flags:
            line.append(" · ")
            line.append(" ".join(codes.RISK_MARKER[f] for f in flags), style="bold reverse")
        self.query_one("#client-header", Static).update(line)

    def _show_volunteer_overview(self) -> None:
        """The appointments and hearings to come, and nothing else of the record."""
        booked, hearings = self._still_to_come()
        lines = [f"{format_datetime(s.starts_at)}  {words(s.kind)}" for s in booked[:8]]
        lines += [f"{format_datetime(h.hearing_at)}  {words(h.hearing_type)} hearing at {h.court}" for h in hearings]
        self.query_one("#contact", Static).update("Coming up:\n" + ("\n".join(lines) if lines else "nothing booked"))
        self._show_release(clinical=False)
        for name in ("#coming", "#episodes", "#custody", "#timeline", "#notes", "#engagement"):
            self.query_one(name).display = False

    def _show_overview(self) -> None:
        if not shows_case_detail(self.app.read_only):
            self._show_volunteer_overview()
            return
        client = self.client
        if not shows_contact_details(self.app.read_only, self.app.initials_only):
            # Initials only (a waiting room): nothing that names or finds the client.
            self.query_one("#contact", Static).update(
                "Date of birth, phone, address and other contacts hidden (F4 shows them)."
            )
            self._show_case_overview()
            return
        lines = [
            f"Born {format_date(client.date_of_birth)} · {words(client.sex) or 'sex not recorded'} · "
            f"ethnicity {client.ethnicity or 'not recorded'}"
            + (f" · known as {client.preferred_name}" if client.preferred_name else ""),
            f"Phone {client.phone or '—'} · "
            + (
                "No fixed abode"
                if client.no_fixed_abode
                else f"{client.address or ''} {client.postcode or ''}".strip() or "No address"
            ),
        ]
        if client.alt_contact:
            lines.append(f"Other contact: {client.alt_contact}")
        ids = [
            f"{label} {value}"
            for label, value in (
                ("Prison", client.prison),
                ("No.", client.prison_number),
                ("PNC", client.pnc_id),
                ("Probation", client.probation_ref),
                ("NHS", client.nhs_number),
            )
            if value
        ]
        if ids:
            lines.append(" · ".join(ids))
        if client.offender_manager_name:
            lines.append(
                f"Offender manager {client.offender_manager_name} "
                f"{client.offender_manager_phone or ''} {client.offender_manager_email or ''}".rstrip()
            )
        if client.aliases:
            lines.append(f"Also known as {client.aliases}")
        self.query_one("#contact", Static).update("\n".join(lines))
        self._show_case_overview()

    def _show_release(self, clinical: bool = True) -> None:
        """Under the release's status (the line above): a due release's checklist and what it lacks,
        or the handshake once released. A volunteer sees only a due release and its gate pick-up."""
        from cjcase.domain.releases import details, summary

        widget = self.query_one("#release", Static)
        current = self.caseload.releases.current(self.client_id, self.app.clock.today())
        if current is None or (not clinical and current[1] != "due"):
            widget.display = False
            return
        release, status = current
        if not clinical:
            text = summary(release, status, self.app.clock.today(), clinical=False)
        else:
            met = any(
                s.kind == "gate_pickup" and s.status == "attended" and release.in_window(s.starts_at.date())
                for s in self.sessions
            )
            text = details(release, status, met)
        widget.display = bool(text)
        widget.update(text)

    def selected_release(self):
        current = self.caseload.releases.current(self.client_id, self.app.clock.today())
        return (current[0], self.client.name) if current else None

    def action_edit_release(self) -> None:
        """Plan a release, or change the due (or latest) one's checklist and expected date."""
        from cjcase.tui.dialogs.release_dialogs import ReleaseDialog

        current = self.caseload.releases.current(self.client_id, self.app.clock.today())
        release = current[0] if current and (current[0].is_due or current[1] == "pending") else None
        self._push(ReleaseDialog(self.client_id, self.client.name, release, prison=self.client.prison))

    def _show_coming(self) -> None:
        """The next appointment and the release from custody, first on the overview."""
        upcoming = self._upcoming()
        line = Text()
        line.append("Next appointment ", style="bold")
        line.append(
            f"{format_datetime(upcoming[0].starts_at)}, {words(upcoming[0].kind)}" if upcoming else "none booked"
        )
        release = self.caseload.release_shown(self.client_id)
        if release is not None:
            line.append(" · ")
            line.append("Release " if not release.happened else "Released ", style="bold")
            at = f" ({release.prison})" if release.prison else ""
            if not release.happened:
                line.append(f"expected {format_date(release.day)}{at}")
            else:
                state = {
                    "pending": f"not engaged yet, {release.days_left} days left",
                    "engaged": "engaged",
                    "not_engaged": "not engaged in the 3 weeks",
                    "excluded": "excluded from the count",
                }.get(release.status, words(release.status))
                line.append(f"{format_date(release.day)}{at}: {state}")
        widget = self.query_one("#coming", Static)
        widget.display = True
        widget.update(line)

    def _show_case_overview(self) -> None:
        """The next appointment and release, the referrals, the checklist, the sharing ledger and
        the latest notes."""
        self._show_coming()
        self._show_release()
        self.query_one("#episodes", RowTable).replace_rows(
            [
                (
                    f"{episode.referral_date:%d/%m/%y}",
                    words(episode.pathway),
                    words(episode.referral_source),
                    f"{episode.start_date:%d/%m/%y}" if episode.start_date else "not started",
                    f"{episode.discharge_date:%d/%m/%y}" if episode.discharge_date else "open",
                    words(episode.discharge_reason)
                    + (f" to {episode.transferred_to}" if episode.transferred_to else ""),
                )
                for episode in self.episodes
            ]
        )
        self._show_custody_and_timeline()
        engagement = self.engagement
        ledger = engagement.consents(self.client_id)
        log = engagement.disclosures(self.client_id)
        sections = [
            ("Referral (E edits)", self._episode_lines()),
            ("Harm reduction and health (N logs one)", self._intervention_lines()),
            ("Safeguarding (s raises a concern, S updates the open one)", self._concern_lines()),
            ("Compliance checklist (b adds)", [engagement.checklist_text(self.client_id) or "none recorded"]),
            (
                "Information sharing (i adds)",
                [
                    f"{c.agency}: {c.purpose} · {words(c.lawful_basis)} from {c.given_date:%d/%m/%y}"
                    + (f", expires {c.expires_date:%d/%m/%y}" if c.expires_date else "")
                    + (f", withdrawn {c.withdrawn_date:%d/%m/%y}" if c.withdrawn_date else "")
                    for c in ledger
                ]
                or ["none"],
            ),
            (
                "Disclosures (u logs one)",
                [f"{d.disclosed_on:%d/%m/%y} to {d.to_whom}: {d.what} ({words(d.basis)}, by {d.by_whom})" for d in log]
                or ["none"],
            ),
        ]
        text = Text()
        for heading, lines in sections:
            text.append(heading + "\n", style="bold")
            text.append("\n".join(lines) + "\n")
        self.query_one("#engagement", Static).update(text)
        notes_widget = self.query_one("#notes", Static)
        notes_widget.display = not self.app.read_only  # case notes are not for volunteers
        if self.app.read_only:
            return
        notes = self.caseload.notes(self.client_id)
        text = [
            f"{format_datetime(n.written_at)}  {f'{n.written_by}: ' if n.written_by else ''}{n.text}" for n in notes[:5]
        ]
        if self.client.notes:
            text.insert(0, f"Notes: {self.client.notes}")
        notes_widget.update("\n".join(text) or "No notes yet (m writes one).")

    def _intervention_lines(self) -> list[str]:
        """The count of each kind of intervention, then the latest few."""
        interventions = self.caseload.interventions
        counts = interventions.counts(self.client_id)
        if not counts:
            return ["none logged"]
        lines = [
            " · ".join(
                f"{codes.INTERVENTION_LABEL[k].removesuffix(' (say what in the notes)')} {n}" for k, n in counts.items()
            )
        ]
        for item in interventions.of_client(self.client_id)[:3]:
            lines.append(f"{item.intervention_date:%d/%m/%y} {item.label}" + (f": {item.notes}" if item.notes else ""))
        return lines

    def _concern_lines(self) -> list[str]:
        """Each concern, open first: raised with whom, and how it ended."""
        return [
            f"{c.raised_date:%d/%m/%y} {words(c.category)} with {c.raised_with}: "
            + (f"closed {c.closed_date:%d/%m/%y}, {c.outcome}" if c.closed_date else "open")
            for c in self.concerns
        ] or ["none"]

    def _episode_lines(self) -> list[str]:
        """What NDTMS holds of the open (or latest) referral: substances, route, consent, event."""
        episode = next((e for e in self.episodes if e.is_open), None) or (self.episodes[0] if self.episodes else None)
        if episode is None:
            return ["none yet (o records one)"]
        substances = ", ".join(words(s) for s in (episode.primary_substance, episode.drug_2, episode.drug_3) if s)
        use = [f"Substances {substances} ({words(episode.substance_group)})"]
        if episode.route:
            use.append(f"route {words(episode.route)}")
        if episode.injecting_status:
            use.append(f"injecting {words(episode.injecting_status)}")
        if episode.alcohol_units_per_day is not None:
            use.append(f"{episode.alcohol_units_per_day} units a day")
        lines = [" · ".join(use)]
        event = codes.CONTACT_EVENT_LABEL.get(episode.contact_event or "")
        when = f" ({episode.contact_event_date:%d/%m/%y})" if episode.contact_event_date else ""
        lines.append(
            f"NDTMS consent {episode.consent_to_ndtms or 'not asked yet'}"
            + (f" · prompted by: {event}{when}" if event else "")
        )
        return lines

    def _show_custody_and_timeline(self) -> None:
        """The arrests with their RA stages in order, and the latest of the timeline (contacts included)."""
        events = self.custody.events(self.client_id)
        custody = self.query_one("#custody", Static)
        custody.display = bool(events)
        if events:
            lines = [line for event in events for line in self.custody.stage_lines(event)]
            custody.update(
                Text("Arrests (C records a new one, U updates the latest)\n", style="bold") + Text("\n".join(lines))
            )
        items = self.caseload.timeline(self.client_id)[:8]
        text = Text("Timeline (f logs a contact)\n", style="bold")
        text.append("\n".join(f"{format_datetime(i.at)}  {i.summary}" for i in items) or "nothing yet")
        self.query_one("#timeline", Static).update(text)

    def _show_sessions(self) -> None:
        upcoming = self._upcoming()
        # A volunteer sees the appointments to come, not the history of attendance.
        past = [s for s in self.sessions if s not in upcoming] if shows_case_detail(self.app.read_only) else []
        self._hidden["sessions"].replace_rows(
            records=upcoming + past,
            rows=[
                (
                    format_datetime(session.starts_at),
                    words(session.kind),
                    Text(words(session.status), style="bold" if session.status == "dna" else ""),
                    str(session.duration_minutes or ""),
                    "" if self.app.read_only else (session.notes or "")[:40],
                )
                for session in upcoming + past
            ],
        )

    def _show_goals(self) -> None:
        self._hidden["goals"].replace_rows(
            records=self.goals,
            rows=[
                (
                    words(goal.domain),
                    goal.description,
                    f"{goal.set_date:%d/%m/%y}",
                    f"{goal.review_date:%d/%m/%y}" if goal.review_date else "",
                    words(goal.status),
                )
                for goal in self.goals
            ],
        )
        self._show_goal_reviews()

    def _show_goal_reviews(self) -> None:
        goal = self.selected_goal()
        widget = self._hidden["goal-reviews"]
        widget.display = not self.app.read_only
        if self.app.read_only:
            return
        if goal is None:
            widget.update("No goals yet: g adds the first.")
            return
        reviews = self.caseload.goal_reviews(goal.id)
        lines = [f"{r.reviewed_on:%d/%m/%y}  {r.note}" for r in reviews]
        widget.update("Reviews: " + ("\n".join(lines) if lines else "none yet (v reviews this goal)"))

    def _show_court(self) -> None:
        by_id = {h.id: h for h in self.hearings}
        hearings = self.hearings
        if not shows_case_detail(self.app.read_only):
            now = self.app.clock.now()
            hearings = [h for h in hearings if h.hearing_at >= now]
        rows = []
        for hearing in hearings:
            outcome = hearing.outcome or ""
            if hearing.adjourned_from_id and hearing.adjourned_from_id in by_id:
                outcome = (
                    outcome + " " if outcome else ""
                ) + f"(adjourned from {by_id[hearing.adjourned_from_id].hearing_at:%d/%m/%y})"
            if not shows_case_detail(self.app.read_only):
                outcome = hearing.support_needed or ""  # what the day needs, not how it went
            rows.append((format_datetime(hearing.hearing_at), hearing.court, words(hearing.hearing_type), outcome))
        self._hidden["court"].replace_rows(rows, records=hearings)

    def _show_tops(self) -> None:
        table = self._hidden["tops"]
        table.clear(columns=True)
        listed = self._hidden["top-list"]
        if not shows_case_detail(self.app.read_only):
            listed.replace_rows([])
            return
        latest_first = list(reversed(self.tops))
        # The cursor stays on the TOP it was on (one just edited, say), so that a Delete next
        # aims at it; a new TOP (none of the old rows) is selected instead, at the top.
        before = {getattr(record, "id", None) for record in listed.records}
        chosen = getattr(listed.cursor_record, "id", None)
        ids = [top.id for top in latest_first]
        cursor = ids.index(chosen) if chosen in ids and before >= set(ids) else 0
        listed.replace_rows(
            [
                (
                    f"{top.top_date:%d/%m/%Y}",
                    words(top.stage),
                    top.setting,
                    str(sum(getattr(top, name) is None for name in codes.TOP_ITEMS)),
                )
                for top in latest_first
            ],
            cursor_row=cursor,
            records=latest_first,
        )
        if not self.tops:
            table.add_column("TOP", width=30)
            table.add_row("No TOP yet: t enters one.")
            return
        shown = self.tops[-4:]
        numbers = tuple(name for name in codes.TOP_ITEMS if codes.TOP_ITEM_KIND[name] != "yes_no")
        changes = change_since_start(self.tops, numbers)
        table.add_column("Measure", width=max(len(top_row_name(name)) for name in codes.TOP_ITEMS))
        for top in shown:
            label = f"{top.top_date:%d/%m/%y} {top.stage}"[:16]
            table.add_column(label, width=len(label))
        table.add_column("Change", width=6)
        for name in codes.TOP_ITEMS:
            values = [getattr(t, name) for t in shown]
            change = ""
            if changes is not None and name in changes:
                moved = changes[name]
                change = "" if moved is None else f"{moved:+d}" if moved else "0"
            table.add_row(top_row_name(name), *["n/a" if v is None else str(v) for v in values], change)

    def _show_history(self) -> None:
        if not shows_case_detail(self.app.read_only):
            return
        # Times on the program's clock, as the record's other dates; what was done in words,
        # not the table's name and a row's internal id.
        clock = self.app.clock
        self._hidden["audit"].replace_rows(
            [
                (
                    format_datetime(clock.shown(datetime.fromisoformat(entry.at))),
                    f"{AUDIT_ACTIONS.get(entry.action, entry.action)} {words(entry.entity)}",
                    entry.detail,
                )
                for entry in self.caseload.audit_trail(self.client_id)
            ]
        )

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        if event.table.id == "goals":
            self._show_goal_reviews()
        elif event.table.id == "orders":
            self._show_order_timeline()

    # ------------------------------------------------------------------ selection

    def selected_goal(self):
        return self._hidden["goals"].cursor_record

    def selected_hearing(self):
        return self._hidden["court"].cursor_record

    def selected_session(self):
        return self._hidden["sessions"].cursor_record

    def selected_top(self):
        return self._hidden["top-list"].cursor_record

    def action_show_tab(self, tab: str) -> None:
        """Bring a tab to the front, with the cursor in its list so up and down choose a row."""
        self.query_one("#tabs", TabbedContent).active = tab
        self._fill_tab(tab)
        table = self._hidden.get(TAB_TABLES.get(tab, ""))
        if table is not None:
            if table.is_mounted:
                table.focus()
            else:  # a tab's list is mounted just after the record is first painted
                self.call_after_refresh(table.focus)

    _show_tab = action_show_tab

    def action_volunteer_tab(self, tab: str) -> None:
        """A volunteer's tab key: the same tab, numbered by the tabs a volunteer is shown."""
        self.action_show_tab(tab)

    # ------------------------------------------------------------------ actions

    def _push(self, dialog, message: str = "Saved.") -> None:
        def saved(result) -> None:
            if result is not None:
                self.notify(message)
                self.refresh_data()

        self.app.push_screen(dialog, saved)

    def action_back(self) -> None:
        """Back to where you came from."""
        self.app.pop_screen()

    def action_log_session(self) -> None:
        """Log a new session (and book the next), whatever row is highlighted."""
        from cjcase.tui.dialogs.session_dialog import SessionDialog

        self._push(SessionDialog(self.client_id, self.client.name))

    def action_mark(self, status: str) -> None:
        """Mark the selected appointment attended or DNA (once its time has come)."""
        from cjcase.domain.errors import ValidationError

        session = self.selected_session()
        if self.query_one("#tabs", TabbedContent).active != "sessions-tab" or session is None:
            self._show_tab("sessions-tab")
            self.notify("Select the appointment in Sessions, then press a or d.", severity="warning")
            return
        refusal = self.caseload.outcome_refusal(session.id, status)
        if refusal:
            self.notify(refusal, severity="error")
            return
        try:
            self.caseload.set_session_status(session.id, status)
        except ValidationError as error:
            if error.field != "dna_reason":
                self.notify(error.message, severity="error")
                return
            # A reportable absence: the form asks why, and when the agency was told.
            from cjcase.tui.dialogs.session_dialog import SessionDialog

            self._push(SessionDialog(self.client_id, self.client.name, session, status="dna"))
            return
        self.notify(f"Saved: marked {'attended' if status == 'attended' else 'DNA'}.")
        self.refresh_data()

    def _edit_session(self, session) -> None:
        """A booking still to come is moved, changed or cancelled; once its time has come its
        outcome is recorded; a recorded session is corrected."""
        from cjcase.tui.dialogs.booking_dialog import BookingDialog
        from cjcase.tui.dialogs.session_dialog import SessionDialog

        if session.status == "scheduled" and session.starts_at > self.app.clock.now():
            legal = self.engagement.is_legal_assessment(session)
            self._push(BookingDialog(self.client.name, session, legal))
        else:
            self._push(SessionDialog(self.client_id, self.client.name, session))

    def action_edit_selected(self) -> None:
        """Edit what is selected on the tab in front: the client, a session, a goal or a hearing."""
        from cjcase.tui.dialogs.client_dialog import ClientDialog
        from cjcase.tui.dialogs.court_dialogs import CourtDialog
        from cjcase.tui.dialogs.goal_dialogs import GoalDialog

        tab = self.query_one("#tabs", TabbedContent).active
        if self.edit_order_selection():
            return
        if tab == "sessions-tab" and self.selected_session():
            self._edit_session(self.selected_session())
        elif tab == "goals-tab" and self.selected_goal():
            self._push(GoalDialog(self.client_id, self.client.name, self.selected_goal()))
        elif tab == "court-tab" and self.selected_hearing():
            self._push(CourtDialog(self.client_id, self.client.name, self.selected_hearing()))
        elif tab == "outcomes" and self.selected_top():
            from cjcase.tui.dialogs.top_dialog import TopDialog

            top = self.selected_top()
            self._push(TopDialog(self.client_id, self.client.name, top.stage, top=top))
        else:
            self._push(ClientDialog(self.client))

    def action_new_episode(self) -> None:
        """Record a new referral."""
        from cjcase.tui.dialogs.episode_dialog import EpisodeDialog

        self._push(EpisodeDialog(self.client_id, self.client.name))

    def action_edit_episode(self) -> None:
        """Edit the open referral (or the latest): its substances, route, NDTMS consent, the event
        that prompted it."""
        from cjcase.tui.dialogs.episode_dialog import EpisodeDialog

        episode = next((e for e in self.episodes if e.is_open), None) or (self.episodes[0] if self.episodes else None)
        if episode is None:
            self.notify("There is no referral yet: o records one.", severity="warning")
            return
        self._push(EpisodeDialog(self.client_id, self.client.name, episode))

    def action_add_intervention(self) -> None:
        """Log a harm-reduction or health intervention (today's date already in)."""
        from cjcase.tui.dialogs.intervention_dialog import InterventionDialog

        self._push(InterventionDialog(self.client_id, self.client.name), "Saved: intervention logged.")

    def action_add_concern(self) -> None:
        """Record a safeguarding concern raised with another agency."""
        from cjcase.tui.dialogs.safeguarding_dialog import SafeguardingDialog

        self._push(SafeguardingDialog(self.client_id, self.client.name))

    def action_update_concern(self) -> None:
        """Update or close the open concern that has gone longest without an update."""
        from cjcase.tui.dialogs.safeguarding_dialog import SafeguardingDialog

        concerns = sorted((c for c in self.concerns if c.is_open), key=lambda c: c.updated_on())
        if not concerns:
            self.notify("There is no open safeguarding concern: s raises one.", severity="warning")
            return
        self._push(SafeguardingDialog(self.client_id, self.client.name, concerns[0]))

    def action_record_death(self) -> None:
        """Record that the client died (once)."""
        from cjcase.tui.dialogs.death_dialog import DeathDialog

        if self.death:
            self.notify(f"A death is already recorded ({format_date(self.death.date_of_death)}).", severity="warning")
            return

        def recorded(result) -> None:
            if result is None:
                return
            self.notify(
                "Saved: death recorded"
                + (", the open referral closed as died" if result.discharged_episode_id else "")
                + f", {result.cancelled_sessions} later booking(s) cancelled."
            )
            self.refresh_data()

        self.app.push_screen(DeathDialog(self.client_id, self.client.name), recorded)

    def action_discharge(self) -> None:
        """Discharge the open episode; a planned exit then asks for the exit TOP."""
        from cjcase.tui.dialogs.discharge_dialog import DischargeDialog

        episode = next((e for e in self.episodes if e.is_open), None)
        if episode is None:
            self.notify("There is no open episode to discharge.", severity="warning")
            return
        open_goals = self.caseload.open_goal_count(self.client_id)

        def discharged(result) -> None:
            if result is None:
                return
            self.notify(
                f"Saved: discharged; {result.cancelled_sessions} future session(s) cancelled, "
                f"{result.closed_goals} goal(s) closed."
            )
            self.refresh_data()
            if result.needs_exit_top:
                from cjcase.tui.dialogs.top_dialog import TopDialog

                self.notify("A planned exit needs an exit TOP: enter it now.")
                self._push(TopDialog(self.client_id, self.client.name, stage="exit"))

        self.app.push_screen(DischargeDialog(episode, self.client.name, open_goals), discharged)

    def action_add_goal(self) -> None:
        """Add a goal to the care plan."""
        from cjcase.tui.dialogs.goal_dialogs import GoalDialog

        self._show_tab("goals-tab")
        self._push(GoalDialog(self.client_id, self.client.name))

    def _goal_action(self, dialog_name: str) -> None:
        from cjcase.tui.dialogs import goal_dialogs

        goal = self.selected_goal()
        if self.query_one("#tabs", TabbedContent).active != "goals-tab" or goal is None:
            self._show_tab("goals-tab")
            self.notify("Select the goal in Goals first.", severity="warning")
            return
        self._push(getattr(goal_dialogs, dialog_name)(goal))

    def action_review_goal(self) -> None:
        """Review the selected goal with a note."""
        self._goal_action("GoalReviewDialog")

    def action_close_goal(self) -> None:
        """Close the selected goal."""
        self._goal_action("GoalCloseDialog")

    def action_add_hearing(self) -> None:
        """Add a court hearing."""
        from cjcase.tui.dialogs.court_dialogs import CourtDialog

        self._show_tab("court-tab")
        self._push(CourtDialog(self.client_id, self.client.name))

    def action_adjourn_hearing(self) -> None:
        """Adjourn the selected hearing to a later date."""
        from cjcase.tui.dialogs.court_dialogs import AdjournDialog

        hearing = self.selected_hearing()
        if self.query_one("#tabs", TabbedContent).active != "court-tab" or hearing is None:
            self._show_tab("court-tab")
            self.notify("Select the hearing in Court first.", severity="warning")
            return
        self._push(AdjournDialog(hearing))

    def action_add_top(self) -> None:
        """Enter a TOP form."""
        from cjcase.tui.dialogs.top_dialog import TopDialog

        self._show_tab("outcomes")
        stage = next_top_stage(self.tops)
        self._push(TopDialog(self.client_id, self.client.name, stage))

    def action_delete_selected(self) -> None:
        """Delete the TOP selected on Outcomes, after asking (a TOP entered in error)."""
        from cjcase.tui.widgets.confirm import ConfirmDialog

        top = self.selected_top()
        if self.query_one("#tabs", TabbedContent).active != "outcomes" or top is None:
            self._show_tab("outcomes")
            self.notify("Select the TOP in Outcomes, then press Delete.", severity="warning")
            return

        def answered(delete: bool | None) -> None:
            if not delete:
                return
            self.caseload.delete_top(top.id)
            self.notify(f"Deleted the {words(top.stage)} TOP of {top.top_date:%d/%m/%Y}.")
            self.refresh_data()

        self.app.push_screen(
            ConfirmDialog(
                f"Delete the {words(top.stage)} TOP of {top.top_date:%d/%m/%Y}? "
                "It is gone from the record and the returns; the audit trail keeps that it was deleted."
            ),
            answered,
        )

    def action_change_keyworker(self) -> None:
        """Move the client to another keyworker."""
        from cjcase.tui.dialogs.small_dialogs import KeyworkerDialog

        self._push(KeyworkerDialog([self.client_id], self.client.name))

    def action_add_barrier(self) -> None:
        """Record a barrier to attending on the compliance checklist."""
        from cjcase.tui.dialogs.engagement_dialogs import BarrierDialog

        self._push(BarrierDialog(self.client_id, self.client.name))

    def action_add_consent(self) -> None:
        """Add to the information-sharing ledger."""
        from cjcase.tui.dialogs.engagement_dialogs import ConsentDialog

        self._push(ConsentDialog(self.client_id, self.client.name))

    def action_add_disclosure(self) -> None:
        """Log a disclosure."""
        from cjcase.tui.dialogs.engagement_dialogs import DisclosureDialog

        self._push(DisclosureDialog(self.client_id, self.client.name))

    def action_log_contact(self) -> None:
        """Log a contact that is not an appointment: a try, a text, a letter, a professional."""
        from cjcase.tui.dialogs.contact_dialog import ContactDialog

        self._push(ContactDialog(self.client_id, self.client.name), "Saved: contact logged.")

    def action_arrest_referral(self) -> None:
        """Record an arrest with a positive test and book the RA1 appointment."""
        from cjcase.tui.dialogs.arrest_referral_dialog import ArrestReferralDialog

        self._push(ArrestReferralDialog(self.client), "Saved: RA1 booked.")

    def action_update_arrest(self) -> None:
        """Record what followed the latest arrest: the outcome, a disputed test, the RA follow-up."""
        from cjcase.tui.dialogs.custody_dialog import CustodyEventDialog

        events = self.custody.events(self.client_id)
        if not events:
            self.notify("No arrest recorded yet: C records one.", severity="warning")
            return
        self._push(CustodyEventDialog(events[0], self.client.name))

    def action_add_note(self) -> None:
        """Write a note on the record."""
        from cjcase.tui.dialogs.small_dialogs import NoteDialog

        self._push(NoteDialog(self.client_id, self.client.name))
