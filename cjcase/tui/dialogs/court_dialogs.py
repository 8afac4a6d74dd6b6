"""Court hearings: add or edit, and adjourn (the old hearing keeps its record)."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import FUTURE
from cjcase.domain.model import CourtDate
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options


class CourtDialog(FormDialog[CourtDate]):
    """Add a hearing, or record what happened at one."""

    def __init__(self, client_id: int, client_name: str, hearing: CourtDate | None = None):
        super().__init__()
        self.client_id = client_id
        self.hearing = hearing
        self.form_title = f"{'Edit hearing' if hearing else 'New hearing'} · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("when", "When", "datetime", direction=None if self.hearing else FUTURE, required=True),
            FormField("court", "Court", "name", required=True, names="court"),
            FormField("hearing_type", "Hearing", "select", code_options(codes.HEARING_TYPE), required=True),
            FormField("support_needed", "Support on the day", placeholder="e.g. meet at 9:30, bring script"),
            FormField("outcome", "Outcome"),
        ]

    def initial(self) -> dict[str, Any]:
        if self.hearing:
            return {
                "when": self.hearing.hearing_at,
                "court": self.hearing.court,
                "hearing_type": self.hearing.hearing_type,
                "outcome": self.hearing.outcome,
                "support_needed": self.hearing.support_needed,
            }
        return {}

    def submit(self, values: dict[str, Any]) -> CourtDate:
        if self.hearing:
            return self.caseload.update_court_date(self.hearing.id, values)
        return self.caseload.add_court_date(self.client_id, values)


class AdjournDialog(FormDialog[CourtDate]):
    """Adjourn a hearing to a later date, with the support needed on the new day (the old
    hearing's to start with); returns the new hearing."""

    def __init__(self, hearing: CourtDate):
        super().__init__()
        self.hearing = hearing
        self.form_title = f"Adjourn · {hearing.court}"

    def fields(self) -> list[FormField]:
        return [
            FormField("when", "Adjourned to", "datetime", direction=FUTURE, required=True),
            FormField("outcome", "Reason", placeholder="e.g. Adjourned for reports"),
            FormField("support_needed", "Support on the day", placeholder="e.g. meet at 9:30, bring script"),
        ]

    def initial(self) -> dict[str, Any]:
        return {"outcome": "Adjourned", "support_needed": self.hearing.support_needed}

    def submit(self, values: dict[str, Any]) -> CourtDate:
        return self.caseload.adjourn_hearing(
            self.hearing.id, values["when"], values["outcome"] or "Adjourned", values["support_needed"] or ""
        )
