"""Log a session and book the next one in the same form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.markup import escape
from textual.widgets import Select

from cjcase.domain import codes
from cjcase.domain.dates import FUTURE, PAST
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Session
from cjcase.tui.widgets.forms import FormDialog, FormField, StayOpen, code_options


@dataclass
class Logged:
    """The session saved and, when one was booked, the next appointment."""

    session: Session
    next_session: Session | None


def warn_before_saving(dialog: FormDialog, warnings: list[tuple[str, str]]) -> None:
    """Warn once, beside the first field concerned, of what the keyworker may not mean (a time
    the checklist rules out, a booking in the past, a date before the referral); a second ctrl+s
    with the same warnings saves anyway. Raises StayOpen after warning."""
    if warnings and tuple(warnings) != getattr(dialog, "_warned", ()):
        dialog._warned = tuple(warnings)  # type: ignore[attr-defined]
        text = " ".join(warning for _, warning in warnings)
        dialog.show_error(warnings[0][0], f"[b $warning]{escape(text)}[/] Check it, or ctrl+s again to save anyway.")
        raise StayOpen()


def booking_warnings(dialog: FormDialog, client_id: int, booking: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The checklist's reasons why booked times do not work, by field."""
    engagement = dialog.engagement
    return [
        (name, f"The checklist says {reason}.")
        for name, when in booking
        if when
        for reason in engagement.clashes(client_id, when)
    ]


