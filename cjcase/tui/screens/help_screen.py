"""Help: the keys of the screen underneath, generated from its bindings, and its guide."""

from __future__ import annotations

from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GLOBAL_KEYS = [
    ("?", "Help for this screen"),
    ("ctrl+p", "Command palette: every action, and jump to a client"),
    ("esc", "Back, or close a form (a form with changes asks first)"),
    ("ctrl+s", "Save a form"),
    ("q", "Quit"),
]


READ_ONLY_GLOBAL_KEYS = [
    ("?", "Help for this screen"),
    ("ctrl+p", "Command palette: every action, and jump to a client"),
    ("esc", "Back"),
    ("q", "Quit"),
]


def key_lines(screen: Screen) -> list[tuple[str, str]]:
    """The screen's keys with their descriptions, as declared in its BINDINGS; a key the screen
    does not offer now (an edit key in read-only mode) is left out."""
    lines = []
    for binding in getattr(screen, "BINDINGS", []):
        if not isinstance(binding, Binding) or not binding.description:
            continue
        _namespace, action, parameters = parse_action(binding.action)
        if screen.check_action(action, parameters) is False:
            continue
        lines.append((binding.key_display or binding.key, binding.description))
    return lines


class HelpScreen(ModalScreen[None]):
    """Keys and a short guide for the screen underneath."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, screen: Screen):
        super().__init__()
        self.target = screen

    def compose(self) -> ComposeResult:
        area = getattr(self.target, "AREA", "") or "cjcase"
        read_only = self.app.read_only
        keys = key_lines(self.target) + (READ_ONLY_GLOBAL_KEYS if read_only else GLOBAL_KEYS)
        guide = getattr(self.target, "READ_ONLY_HELP", "") if read_only else ""
        width = max(len(key) for key, _ in keys)
        listing = "\n".join(f"[b]{key:>{width}}[/]  {text}" for key, text in keys)
        with Vertical(id="help"):
            yield Static(f"Help · {area}" + (" · read-only" if read_only else ""), classes="form-title")
            with VerticalScroll():
                yield Static(guide or getattr(self.target, "HELP", ""), id="help-guide")
                yield Static(listing, id="help-keys")
            yield Static("esc or ? closes", classes="form-hint")

    def action_dismiss(self) -> None:
        """Close the help."""
        self.dismiss(None)
