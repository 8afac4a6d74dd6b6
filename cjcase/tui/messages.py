"""What background work tells the screens, in the past tense (as Toolong and Harlequin do).

A load runs in a worker thread off the event loop and posts one of these when its result is
ready; the screen's handler (`on_agenda_loaded`, …) puts it on the screen. Posting is safe from
any thread.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from textual.worker import Worker

    from cjcase.domain.model import ActionItem, AgendaItem, CaseloadRow
    from cjcase.returns.exporter import Prepared


class CaseloadPageLoaded(Message, bubble=False):
    """A page of the caseload list was read (with the number of matches, when known)."""

    def __init__(self, rows: list[CaseloadRow], total: int | None, append: bool, worker: Worker[Any]) -> None:
        super().__init__()
        self.rows = rows
        self.total = total
        self.append = append
        self.worker = worker


class CaseloadCounted(Message, bubble=False):
    """The clients the caseload list's filters match were counted (and, when no open client
    matches, the closed clients that would)."""

    def __init__(self, total: int, worker: Worker[Any], closed: int = 0) -> None:
        super().__init__()
        self.total = total
        self.worker = worker
        self.closed = closed


class AgendaLoaded(Message, bubble=False):
    """The agenda's days were read: their first rows and how many there are in all."""

    def __init__(self, items: list[AgendaItem], total: int, has_clients: bool, today: date) -> None:
        super().__init__()
        self.items = items
        self.total = total
        self.has_clients = has_clients
        self.today = today


class ActionsLoaded(Message, bubble=False):
    """The action list (what needs doing now) was worked out."""

    def __init__(self, actions: list[ActionItem]) -> None:
        super().__init__()
        self.actions = actions


class ReturnPrepared(Message, bubble=False):
    """A return was built and checked (`prepared`), or could not be (`error`, one sentence)."""

    def __init__(self, prepared: Prepared | None, error: str | None = None) -> None:
        super().__init__()
        self.prepared = prepared
        self.error = error
