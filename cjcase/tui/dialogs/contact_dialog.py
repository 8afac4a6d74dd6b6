"""Log a contact that is not an appointment, in a few seconds: its kind and a line of text."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.model import Session
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options


class ContactDialog(FormDialog[Session]):
    """A try to reach the client, a text, a letter or a call with another professional, made now
    (the time may be changed): it goes on the timeline, never in the appointments or the figures."""

    def __init__(self, client_id: int, client_name: str):
        super().__init__()
        self.client_id = client_id
        self.form_title = f"Log contact · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("kind", "Kind", "select", code_options(codes.CONTACT_KIND), required=True),
            FormField("notes", "What", placeholder="e.g. rang twice, no answer"),
            FormField("when", "When", "datetime", direction=PAST, required=True),
        ]

    def initial(self) -> dict[str, Any]:
        return {"kind": "attempted_contact", "when": self.app.clock.now()}

    def submit(self, values: dict[str, Any]) -> Session:
        return self.caseload.add_session(self.client_id, {**values, "status": "attended"})
