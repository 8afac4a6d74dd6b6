"""Log a harm-reduction or health intervention in a few keys: the kind, today's date already in,
notes only when needed (an `other` says what it was)."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.clinical import Intervention
from cjcase.domain.dates import PAST
from cjcase.tui.widgets.forms import FormDialog, FormField

INTERVENTION_FIELDS = [
    FormField(
        "kind",
        "What",
        "select",
        [(codes.INTERVENTION_LABEL[kind], kind) for kind in codes.INTERVENTION_KIND],
        required=True,
    ),
    FormField("date", "Date", "date", direction=PAST, required=True),
    FormField("notes", "Notes", placeholder="needed for other: what it was"),
]


class InterventionDialog(FormDialog[Intervention]):
    """Naloxone kit or training, an HCV or HIV test, a hepatitis B dose, an overdose plan, other."""

    def __init__(self, client_id: int, client_name: str):
        super().__init__()
        self.client_id = client_id
        self.form_title = f"Log an intervention · {client_name}"

    def fields(self) -> list[FormField]:
        return INTERVENTION_FIELDS

    def initial(self) -> dict[str, Any]:
        return {"date": self.app.clock.today()}

    def submit(self, values: dict[str, Any]) -> Intervention:
        return self.caseload.interventions.add(self.client_id, values)
