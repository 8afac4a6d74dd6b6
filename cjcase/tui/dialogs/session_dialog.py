"""Log a session and book the next one in the same form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cjcase import codes
from cjcase.dates import FUTURE, PAST
from cjcase.errors import ValidationError
from cjcase.model import Session
from cjcase.tui.forms import FormDialog, FormField, code_options


@dataclass
class Logged:
    """The session saved and, when one was booked, the next appointment."""

    session: Session
    next_session: Session | None


class SessionDialog(FormDialog[Logged]):
    """Log what happened (defaults: now, keywork, attended, 60 minutes) and book the next."""

    def __init__(self, client_id: int, client_name: str, session: Session | None = None):
        super().__init__()
        self.client_id = client_id
        self.session = session
        self.form_title = f"{'Record outcome' if session else 'Log session'} · {client_name}"

    def fields(self) -> list[FormField]:
        fields = [
            FormField("when", "When", "datetime", direction=PAST, required=True),
            FormField("kind", "Kind", "select", code_options(codes.SESSION_KIND), required=True),
            FormField("status", "Outcome", "select", code_options(codes.SESSION_STATUS), required=True),
            FormField("duration_minutes", "Minutes", "int"),
            FormField("notes", "Notes", "note"),
        ]
        if not self.session or self.session.status == "scheduled":
            fields += [
                FormField("next_when", "Next appointment", "datetime", direction=FUTURE,
                          placeholder="optional: e.g. next tue 10am"),
                FormField("next_kind", "Next kind", "select", code_options(codes.SESSION_KIND), required=True),
            ]
        return fields

    def initial(self) -> dict[str, Any]:
        if self.session:
            status = "attended" if self.session.status == "scheduled" else self.session.status
            return {"when": self.session.starts_at, "kind": self.session.kind, "status": status,
                    "duration_minutes": self.session.duration_minutes or 60, "notes": self.session.notes,
                    "next_kind": "keywork"}
        return {"when": self.app.clock.now(), "kind": "keywork", "status": "attended",
                "duration_minutes": 60, "next_kind": "keywork"}

    def submit(self, values: dict[str, Any]) -> Logged:
        caseload = self.app.caseload
        next_when = values.pop("next_when", None)
        next_kind = values.pop("next_kind", None)
        if next_when is not None and next_when <= values["when"]:
            raise ValidationError("next_when", "The next appointment must come after this one.")
        next_values = ({"when": next_when, "kind": next_kind, "status": "scheduled", "duration_minutes": 60}
                       if next_when else None)
        if self.session:
            session, booked = caseload.update_session_and_book(self.session.id, values, next_values)
        else:
            session, booked = caseload.log_session(self.client_id, values, next_values)
        return Logged(session, booked)
