"""Passphrase screens for an encrypted caseload: asking at start, and locking when idle."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from cjcase.domain.errors import CjcaseError


class PassphraseApp(App):
    """Asks for the passphrase of an encrypted caseload and opens it; returns the database."""

    CSS_PATH = "../cjcase.tcss"
    BINDINGS = [Binding("escape", "quit", "Quit")]

    def __init__(self, path_label: str, opener: Callable[[str], object]):
        super().__init__()
        self.path_label = path_label
        self.opener = opener

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase"):
            yield Static(f"{self.path_label} is encrypted. Type its passphrase:", markup=False)
            yield Input(password=True, id="passphrase-input")
            yield Static("", id="passphrase-error")
            yield Static("Enter opens · Esc quits", classes="form-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            database = self.opener(event.value)
        except CjcaseError as error:
            self.query_one("#passphrase-error", Static).update(f"[b $error]{escape(str(error))}[/]")
            event.input.value = ""
            return
        self.exit(database)


class LockScreen(ModalScreen[None]):
    """Covers the caseload after a spell of inactivity until the passphrase is typed again."""

    LOCKS_THE_APP = True  # the app refuses every action but quit while this is in front
    BINDINGS = [Binding("escape", "nothing", show=False)]

    def __init__(self, passphrase: str):
        super().__init__()
        self._passphrase = passphrase

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase"):
            yield Static("cjcase is locked after a spell without use. Type the passphrase to go on:")
            yield Input(password=True, id="unlock-input")
            yield Static("", id="unlock-error")

    def on_mount(self) -> None:
        self.query_one("#unlock-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if hmac.compare_digest(event.value.encode(), self._passphrase.encode()):
            self.dismiss(None)
        else:
            event.input.value = ""
            self.query_one("#unlock-error", Static).update("[b $error]That is not the passphrase.[/]")

    def action_nothing(self) -> None:
        """Esc does not unlock."""
