"""A TOP form on one screen: the paper form's four sections, every item typed (digits, y/n or
n/a), nothing pre-filled; once saved, each item shows its change from the start TOP beside it."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Static

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Top, item_change, start_top_of
from cjcase.tui.widgets.forms import FormDialog, FormField, StayOpen, code_options
from cjcase.tui.widgets.key_footer import KeyFooter

PLACEHOLDER = {"days": "0-28", "rating": "0-20", "units": "0-200", "yes_no": "y/n"}
HIGH = {"days": 28, "rating": 20, "units": 200}
NOT_ANSWERED = ("n/a", "na", "n.a.")


def item_text(value: int | str | None) -> str:
    """An item as the form shows it: the number, y or n, or n/a when not answered."""
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value[:1]  # yes → y, no → n
    return str(value)


def change_text(start: Top | None, top: Top, name: str) -> str:
    """An item's change from the start TOP, in a few characters."""
    if start is None:
        return ""
    before = getattr(start, name)
    change = item_change(start, top, name)
    if change is None:
        if before is None and getattr(top, name) is None:
            return ""  # not answered either time: nothing to compare
        return "n/a at start" if before is None else "n/a now"
    if isinstance(change, str):
        return change
    return f"{change:+d} from {before}" if change else f"same ({before})"


class TopDialog(FormDialog[Top]):
    """Enter a TOP, or correct a saved one."""

    HINT_TEXT = "ctrl+s save · esc close · tab next · a number, y, n or n/a in each item"

    def __init__(self, client_id: int, client_name: str, stage: str = "review", top: Top | None = None):
        super().__init__()
        self.client_id = client_id
        self.client_name = client_name
        self.stage = stage
        self.top = top  # the TOP being corrected, or the one this form has just saved
        self.just_saved = False
        self.form_title = self._title()

    def _title(self) -> str:
        if self.top is None:
            return f"New TOP · {self.client_name} · days are in the past 28; n/a = not answered"
        return f"TOP of {self.top.top_date:%d/%m/%Y} · {self.client_name} · n/a = not answered"

    def fields(self) -> list[FormField]:
        return [
            FormField("date", "Date", "date", direction=PAST, required=True),
            FormField("stage", "Stage", "select", code_options(codes.TOP_STAGE), required=True),
            FormField("setting", "Setting", "select", code_options(codes.TOP_SETTING), required=True),
            *[
                FormField(name, codes.TOP_LABEL[name], "top", required=True, placeholder=PLACEHOLDER[kind])
                for name, kind in ((name, codes.TOP_ITEM_KIND[name]) for name in codes.TOP_ITEMS)
            ],
        ]

    def initial(self) -> dict[str, Any]:
        # No item is pre-filled: an answer left blank is not "0" or "no" (DOMAIN.md, TOP v2).
        if self.top is None:
            return {"date": self.app.clock.today(), "stage": self.stage, "setting": "community"}
        return {
            "date": self.top.top_date,
            "stage": self.top.stage,
            "setting": self.top.setting,
            **{name: item_text(getattr(self.top, name)) for name in codes.TOP_ITEMS},
        }

    # ------------------------------------------------------------------ building

    def compose(self) -> ComposeResult:
        initial = self.initial()
        self._fields = {field.name: field for field in self.fields()}
        with Vertical(id="form"):
            yield Static(self.form_title, classes="form-title", markup=False)  # titles carry names
            with VerticalScroll(id="form-fields"):
                with Grid(classes="top-grid"):
                    yield from self._cells(("date", "stage", "setting"), initial)
                for heading, names in codes.TOP_SECTIONS:
                    yield Static(heading, classes="top-section")
                    with Grid(classes="top-grid"):
                        yield from self._cells(names, initial)
            yield Static("", id="form-error")
            yield Static(self.HINT_TEXT, classes="form-hint", id="form-hint")
        yield KeyFooter()

    def _cells(self, names: tuple[str, ...], initial: dict[str, Any]) -> ComposeResult:
        for name in names:
            field = self._fields[name]
            with Vertical(classes="form-cell"):
                with Horizontal(classes="form-row"):
                    yield Label(field.label, classes="form-label")
                    yield self._widget(field, initial.get(name))
                    if field.kind == "top":
                        yield Static("", id=f"change-{name}", classes="top-change")
                if field.kind == "date":
                    yield Static("", id=f"echo-{name}", classes="form-echo")
                yield Static("", id=f"error-{name}", classes="form-error")

    def _widget(self, field: FormField, value: Any):
        widget = super()._widget(field, value)
        if field.kind == "top":
            widget.add_class("top-item")
        return widget

    def on_mount(self) -> None:
        super().on_mount()
        self._show_changes()

    def _show_changes(self) -> None:
        """Beside each item, its change from the start TOP (once this TOP is saved)."""
        top = self.top
        start = start_top_of(self.caseload.tops(self.client_id), top) if top is not None else None
        for name in codes.TOP_ITEMS:
            self.query_one(f"#change-{name}", Static).update(change_text(start, top, name) if top else "")

    # ------------------------------------------------------------------ reading

    def value_of(self, name: str) -> Any:
        field = self._fields[name]
        if field.kind != "top":
            return super().value_of(name)
        text = self.query_one(f"#field-{name}").value.strip().lower()  # type: ignore[attr-defined]
        kind = codes.TOP_ITEM_KIND[name]
        if text in NOT_ANSWERED:
            return codes.NA
        if not text:
            raise ValidationError(name, f"Fill in {field.label.lower()}: {PLACEHOLDER[kind]}, or n/a if not answered.")
        if kind == "yes_no":
            if text in ("y", "yes"):
                return "yes"
            if text in ("n", "no"):
                return "no"
            raise ValidationError(name, f"{field.label}: type y, n or n/a, not '{text}'.")
        if not text.isdigit() or int(text) > HIGH[kind]:
            raise ValidationError(name, f"{field.label}: type a number from {PLACEHOLDER[kind]}, or n/a.")
        return int(text)

    # ------------------------------------------------------------------ saving

    def submit(self, values: dict[str, Any]) -> Top:
        if self.top is not None:
            saved = self.caseload.update_top(self.top.id, values)
        else:
            saved = self.caseload.add_top(self.client_id, values)
        self.top, self.just_saved = saved, True
        start = start_top_of(self.caseload.tops(self.client_id), saved)
        if start is None:
            return saved  # a start TOP, or none to compare with: nothing to show beside the items
        # Saved: the form stays, to show each item's change from the start TOP beside it.
        self._show_changes()
        self.query_one(".form-title", Static).update(
            f"Saved · TOP of {saved.top_date:%d/%m/%Y} · {self.client_name} · "
            f"change from the start TOP of {start.top_date:%d/%m/%Y} beside each item; esc closes"
        )
        self._as_opened = self._raw_values()
        self.notify("Saved: the change from the start TOP is beside each item.")
        raise StayOpen

    def dismiss(self, result: Top | None = None):  # type: ignore[override]
        """Closing after a save hands back the saved TOP, so the record shows it."""
        return super().dismiss(result if result is not None else (self.top if self.just_saved else None))
