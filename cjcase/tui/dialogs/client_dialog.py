"""New or edited client, with a warning when the new client may already be on the caseload."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static

from cjcase.domain import codes
from cjcase.domain.dates import PAST, format_date
from cjcase.domain.model import Client
from cjcase.domain.rules import QUICK_REFERRAL_OPTIONAL
from cjcase.tui.widgets.forms import FormDialog, FormField, StayOpen, code_options

ETHNICITY_OPTIONS = [
    (f"{code} – {label}", code)
    for code, label in zip(
        codes.ETHNICITY,
        (
            "White British",
            "White Irish",
            "White other",
            "Mixed White/Black Caribbean",
            "Mixed White/Black African",
            "Mixed White/Asian",
            "Mixed other",
            "Indian",
            "Pakistani",
            "Bangladeshi",
            "Asian other",
            "Black Caribbean",
            "Black African",
            "Black other",
            "Chinese",
            "Other",
            "Not stated (declined)",
            "Not known (not asked)",
        ),
        strict=False,
    )
]
CLIENT_FIELDS = [
    FormField("client_ref", "Reference", required=True),
    FormField("first_name", "First name", required=True),
    FormField("last_name", "Last name", required=True),
    FormField("preferred_name", "Known as"),
    FormField("date_of_birth", "Date of birth", "date", direction=PAST, required=True, placeholder="dd/mm/yyyy"),
    FormField("sex", "Sex", "select", code_options(codes.SEX), required=True),
    FormField("ethnicity", "Ethnicity", "select", ETHNICITY_OPTIONS, required=True),
    FormField("phone", "Phone"),
    FormField("postcode", "Postcode"),
    FormField("address", "Address"),
    FormField("no_fixed_abode", "No fixed abode", "check"),
    FormField("keyworker", "Keyworker", "name", names="keyworker"),
    FormField("risk_flags", "Risk flags", "flags", code_options(codes.RISK_FLAG)),
    FormField("consent_to_share", "Consent to share", "select", code_options(codes.YES_NO)),
    FormField("consent_date", "Consent date", "date", direction=PAST),
    FormField("alt_contact", "Other contact"),
    FormField("aliases", "Aliases (; between)"),
    FormField("prison", "Prison"),
    FormField("prison_number", "Prison number"),
    FormField("pnc_id", "PNC ID"),
    FormField("probation_ref", "Probation case ref"),
    FormField("nhs_number", "NHS number"),
    FormField("offender_manager_name", "Offender manager"),
    FormField("offender_manager_phone", "OM phone"),
    FormField("offender_manager_email", "OM email"),
    FormField("notes", "Notes", "note"),
]


class ClientDialog(FormDialog[Client]):
    """Add a client, or change an existing client's details."""

    BINDINGS = [Binding("ctrl+o", "open_existing", "Open existing", show=False)]

    def __init__(self, client: Client | None = None):
        super().__init__()
        self.client = client
        self.form_title = f"Edit {client.name} ({client.client_ref})" if client else "New client"
        self._duplicates: list[Client] = []
        self._warned_about: tuple = ()

    def fields(self) -> list[FormField]:
        if self.client and self.client.quick_referral == "yes":
            # A quick referral's sex and ethnicity may stay empty until they are asked.
            return [
                replace(field, required=False) if field.name in QUICK_REFERRAL_OPTIONAL else field
                for field in CLIENT_FIELDS
            ]
        return CLIENT_FIELDS

    def initial(self) -> dict[str, Any]:
        if not self.client:
            return {}
        values = {field.name: getattr(self.client, field.name) for field in CLIENT_FIELDS}
        values["risk_flags"] = self.client.flags
        return values

    def submit(self, values: dict[str, Any]) -> Client:
        caseload = self.caseload
        if self.client:
            return caseload.update_client(self.client.id, values)
        duplicates = caseload.possible_duplicates(values)
        key = tuple(sorted(c.id for c in duplicates))
        if duplicates and key != self._warned_about:
            # Warn once; a second ctrl+s creates the client anyway.
            self._duplicates, self._warned_about = duplicates, key
            listing = "; ".join(
                f"{c.name} ({c.client_ref}), born {format_date(c.date_of_birth)}" for c in duplicates[:3]
            )
            self.query_one("#form-error", Static).update(
                f"[b $warning]This may be someone already on the caseload: {escape(listing)}.[/] "
                "ctrl+o opens that record; ctrl+s again creates a new client anyway."
            )
            raise StayOpen()
        return caseload.add_client(values)

    def action_open_existing(self) -> None:
        """Open the existing record instead of creating a duplicate."""
        if self._duplicates:
            self.dismiss(self._duplicates[0])
