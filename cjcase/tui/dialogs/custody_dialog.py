"""Update the latest arrest: the disputed test and its confirmatory result, the RA follow-up
(RA4, with its appointment) and its end (RA5), and what the assessment found."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import FUTURE, PAST
from cjcase.domain.model import CustodyEvent
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

YES_NO = [("no", "no"), ("yes", "yes")]


class CustodyEventDialog(FormDialog[CustodyEvent]):
    """What follows an arrest, as it becomes known; a follow-up time books the RA follow-up."""

    def __init__(self, event: CustodyEvent, client_name: str):
        super().__init__()
        self.event = event
        self.form_title = f"Update arrest of {event.arrested_at:%d/%m/%Y %H:%M} · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("assessment_outcome", "Outcome", "select", code_options(codes.ASSESSMENT_OUTCOME)),
            FormField("referred_to", "Referred to", placeholder="the provider"),
            FormField("disputed", "Test disputed", "select", YES_NO, required=True),
            FormField("confirmatory_result", "Confirmatory", "select", code_options(codes.CONFIRMATORY_RESULT)),
            FormField("ra_followup_required", "RA follow-up", "select", YES_NO, required=True),
            FormField(
                "followup_at", "Follow-up at", "datetime", direction=FUTURE, placeholder="books the RA follow-up"
            ),
            FormField("ra_ceased_date", "Follow-up ceased", "date", direction=PAST),
            FormField("notes", "Notes", "note"),
        ]

    def initial(self) -> dict[str, Any]:
        event = self.event
        return {name: getattr(event, name) for name in self._names()}

    @staticmethod
    def _names() -> tuple[str, ...]:
        return (
            "assessment_outcome",
            "referred_to",
            "disputed",
            "confirmatory_result",
            "ra_followup_required",
            "ra_ceased_date",
            "notes",
        )

    def submit(self, values: dict[str, Any]) -> CustodyEvent:
        followup_at = values.pop("followup_at", None)
        return self.custody.update_event_and_book_followup(self.event.id, values, followup_at)
