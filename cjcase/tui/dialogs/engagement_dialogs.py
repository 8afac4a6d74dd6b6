"""The compliance checklist, the information-sharing ledger and the disclosure log."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Barrier, Consent, Disclosure
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options


class BarrierDialog(FormDialog[Barrier]):
    """A practical barrier to attending, with a note and the plan agreed."""

    def __init__(self, client_id: int, client_name: str):
        super().__init__()
        self.client_id = client_id
        self.form_title = f"Compliance checklist · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("barrier", "Barrier", "select", code_options(codes.BARRIER), required=True),
            FormField("note", "What gets in the way"),
            FormField("plan", "Plan agreed"),
            FormField(
                "unavailable", "Times that don't work", placeholder="timing only: mon-fri 08:30-09:30; wed 14:00-16:00"
            ),
        ]

    def submit(self, values: dict[str, Any]) -> Barrier:
        if values["barrier"] is None:
            raise ValidationError("barrier", "Choose the barrier.")
        return self.engagement.set_barrier(
            self.client_id, values["barrier"], values["note"], values["plan"], values["unavailable"]
        )


class ConsentDialog(FormDialog[Consent]):
    """Who information may be shared with, for what, on which lawful basis, for how long."""

    def __init__(self, client_id: int, client_name: str):
        super().__init__()
        self.client_id = client_id
        self.form_title = f"Information sharing · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("agency", "Shared with", required=True, placeholder="probation, court, GP, housing…"),
            FormField("purpose", "Purpose", required=True),
            FormField("lawful_basis", "Lawful basis", "select", code_options(codes.LAWFUL_BASIS), required=True),
            FormField("given_date", "From", "date", direction=PAST, required=True),
            FormField("expires_date", "Expires", "date", direction="future"),
            FormField("withdrawn_date", "Withdrawn", "date", direction=PAST),
        ]

    def initial(self) -> dict[str, Any]:
        return {"given_date": self.app.clock.today(), "lawful_basis": "consent"}

    def submit(self, values: dict[str, Any]) -> Consent:
        return self.engagement.add_consent(self.client_id, values)


class DisclosureDialog(FormDialog[Disclosure]):
    """Log information shared: when, to whom, what, on which basis, by whom."""

    def __init__(self, client_id: int, client_name: str):
        super().__init__()
        self.client_id = client_id
        self.form_title = f"Disclosure log · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("disclosed_on", "Date", "date", direction=PAST, required=True),
            FormField("to_whom", "To whom", required=True),
            FormField("what", "What", required=True),
            FormField("basis", "Basis", "select", code_options(codes.LAWFUL_BASIS), required=True),
            FormField("by_whom", "By whom", required=True),
        ]

    def initial(self) -> dict[str, Any]:
        return {"disclosed_on": self.app.clock.today(), "basis": "consent"}

    def submit(self, values: dict[str, Any]) -> Disclosure:
        return self.engagement.record_disclosure(
            self.client_id,
            values["disclosed_on"],
            values["to_whom"],
            values["what"],
            values["basis"] or "",
            values["by_whom"],
        )
