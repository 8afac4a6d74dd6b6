"""Move, change or cancel a booking: it stays a booking (moving is not recording its outcome)."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import FUTURE
from cjcase.domain.model import Session
from cjcase.tui.dialogs.session_dialog import booking_warnings, warn_before_saving
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

BOOKING_OPTIONS = [
    ("still booked", "scheduled"),
    ("cancelled by the client", "cancelled_client"),
    ("cancelled by the service", "cancelled_service"),
]


class BookingDialog(FormDialog[Session]):
    """A future appointment's time, kind and details; it can be cancelled but not recorded."""

    def __init__(self, client_name: str, session: Session, legal_assessment: bool = False):
        super().__init__()
        self.session = session
        self.legal_assessment = legal_assessment
        kept = " (the old time is kept as rearranged)" if legal_assessment else ""
        self.form_title = f"Move or change appointment{kept} · {client_name}"
        self._warned: tuple = ()

    def fields(self) -> list[FormField]:
        fields = [
            FormField("when", "When", "datetime", direction=FUTURE, required=True),
            FormField("kind", "Kind", "select", code_options(codes.APPOINTMENT_KIND), required=True),
            FormField("status", "Booking", "select", BOOKING_OPTIONS, required=True),
            FormField("duration_minutes", "Minutes", "int"),
            FormField("notes", "Notes", "note"),
            FormField("staff", "Staff member"),
        ]
        mentors = self.caseload.peer_mentors()
        if mentors:
            fields.append(FormField("peer_mentor", "Peer mentor", "select", [(m, m) for m in mentors]))
        return fields

    def initial(self) -> dict[str, Any]:
        session = self.session
        return {
            "when": session.starts_at,
            "kind": session.kind,
            "status": "scheduled",
            "duration_minutes": session.duration_minutes,
            "notes": session.notes,
            "staff": session.staff,
            "peer_mentor": session.peer_mentor,
        }

    def submit(self, values: dict[str, Any]) -> Session:
        engagement = self.engagement
        if values["status"] == "scheduled" and values["when"] != self.session.starts_at:
            client_id = self.session.client_id
            warn_before_saving(
                self,
                [("when", text) for text in engagement.date_warnings(client_id, values["when"], "scheduled")]
                + booking_warnings(self, client_id, [("when", values["when"])]),
            )
        return self.engagement.change_booking(self.session.id, values)