class SessionDialog(FormDialog[Logged]):
    """Log a new session (defaults: now, keywork, attended, 60 minutes), record the outcome of an
    appointment whose time has come (no outcome chosen for you), or correct a recorded session;
    and book the next appointment."""

    def __init__(self, client_id: int, client_name: str, session: Session | None = None, status: str | None = None):
        super().__init__()
        self.client_id = client_id
        self.session = session
        self.status = status
        recording = session is not None and session.status == "scheduled"
        title = "Record outcome" if recording else "Edit session" if session else "Log session"
        self.form_title = f"{title} · {client_name}"
        self._warned: tuple = ()

    def _outcomes(self) -> tuple[str, ...]:
        """The outcomes offered: a new session may be a booking; an appointment's only what happened."""
        if self.session is None:
            return ("scheduled", *codes.SESSION_OUTCOME)
        if self.session.is_contact:
            return codes.CONTACT_STATUS
        if self.session.status in codes.SESSION_OUTCOME or self.session.status == "scheduled":
            return codes.SESSION_OUTCOME
        return codes.SESSION_OUTCOME + (self.session.status,)

    def _kinds(self) -> tuple[str, ...]:
        """The appointment kinds; a contact being corrected keeps its own kind among them."""
        if self.session is not None and self.session.is_contact:
            return codes.APPOINTMENT_KIND + (self.session.kind,)
        return codes.APPOINTMENT_KIND

    def fields(self) -> list[FormField]:
        fields = [
            FormField("when", "When", "datetime", direction=PAST, required=True),
            FormField("kind", "Kind", "select", code_options(self._kinds()), required=True),
            FormField("status", "Outcome", "select", code_options(self._outcomes()), required=True),
            FormField("duration_minutes", "Minutes", "int"),
            FormField("notes", "Notes", "note"),
            FormField("staff", "Staff member"),
        ]
        mentors = self.caseload.peer_mentors()
        if mentors:
            fields.append(FormField("peer_mentor", "Peer mentor", "select", [(m, m) for m in mentors]))
        day = self.session.starts_at.date() if self.session else self.app.clock.today()
        stage = self.session.requirement if self.session else None
        stages = self.engagement.stages_offered(self.client_id, day)
        if stages or stage:
            # An RA or RoB assessment says which stage it is (only while one can be: DOMAIN.md).
            offered = stages + ((stage,) if stage and stage not in stages else ())
            fields.append(FormField("requirement", "Legal stage", "select", code_options(offered)))
        required = self.engagement.reportable(self.client_id, day, stage)
        if required:
            agency = " and ".join(dict.fromkeys(agency for _, agency in required))
            fields += [
                FormField("dna_reason", "If absent: why", placeholder="a DNA, or came but left early"),
                FormField(
                    "notified_at",
                    f"Notified {agency} at",
                    "datetime",
                    direction=PAST,
                    placeholder="when you told them (leave empty until done)",
                ),
            ]
        if self.engagement.order_running(self.client_id, day):
            # On a running order the responsible officer decides whether an absence was acceptable.
            fields.append(
                FormField(
                    "absence", "Absence decision", "select", code_options(codes.ABSENCE), placeholder="not decided"
                )
            )
        if not self.session or self.session.status == "scheduled":
            fields += [
                FormField(
                    "next_when",
                    "Next appointment",
                    "datetime",
                    direction=FUTURE,
                    placeholder="optional: e.g. next tue 10am",
                ),
                FormField("next_kind", "Next kind", "select", code_options(codes.APPOINTMENT_KIND), required=True),
            ]
        return fields

    def start_field(self) -> str | None:
        """A reportable absence opened to be marked DNA starts at why: the one thing it asks."""
        if self.status == "dna" and "dna_reason" in self._fields:
            return "dna_reason"
        return super().start_field()

    def direction_of(self, field: FormField) -> str | None:
        """When is read by what is recorded: a booking resolves to the future, an outcome to the past."""
        if field.name != "when":
            return field.direction
        status = self.query_one("#field-status", Select)
        return FUTURE if status.value == "scheduled" else PAST

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "field-status":
            self._echo(self._fields["when"])

    def initial(self) -> dict[str, Any]:
        if self.session:
            # Recording what happened: nothing is chosen for the keyworker.
            status = None if self.session.status == "scheduled" else self.session.status
            return {
                "when": self.session.starts_at,
                "kind": self.session.kind,
                "status": self.status or status,
                "duration_minutes": self.session.duration_minutes or 60,
                "notes": self.session.notes,
                "next_kind": "keywork",
                "staff": self.session.staff or self.caseload.get_client(self.client_id).keyworker,
                "peer_mentor": self.session.peer_mentor,
                "dna_reason": self.session.dna_reason,
                "notified_at": self.session.notified_at,
                "absence": self.session.absence,
                "requirement": self.session.requirement,
            }
        return {
            "when": self.app.clock.now(),
            "kind": "keywork",
            "status": self.status or "attended",
            "duration_minutes": 60,
            "next_kind": "keywork",
            "staff": self.caseload.get_client(self.client_id).keyworker,
        }

    def submit(self, values: dict[str, Any]) -> Logged:
        caseload = self.caseload
        next_when = values.pop("next_when", None)
        next_kind = values.pop("next_kind", None)
        if not values["status"]:
            raise ValidationError("status", "Choose what happened: attended, DNA or cancelled.")
        if next_when is not None and next_when <= values["when"]:
            raise ValidationError("next_when", "The next appointment must come after this one.")
        if values["status"] not in codes.ABSENCE_STATUS:
            values.pop("dna_reason", None)
            values.pop("notified_at", None)
            values.pop("absence", None)
        booked_now = values["when"] if values["status"] == "scheduled" else None
        warn_before_saving(
            self,
            [("when", text) for text in self.engagement.date_warnings(self.client_id, values["when"], values["status"])]
            + booking_warnings(self, self.client_id, [("next_when", next_when), ("when", booked_now)]),
        )
        next_values = (
            {"when": next_when, "kind": next_kind, "status": "scheduled", "duration_minutes": 60} if next_when else None
        )
        if self.session:
            session, booked = caseload.update_session_and_book(self.session.id, values, next_values)
        else:
            session, booked = caseload.log_session(self.client_id, values, next_values)
        return Logged(session, booked)
