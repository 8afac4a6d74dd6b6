"""A modal form built from field descriptions: labels, widgets, errors beside each field.

Every dialog that edits a record is a FormDialog: it lists its fields, gives initial values and
saves through a service. A service's ValidationError is shown beside its field; nothing typed
is lost; Esc closes an untouched form, and asks before throwing away one with changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Generic, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from cjcase.domain import codes
from cjcase.domain.dates import format_date, format_datetime, parse_user_date, parse_user_datetime
from cjcase.domain.errors import CjcaseError, DateInputError, ValidationError
from cjcase.tui.door import ServiceDoor
from cjcase.tui.widgets.key_footer import KeyFooter

ResultType = TypeVar("ResultType")
HINT = "ctrl+s save · esc cancel · tab next field"


@dataclass(frozen=True)
class FormField:
    """One field of a form: its name (as the services name it), label and kind of input."""

    name: str
    label: str
    kind: str = "text"  # text, int, date, datetime, select, flags, check, note, name
    options: Sequence[tuple[str, Any]] = ()
    direction: str | None = None  # for dates without a year: "past" when logging, "future" when booking
    required: bool = False
    placeholder: str = ""
    names: str = ""  # for a name: the organisation's list it is picked from (keyworker, court)


def code_options(codes: Sequence[str]) -> list[tuple[str, str]]:
    """Select options for a code list, shown in words."""
    from cjcase.domain.codes import label

    return [(label(code), code) for code in codes]


class FormInput(Input):
    """A form's text field. A paste holding tabs (a row copied from a spreadsheet or a message)
    fills this field and the ones after it, as typing it with Tab would."""

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)  # selects what the field holds, so typing replaces it
        # Only now may keys typed while the form opened arrive: one delivered before this focus
        # was typed in, then selected and overwritten by the next.
        if isinstance(self.screen, FormDialog) and not self.screen.takes_keys:
            self.screen.ready_for_keys()

    def _on_paste(self, event: events.Paste) -> None:
        if "\t" in event.text and isinstance(self.screen, FormDialog):
            event.prevent_default()  # not Input's paste, which puts it all in this field
            event.stop()
            self.screen.spread_paste(self, event.text)


class FormSelect(Select):
    """A form's dropdown. Typing on it picks the first choice the letters match, as the open list
    does (`ga` picks gate pick-up where `g` picks group), without opening the list; Enter or
    Space opens it."""

    TYPED_WITHIN = 1.0  # seconds: a pause longer than this starts a new word
    _typed = ""
    _typed_at = 0.0

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isprintable() and character != " "

    async def _on_key(self, event: events.Key) -> None:
        character = event.character
        if self.expanded or not event.is_printable or not character or character == " ":
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        import time

        now = time.monotonic()
        self._typed = (self._typed if now - self._typed_at < self.TYPED_WITHIN else "") + character
        self._typed_at = now
        value = picked(self._choices(), self._typed)
        if value is not None:
            self.value = value

    def _choices(self) -> list[tuple[str, Any]]:
        return [
            (str(getattr(prompt, "plain", prompt)), value) for prompt, value in self._options if value != Select.NULL
        ]

    def typing_example(self) -> str:
        """Letters that pick one choice, for the form's hint: the last choice that needs the most."""
        choices = self._choices()
        best = ""
        for label, value in choices:
            for end in range(1, len(label) + 1):
                if picked(choices, label[:end]) == value:
                    if end >= len(best.partition(":")[0]):
                        best = f"{label[:end].lower()}: {label}"
                    break
        return best


def picked(choices: list[tuple[str, Any]], typed: str) -> Any:
    """The value of the choice typed letters pick: the one where they come earliest in the label,
    the first of those in the list (the rule of Textual's open list)."""
    typed = typed.lower()
    best, at = None, None
    for label, value in choices:
        index = label.lower().find(typed)
        if index != -1 and (at is None or index < at):
            best, at = value, index
    return best


