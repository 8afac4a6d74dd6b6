"""Record that a client died: the open episode is discharged as died on that date, later
bookings are cancelled, and the client leaves the agenda; the record is kept."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.services.deaths import DeathRecorded
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

DEATH_FIELDS = [
    FormField("date_of_death", "Date of death", "date", direction=PAST, required=True),
    FormField(
        "drug_related_suspected",
        "Drug-related?",
        "select",
        code_options(codes.DRUG_RELATED_SUSPECTED),
        required=True,
    ),
    FormField("notes", "Notes", "note"),
]


class DeathDialog(FormDialog[DeathRecorded]):
    """Record a death (once per client)."""

    def __init__(self, client_id: int, client_name: str):
        super().__init__()
        self.client_id = client_id
        self.form_title = f"Record a death · {client_name}: the open referral is closed as died"

    def fields(self) -> list[FormField]:
        return DEATH_FIELDS

    def submit(self, values: dict[str, Any]) -> DeathRecorded:
        return self.caseload.deaths.record(self.client_id, values)
