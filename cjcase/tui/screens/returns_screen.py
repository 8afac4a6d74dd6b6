"""Returns: choose a template and period, preview the rows with hidden cells marked, write it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import DataTable, Header, Input, Select, Static
from textual.worker import get_current_worker

from cjcase.domain.dates import last_complete_quarter, parse_quarter
from cjcase.domain.errors import CjcaseError
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.tui.base import CjcaseScreen, add_fixed_columns
from cjcase.tui.messages import ReturnPrepared
from cjcase.tui.widgets.key_footer import KeyFooter


class ReturnsScreen(CjcaseScreen):
    """Preview and write a commissioner's return or the pseudonymised extract."""

    AREA = "Returns"
    HELP = (
        "Choose a template and a quarter (the last complete quarter is filled in). The preview "
        "shows the rows as they will be written, with hidden small numbers as *. The "
        "data-quality check lists what makes the figures doubtful; ctrl+s writes the file "
        "(asking first when the check found something) into the folder given, and says where."
    )
    BINDINGS = [
        Binding("ctrl+s", "write", "Write file"),
        Binding("p", "preview", "Preview", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, template_name: str | None = None):
        super().__init__()
        self.template_name = template_name
        self.prepared = None
        self.preparing = False

    def compose(self) -> ComposeResult:
        user_dir = self.app.user_templates_dir
        good, self.template_problems = templates.catalogue(user_dir)
        self.templates = {t.name: t for t in good}
        yield Header()
        with Horizontal(id="return-choices"):
            yield Select(
                [(Text(t.title), name) for name, t in self.templates.items()],
                id="template",
                value=self.template_name or "quarterly_return",
                allow_blank=False,
                compact=True,
            )
            yield Input(
                last_complete_quarter(self.app.clock.today()).label, id="period", compact=True, placeholder="2026-27 Q2"
            )
            yield Select(
                [("csv", "csv"), ("xlsx", "xlsx"), ("json", "json")],
                value="xlsx",
                id="format",
                allow_blank=False,
                compact=True,
            )
        with Horizontal(id="return-out"):
            yield Static("Folder", classes="form-label")
            yield Input(str(Path.cwd()), id="out", compact=True)
        yield Static(id="return-status")
        yield DataTable(id="preview", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Returns"
        for problem in self.template_problems:
            self.notify(f"Not listed: {problem}", severity="warning", markup=False)
        self.action_preview()
        self._loaded = True

    @on(Select.Changed)
    @on(Input.Submitted, "#period")
    def action_preview(self) -> None:
        """Build the return in the background (it reads the whole caseload) and show its rows
        when it arrives; the screen stays in use meanwhile."""
        status = self.query_one("#return-status", Static)
        self.query_one("#preview", DataTable).clear(columns=True)
        self.prepared = None
        try:
            template = self.templates[self.query_one("#template", Select).value]
            period = parse_quarter(self.query_one("#period", Input).value)
        except CjcaseError as error:
            status.update(f"[b $error]{escape(str(error))}[/]")
            return
        status.update(Text(f"Preparing {template.title} for {period.label}…"))
        self.preparing = True
        self.prepare(template, period)

    @work(thread=True, exclusive=True, group="return")
    def prepare(self, template, period) -> None:
        """Build and check the return off the event loop; a newer choice cancels an older one."""
        worker = get_current_worker()
        try:
            prepared = exporter.prepare_for(self.caseload, template, period, template.suppression, self.app.clock.now())
        except CjcaseError as error:
            if not worker.is_cancelled:
                self.post_message(ReturnPrepared(None, str(error)))
            return
        if not worker.is_cancelled:
            self.post_message(ReturnPrepared(prepared))

    def on_return_prepared(self, message: ReturnPrepared) -> None:
        """Show the prepared return's rows, its suppression and its data-quality check."""
        self.preparing = False
        status = self.query_one("#return-status", Static)
        if message.prepared is None:
            status.update(f"[b $error]{escape(str(message.error))}[/]")
            return
        self.prepared = message.prepared
        table = self.query_one("#preview", DataTable)
        table.clear(columns=True)
        data = self.prepared.table
        template, period, threshold = data.template, data.period, data.template.suppression
        widths = [34, 30, 6] if data.template.kind == "aggregate" else [max(10, len(h) + 1) for h in data.header]
        add_fixed_columns(table, list(zip(data.header, widths, strict=False)))
        for row in data.rows:
            # Text cells: a label from a user's template is shown as typed, never as markup.
            table.add_row(*[Text("" if cell is None else str(cell)) for cell in row])
        found = self.prepared.findings
        # The references are shown here to be fixed; they are never written into the return.
        quality = (
            "Data quality: no problems found."
            if not found
            else "Data quality: " + "; ".join(f.described() for f in found) + "."
        )
        # Notes change none of this return's figures: listed to be put right, never blocking.
        quality += "".join(f"\nNote: {note.described()}." for note in self.prepared.notes)
        suppression = f"counts 1–{threshold - 1} hidden as *" if threshold and threshold > 1 else "no suppression"
        warnings = "".join(f"\nWarning: {warning}" for warning in self.prepared.warnings)
        status.update(
            escape(f"{template.title} · {period.label} · {len(data.rows)} rows · {suppression}\n{quality}{warnings}")
        )

    def action_write(self) -> None:
        """Write the previewed return (asking first if the gate found problems, or an extract has
        rows that could be singled out)."""
        if self.prepared is None:
            if self.preparing:
                self.notify("The return is still being prepared: ctrl+s again once it shows.", severity="warning")
            else:
                self.notify("Fix the template or period first.", severity="warning")
            return
        found, small = self.prepared.findings, self.prepared.small_groups
        if found or small:
            from cjcase.tui.widgets.confirm import ConfirmDialog

            parts = []
            if found:
                parts.append("The data-quality check found: " + "; ".join(f.message for f in found) + ".")
            if small:
                parts.append(small.sentence())
            question = " ".join(parts) + " Write the return anyway? (This goes on its cover and in the export log.)"
            self.app.push_screen(ConfirmDialog(question), lambda yes: yes and self._write(bool(found), bool(small)))
        else:
            self._write(False)

    def _write(self, allow_incomplete: bool, allow_small_groups: bool = False) -> None:
        data = self.prepared.table
        fmt = self.query_one("#format", Select).value
        folder = Path(self.query_one("#out", Input).value).expanduser()
        try:
            if not folder.is_dir():
                raise CjcaseError(f"{folder} is not a folder: type the folder to write into.")
            path = exporter.default_path(data.template, data.period, fmt, folder)
            written = exporter.write_for(
                self.caseload,
                self.prepared,
                fmt,
                path,
                self.app.clock.now(),
                allow_incomplete=allow_incomplete,
                allow_small_groups=allow_small_groups,
            )
        except CjcaseError as error:
            self.query_one("#return-status", Static).update(f"[b $error]{escape(str(error))}[/]")
            return
        self.query_one("#return-status", Static).update(Text(f"Written to {written.path}"))
        self.notify(f"Saved: {written.path}", markup=False)

    def action_back(self) -> None:
        """Back to where you came from."""
        self.app.pop_screen()
