"""Log a session and book the next one in the same form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import FUTURE, PAST
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Session
from cjcase.services.engagement import Engagement
from cjcase.services.settings import peer_mentors
from cjcase.tui.widgets.forms import FormDialog, FormField, StayOpen, code_options


@dataclass
class Logged:
    """The session saved and, when one was booked, the next appointment."""

    session: Session
    next_session: Session | None


class SessionDialog(FormDialog[Logged]):
    """Log what happened (defaults: now, keywork, attended, 60 minutes) and book the next."""

    def __init__(self, client_id: int, client_name: str, session: Session | None = None, status: str | None = None):
        super().__init__()
        self.client_id = client_id
        self.session = session
        self.status = status
        self.form_title = f"{'Record outcome' if session else 'Log session'} · {client_name}"
        self._warned: tuple = ()

    def fields(self) -> list[FormField]:
        fields = [
            FormField("when", "When", "datetime", direction=PAST, required=True),
            FormField("kind", "Kind", "select", code_options(codes.SESSION_KIND), required=True),
            FormField("status", "Outcome", "select", code_options(codes.SESSION_STATUS), required=True),
            FormField("duration_minutes", "Minutes", "int"),
            FormField("notes", "Notes", "note"),
            FormField("staff", "Staff member"),
        ]
        mentors = peer_mentors(self.app.caseload.db)
        if mentors:
            fields.append(FormField("peer_mentor", "Peer mentor", "select", [(m, m) for m in mentors]))
        required = self.app.caseload.requirement_on(self.client_id, self.app.clock.today())
        if required:
            agency = required[1]
            fields += [
                FormField("dna_reason", "If DNA: why"),
                FormField(
                    "notified_at",
                    f"Notified {agency} at",
                    "datetime",
                    direction=PAST,
                    placeholder="when you told them (leave empty until done)",
                ),
            ]
        if not self.session or self.session.status == "scheduled":
            fields += [
                FormField(
                    "next_when",
                    "Next appointment",
                    "datetime",
                    direction=FUTURE,
                    placeholder="optional: e.g. next tue 10am",
                ),
                FormField("next_kind", "Next kind", "select", code_options(codes.SESSION_KIND), required=True),
            ]
        return fields

    def initial(self) -> dict[str, Any]:
        if self.session:
            status = "attended" if self.session.status == "scheduled" else self.session.status
            return {
                "when": self.session.starts_at,
                "kind": self.session.kind,
                "status": self.status or status,
                "duration_minutes": self.session.duration_minutes or 60,
                "notes": self.session.notes,
                "next_kind": "keywork",
                "staff": self.session.staff or self.app.caseload.get_client(self.client_id).keyworker,
                "peer_mentor": self.session.peer_mentor,
                "dna_reason": self.session.dna_reason,
                "notified_at": self.session.notified_at,
            }
        return {
            "when": self.app.clock.now(),
            "kind": "keywork",
            "status": self.status or "attended",
            "duration_minutes": 60,
            "next_kind": "keywork",
            "staff": self.app.caseload.get_client(self.client_id).keyworker,
        }

    def submit(self, values: dict[str, Any]) -> Logged:
        caseload = self.app.caseload
        engagement = Engagement(caseload)
        next_when = values.pop("next_when", None)
        next_kind = values.pop("next_kind", None)
        if next_when is not None and next_when <= values["when"]:
            raise ValidationError("next_when", "The next appointment must come after this one.")
        if values["status"] != "dna":
            values.pop("dna_reason", None)
            values.pop("notified_at", None)
        booking = [
            (name, when)
            for name, when in (
                ("next_when", next_when),
                ("when", values["when"] if values["status"] == "scheduled" else None),
            )
            if when
        ]
        clashes = [(name, reason) for name, when in booking for reason in engagement.clashes(self.client_id, when)]
        if clashes and tuple(clashes) != self._warned:
            # Warn once before saving; a second ctrl+s books it anyway.
            self._warned = tuple(clashes)
            self.show_error(
                clashes[0][0],
                f"[b $warning]The checklist says {clashes[0][1]}.[/] "
                "Choose another time, or ctrl+s again to book it anyway.",
            )
            raise StayOpen()
        next_values = (
            {"when": next_when, "kind": next_kind, "status": "scheduled", "duration_minutes": 60} if next_when else None
        )
        if self.session:
            session, booked = caseload.update_session_and_book(self.session.id, values, next_values)
        else:
            session, booked = caseload.log_session(self.client_id, values, next_values)
        return Logged(session, booked)
