"""Raise a safeguarding concern with another agency, or update one (notes, outcome, closing)."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.clinical import SafeguardingConcern
from cjcase.domain.dates import PAST
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

SAFEGUARDING_FIELDS = [
    FormField("raised_date", "Raised on", "date", direction=PAST, required=True),
    FormField("category", "Category", "select", code_options(codes.SAFEGUARDING_CATEGORY), required=True),
    FormField("raised_with", "Raised with", required=True, placeholder="e.g. adult social care, MASH, police"),
    FormField("notes", "Notes", "note"),
    FormField("outcome", "Outcome", placeholder="needed to close it"),
    FormField("closed_date", "Closed on", "date", direction=PAST, placeholder="empty: still open"),
]


class SafeguardingDialog(FormDialog[SafeguardingConcern]):
    """A new concern, or an update to one (a change saved is its update)."""

    def __init__(self, client_id: int, client_name: str, concern: SafeguardingConcern | None = None):
        super().__init__()
        self.client_id = client_id
        self.concern = concern
        self.form_title = (
            f"Update safeguarding concern raised {concern.raised_date:%d/%m/%Y} · {client_name}"
            if concern
            else f"Safeguarding concern · {client_name}"
        )

    def fields(self) -> list[FormField]:
        return SAFEGUARDING_FIELDS

    def initial(self) -> dict[str, Any]:
        if self.concern:
            return {field.name: getattr(self.concern, field.name) for field in SAFEGUARDING_FIELDS}
        return {"raised_date": self.app.clock.today()}

    def submit(self, values: dict[str, Any]) -> SafeguardingConcern:
        if self.concern:
            return self.caseload.safeguarding.update(self.concern.id, values)
        return self.caseload.safeguarding.add(self.client_id, values)
