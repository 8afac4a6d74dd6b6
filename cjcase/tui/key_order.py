"""Keys handled in the order they were typed, each to its end before the next.

Textual hands a key to the focused widget and takes the next key before the first has bubbled
back up to the screen's and the app's bindings. Typed in a burst (a loaded laptop buffers keys,
a terminal without bracketed paste sends a paste as keys), the keys after `n` reached the agenda
instead of the new-client form, and the letters after Tab landed in the field Tab was leaving.
The app passes each key it is sent through a KeyQueue: a key waits while the one before it is
still travelling, and while the screen in front is not ready for keys (a form whose first field
is not focused yet).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual import events
    from textual.app import App
    from textual.message_pump import MessagePump

# How often held keys look at the key before them: one whose widget went away under it (closed
# before it handled the key) no longer holds the rest, nor does one still travelling after
# GIVE_UP_AFTER seconds.
CHECK_EVERY = 0.25
GIVE_UP_AFTER = 5.0


class KeyQueue:
    """The keys sent to the app, handled one at a time, in order."""

    def __init__(self, app: App, dispatch: Callable[[events.Key], Awaitable[None]]):
        self.app = app
        self.dispatch = dispatch  # what Textual does with a key the app is sent
        self.held: deque[events.Key] = deque()
        self.in_flight: events.Key | None = None
        self._sent_at = 0.0
        self._at: MessagePump | None = None  # where the key in flight is now
        self._watching = False

    def _screen_ready(self) -> bool:
        return getattr(self.app.screen, "takes_keys", True)

    async def take(self, event: events.Key) -> None:
        """Handle a key now, or after the keys before it."""
        if self.in_flight is not None or self.held or not self._screen_ready():
            self.held.append(event)
            self._watch()
            return
        await self._send(event)

    def release_soon(self) -> None:
        """Let the held keys go on (the screen in front is ready for them)."""
        self.app.call_later(self.release)

    async def release(self) -> None:
        """Handle the held keys in order, as long as each finishes at once."""
        while self.held and self.in_flight is None and self._screen_ready():
            await self._send(self.held.popleft())

    async def _send(self, event: events.Key) -> None:
        self.in_flight, self._sent_at = event, time.monotonic()
        await self.dispatch(event)
        if not event.is_forwarded:  # an app-wide (priority) key: handled already
            self.in_flight = None
            return
        self._follow(self.app.focused or self.app.screen, event)

    def _follow(self, node: MessagePump, event: events.Key) -> None:
        """Look again once `node` has handled the key: a callback queued behind it."""
        self._at = node
        if not node.call_later(self._handled_at, node, event):
            self._done(event)

    def _handled_at(self, node: MessagePump, event: events.Key) -> None:
        if event is not self.in_flight:
            return
        parent = node._parent
        if node is self.app or parent is None or not event.bubble:
            self._done(event)
        elif event._stop_propagation and event._sender is not parent:
            self._done(event)  # taken here (typed into a field)
        else:
            self._follow(parent, event)  # passed up: look again behind it in the parent

    def _done(self, event: events.Key) -> None:
        if event is self.in_flight:
            self.in_flight = None
            if self.held:
                self.release_soon()

    def _watch(self) -> None:
        if not self._watching:
            self._watching = True
            self.app.set_timer(CHECK_EVERY, self._check_stuck)

    def _check_stuck(self) -> None:
        self._watching = False
        node = self._at
        if self.in_flight is not None and (
            node is None or node._closing or node._closed or time.monotonic() - self._sent_at >= GIVE_UP_AFTER
        ):
            self._done(self.in_flight)
        if self.held:
            self.release_soon()
            self._watch()
