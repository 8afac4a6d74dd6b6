"""The screen's keys on the bottom line, drawn as one line of text."""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget


class ShownKey(NamedTuple):
    label: str  # the key as shown
    description: str
    enabled: bool
    action: str
    node: DOMNode  # where the binding is, for a click


class KeyFooter(Widget):
    """The keys the screen offers now, and the command palette's key on the right.

    Textual's Footer is a widget per key, rebuilt whenever the bindings change; on a screen
    switch that restyled and re-measured every key (about a fifth of opening a record). This
    draws the same keys as one line of text. A click on a key runs its action (not the key, which a
    focused input would take as typing).
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, ShownKey]] = []  # (start, end, key) as last drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def shown_keys(self) -> tuple[list[ShownKey], ShownKey | None]:
        """The keys to show, one per action in binding order, and the command palette's key."""
        app = self.app
        keys: list[ShownKey] = []
        actions: set[str] = set()
        palette = None
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            shown = ShownKey(app.get_key_display(binding), binding.description, enabled, binding.action, node)
            if binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = shown
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(shown)
        return keys, palette

    def render(self) -> Text:
        keys, palette = self.shown_keys()
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        description_style = self.get_component_rich_style("key-footer--description", partial=True)

        def drawn(shown: ShownKey) -> Text:
            extra = Style.null() if shown.enabled else Style(dim=True)
            text = Text()
            text.append(f" {shown.label} ", key_style + extra)
            text.append(f"{shown.description} ", description_style + extra)
            return text

        # The palette's key sits at the right edge, as in Textual's Footer; a key that does not
        # fit whole before it is left off.
        right = drawn(palette) if palette else Text()
        room = self.size.width - right.cell_len
        line = Text(no_wrap=True, overflow="crop")
        spans = []
        for shown in keys:
            text = drawn(shown)
            if line.cell_len + text.cell_len > room:
                break
            spans.append((line.cell_len, line.cell_len + text.cell_len, shown))
            line.append_text(text)
        if palette:
            line.pad_right(room - line.cell_len)
            spans.append((room, room + right.cell_len, palette))
            line.append_text(right)
        self._spans = spans
        return line

    def key_at(self, x: int) -> ShownKey | None:
        """The key drawn at column `x`, if any."""
        return next((shown for start, end, shown in self._spans if start <= x < end), None)

    async def on_click(self, event: events.Click) -> None:
        shown = self.key_at(event.x)
        if shown is None:
            return
        event.stop()
        if shown.enabled:
            await self.app.run_action(shown.action, shown.node)
        else:
            self.app.bell()
