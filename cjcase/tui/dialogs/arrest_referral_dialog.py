"""New arrest referral: from a positive test on arrest to a booked RA1 appointment, in one form,
for a client on the caseload or one taken on now with name and date of birth only."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import FUTURE, PAST
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.domain.model import Client
from cjcase.services.custody import ArrestReferral
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

SUBSTANCES = [("opiates", "opiates"), ("cocaine", "cocaine"), ("opiates and cocaine", "opiates;cocaine")]


class ArrestReferralDialog(FormDialog[ArrestReferral]):
    """The custody worker's form: who (unless opened from a record), the arrest and positive test,
    and the time on the RA1 notice. Saving records the custody event with the Required Assessment
    imposed, the requirement from the day of the test, a referral when none is open, and the RA1."""

    def __init__(self, client: Client | None = None):
        super().__init__()
        self.client = client
        self.form_title = "New arrest referral" + (f" · {client.name}" if client else "")

    def fields(self) -> list[FormField]:
        who = (
            []
            if self.client
            else [
                FormField("client_ref", "Reference", required=True, placeholder="an existing one, or a new one"),
                FormField("first_name", "First name", placeholder="new client only"),
                FormField("last_name", "Last name", placeholder="new client only"),
                FormField("date_of_birth", "Date of birth", "date", direction=PAST, placeholder="new client only"),
            ]
        )
        return who + [
            FormField("arrested_at", "Arrested at", "datetime", direction=PAST, required=True),
            FormField("custody_suite", "Custody suite", required=True),
            FormField("offence", "Offence", "select", code_options(codes.OFFENCE), required=True),
            FormField("test_at", "Tested at", "datetime", direction=PAST, required=True),
            FormField("substances_positive", "Positive for", "select", SUBSTANCES, required=True),
            FormField("ra1_at", "RA1 appointment", "datetime", direction=FUTURE, required=True),
            FormField("with_requirement", "RA requirement", "check"),
        ]

    def initial(self) -> dict[str, Any]:
        now = self.app.clock.now().replace(second=0, microsecond=0)
        return {
            "offence": "trigger",
            "arrested_at": now,
            "test_at": now,
            "substances_positive": "opiates",
            "with_requirement": True,
        }

    def submit(self, values: dict[str, Any]) -> ArrestReferral:
        custody = self.custody
        event = {
            name: values[name] for name in ("arrested_at", "custody_suite", "offence", "test_at", "substances_positive")
        }
        who: dict[str, Any] | int
        if self.client:
            who = self.client.id
        else:
            who = self._who(values)
        return custody.new_arrest_referral(
            who, event, values["ra1_at"], with_requirement=bool(values["with_requirement"])
        )

    def _who(self, values: dict[str, Any]) -> dict[str, Any] | int:
        """The client the reference names, or a new quick referral from the name and birth date."""
        ref = (values["client_ref"] or "").strip()
        try:
            return self.caseload.client_by_ref(ref).id
        except NotFoundError:
            pass
        for name in ("first_name", "last_name", "date_of_birth"):
            if not values[name]:
                raise ValidationError(name, f"{ref} is a new client: give the name and date of birth.")
        return {
            "client_ref": ref,
            "first_name": values["first_name"],
            "last_name": values["last_name"],
            "date_of_birth": values["date_of_birth"],
        }