class StayOpen(Exception):
    """Raised by submit() after it has shown a warning: the form stays open, nothing is saved."""


class FormDialog(ServiceDoor, ModalScreen[ResultType], Generic[ResultType]):
    """A modal form; subclasses give `form_title`, `fields()`, `initial()` and `submit()`."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+n", "add_name", "Add to the list", show=False),
    ]
    form_title = "Form"
    # What the hint line says while a text field has the cursor (a dropdown's says how to pick).
    HINT_TEXT = HINT
    # Keys typed while the form opens wait until its first field has the cursor (KeyQueue).
    takes_keys = False

    def fields(self) -> list[FormField]:
        """The fields of the form, in order."""
        raise NotImplementedError

    def initial(self) -> dict[str, Any]:
        """Values to start with, by field name."""
        return {}

    def submit(self, values: dict[str, Any]) -> ResultType:
        """Save through a service and return the result; raise ValidationError to stay open."""
        raise NotImplementedError

    def start_field(self) -> str | None:
        """The field the cursor starts in: the first, unless the form knows what is asked first."""
        return next(iter(self._fields), None)

    # ------------------------------------------------------------------ building

    def compose(self) -> ComposeResult:
        initial = self.initial()
        self._fields = {field.name: field for field in self.fields()}
        with Vertical(id="form"):
            yield Static(self.form_title, classes="form-title", markup=False)  # titles carry names
            with VerticalScroll(id="form-fields"):
                for field in self._fields.values():
                    with Vertical(classes="form-cell"):
                        with Horizontal(classes="form-row"):
                            yield Label(field.label + (" *" if field.required else ""), classes="form-label")
                            yield self._widget(field, initial.get(field.name))
                        if field.kind in ("date", "datetime", "name"):
                            yield Static("", id=f"echo-{field.name}", classes="form-echo")
                        yield Static("", id=f"error-{field.name}", classes="form-error")
            yield Static("", id="form-error")
            yield Static(self.HINT_TEXT, classes="form-hint", id="form-hint")
        yield KeyFooter()

    def _widget(self, field: FormField, value: Any) -> Widget:
        widget_id = f"field-{field.name}"
        if field.kind == "select":
            options = list(field.options)
            known = {v for _, v in options}
            return FormSelect(
                options,
                value=value if value in known else Select.NULL,
                allow_blank=not field.required or value not in known,
                id=widget_id,
                compact=True,
            )
        if field.kind == "flags":
            chosen = set(value or [])
            return SelectionList(
                *[(label, code, code in chosen) for label, code in field.options], id=widget_id, classes="form-flags"
            )
        if field.kind == "check":
            return Checkbox(value=bool(value), id=widget_id, compact=True)
        if field.kind == "note":
            return TextArea(value or "", id=widget_id, classes="form-note", soft_wrap=True)
        if field.kind == "name":
            from textual.suggester import SuggestFromList

            return FormInput(
                self._text_of(field, value),
                placeholder=field.placeholder or "type the first letters; → takes the name offered",
                id=widget_id,
                compact=True,
                suggester=SuggestFromList(self.app.caseload.known_names(field.names), case_sensitive=False),
            )
        return FormInput(
            self._text_of(field, value),
            placeholder=field.placeholder,
            id=widget_id,
            compact=True,
            type="integer" if field.kind == "int" else "text",
        )

    @staticmethod
    def _text_of(field: FormField, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime("%d/%m/%Y %H:%M")
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        return str(value)

    def on_mount(self) -> None:
        for field in self._fields.values():
            if field.kind in ("date", "datetime"):
                self._echo(field)
            elif field.kind == "name":
                self._echo_name(field)
        first = self.start_field()
        self._as_opened = self._raw_values()
        first_widget = self.query_one(f"#field-{first}") if first else None
        if first_widget is not None:
            first_widget.focus()
        if not isinstance(first_widget, FormInput):
            self.ready_for_keys()  # no text field to wait for (a FormInput says when it has the cursor)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """In a dropdown, the hint says that typing picks a choice (with letters that pick one)."""
        hint = self.query_one("#form-hint", Static)  # every form has one: a form's own layout too
        widget = event.widget
        if isinstance(widget, FormSelect):
            example = widget.typing_example()
            hint.update(
                f"type to pick{f' ({escape(example)})' if example else ''} · enter opens the list · "
                "ctrl+s save · esc cancel"
            )
        elif isinstance(widget, (Input, TextArea, SelectionList, Checkbox)):
            hint.update(self.HINT_TEXT)

    def ready_for_keys(self) -> None:
        """Let the keys typed while the form opened reach it, now that its first field has the cursor."""
        self.takes_keys = True
        keys = getattr(self.app, "keys", None)
        if keys is not None:
            keys.release_soon()

    def _raw_values(self) -> dict[str, Any]:
        """What each field holds as typed, to tell whether anything was changed."""
        raw: dict[str, Any] = {}
        for name in self._fields:
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, SelectionList):
                raw[name] = sorted(widget.selected)
            elif isinstance(widget, TextArea):
                raw[name] = widget.text
            else:
                raw[name] = widget.value
        return raw

    def has_changes(self) -> bool:
        """Whether anything was typed or chosen since the form opened."""
        return self._raw_values() != getattr(self, "_as_opened", self._raw_values())

    def spread_paste(self, field: Widget, text: str) -> None:
        """Put each tab-separated part of a pasted line in a field of its own, from `field` on."""
        lines = text.splitlines()
        widget: Widget | None = field
        for number, part in enumerate(lines[0].split("\t") if lines else []):
            if number:
                self.focus_next()
                widget = self.focused
            if isinstance(widget, Input):
                widget.insert_text_at_cursor(part)
            elif isinstance(widget, Select) and part.strip():
                wanted = codes.label(part.strip().lower())
                for label, value in widget._options:
                    if wanted in (str(label).lower(), codes.label(str(value).lower())):
                        widget.value = value
                        break

    # ------------------------------------------------------------------ reading

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        field = self._fields.get(name)
        if field:
            self.query_one(f"#error-{name}", Static).display = False
        if field and field.kind in ("date", "datetime"):
            self._echo(field)
        elif field and field.kind == "name":
            self._echo_name(field)

    def _echo_name(self, field: FormField) -> None:
        """Say which listed name the typed letters pick, or that they pick none."""
        from cjcase.services import names

        echo = self.query_one(f"#echo-{field.name}", Static)
        text = self.query_one(f"#field-{field.name}", Input).value.strip()
        echo.display = bool(text)
        if not text:
            return
        picked = self.app.caseload.resolve_name(field.names, text)
        noun = names.LISTS[field.names].noun
        echo.update(
            f"[dim]= {picked}[/]"
            if picked
            else f"[b $warning]not one {noun} on the list:[/] [dim]type more, or ctrl+n adds it as a new {noun}[/]"
        )

    def _echo(self, field: FormField) -> None:
        """Show the full date a typed date resolves to, before saving."""
        echo = self.query_one(f"#echo-{field.name}", Static)
        text = self.query_one(f"#field-{field.name}", Input).value
        echo.display = bool(text.strip())
        if not text.strip():
            return
        try:
            parsed = self._parse_date(field, text)
        except DateInputError:
            echo.update("[dim]not a date yet: e.g. 3/12, tomorrow 10am, next tue[/]")
            return
        echo.update(f"[dim]= {format_datetime(parsed) if field.kind == 'datetime' else format_date(parsed)}[/]")

    def direction_of(self, field: FormField) -> str | None:
        """Which way a date typed without a year (or a bare weekday) resolves: the field's own
        direction, unless a form decides it from its other fields."""
        return field.direction

    def _parse_date(self, field: FormField, text: str):
        now = self.app.clock.now()
        direction = self.direction_of(field)
        if field.kind == "datetime":
            return parse_user_datetime(text, now, direction, default_time=time(10, 0))
        return parse_user_date(text, now.date(), direction)

    def value_of(self, name: str) -> Any:
        """The typed value of one field, parsed (dates into dates); raises ValidationError."""
        field = self._fields[name]
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Select):
            return None if widget.is_blank() else widget.value
        if isinstance(widget, SelectionList):
            return list(widget.selected)
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text.strip() or None
        text = widget.value.strip()
        if not text:
            if field.required:
                raise ValidationError(name, f"Fill in {field.label.lower()}.")
            return None
        if field.kind in ("date", "datetime"):
            try:
                return self._parse_date(field, text)
            except DateInputError as error:
                raise ValidationError(name, str(error)) from None
        if field.kind == "int":
            return int(text)
        if field.kind == "name":
            return self.app.caseload.resolve_name(field.names, text) or text  # the services refuse a new name
        return text

    def values(self) -> dict[str, Any]:
        """Every field's value; raises the first ValidationError of a field that cannot be read."""
        return {name: self.value_of(name) for name in self._fields}

    # ------------------------------------------------------------------ saving

    def action_save(self) -> None:
        """Save through the service; on a broken rule show it beside its field and stay open."""
        for error in self.query(".form-error"):
            error.update("")
            error.display = False
        try:
            result = self.submit(self.values())
        except StayOpen:
            return
        except ValidationError as error:
            self.show_error(error.field, error.message)
            return
        except CjcaseError as error:
            self.query_one("#form-error", Static).update(f"[b $error]{escape(str(error))}[/]")
            return
        self.dismiss(result)

    def show_error(self, field: str, message: str) -> None:
        """Show a message beside a field (or under the form when the field is not on it).

        A message starting with "[" is the caller's markup (with any user text escaped); any
        other is plain text, shown as written."""
        if field in self._fields:
            error = self.query_one(f"#error-{field}", Static)
            error.update(message if message.startswith("[") else f"[b $error]{escape(message)}[/]")
            error.display = True
            widget = self.query_one(f"#field-{field}")
            widget.focus()
            widget.scroll_visible()
        else:
            shown = message if message.startswith("[") else f"[b $error]{escape(message)}[/]"
            self.query_one("#form-error", Static).update(shown)

    def action_add_name(self) -> None:
        """Put the name typed in the field with the cursor on the organisation's list (asks first)."""
        from cjcase.domain.errors import CjcaseError
        from cjcase.services import names
        from cjcase.tui.widgets.confirm import ConfirmDialog

        widget = self.focused
        field = self._fields.get((getattr(widget, "id", None) or "").removeprefix("field-"))
        if field is None or field.kind != "name" or not isinstance(widget, Input):
            self.notify("ctrl+n adds a new name in a keyworker or court field.", severity="warning")
            return
        noun = names.LISTS[field.names].noun
        text = " ".join(widget.value.split())
        if not text:
            self.show_error(field.name, f"Type the new {noun}'s full name, then ctrl+n.")
            return

        def answered(add: bool | None) -> None:
            if not add:
                return
            try:
                listed = self.app.caseload.add_name(field.names, text)
            except CjcaseError as error:
                self.show_error(field.name, str(error))
                return
            from textual.suggester import SuggestFromList

            widget.suggester = SuggestFromList(self.app.caseload.known_names(field.names), case_sensitive=False)
            widget.value = listed
            self._echo_name(field)
            self.notify(f"{listed} added to the {noun}s.")

        self.app.push_screen(ConfirmDialog(f"Add {text} to the organisation's {noun}s, as a new {noun}?"), answered)

    def action_cancel(self) -> None:
        """Close without saving; a form with changes asks first (an Esc too many, after closing
        a dropdown, must not lose a long note)."""
        if not self.has_changes():
            self.dismiss(None)
            return
        from cjcase.tui.widgets.confirm import ConfirmDialog

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Discard changes? What you typed in this form is not saved."), answered)
