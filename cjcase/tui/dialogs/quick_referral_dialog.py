"""The quick referral: someone taken on in custody or at court with name and date of birth only
(DOMAIN.md, Clients v2). Sex and ethnicity may be given, or left until they can be asked."""

from __future__ import annotations

from typing import Any

from textual.markup import escape
from textual.widgets import Static

from cjcase.domain.dates import format_date
from cjcase.domain.model import Client
from cjcase.tui.dialogs.client_dialog import CLIENT_FIELDS
from cjcase.tui.widgets.forms import FormDialog, FormField, StayOpen

_ASKED = ("client_ref", "first_name", "last_name", "date_of_birth")
QUICK_FIELDS = [
    *(field for field in CLIENT_FIELDS if field.name in _ASKED),
    FormField("sex", "Sex (if known)", "select", next(f.options for f in CLIENT_FIELDS if f.name == "sex")),
    FormField(
        "ethnicity", "Ethnicity (if known)", "select", next(f.options for f in CLIENT_FIELDS if f.name == "ethnicity")
    ),
]


class QuickReferralDialog(FormDialog[Client]):
    """Name and date of birth now; the rest of the client's details when there is time."""

    form_title = "Quick referral: name and date of birth (the rest later)"

    def __init__(self) -> None:
        super().__init__()
        self._warned_about: tuple = ()

    def fields(self) -> list[FormField]:
        return QUICK_FIELDS

    def submit(self, values: dict[str, Any]) -> Client:
        duplicates = self.caseload.possible_duplicates(values)
        key = tuple(sorted(c.id for c in duplicates))
        if duplicates and key != self._warned_about:
            self._warned_about = key
            listing = "; ".join(
                f"{c.name} ({c.client_ref}), born {format_date(c.date_of_birth)}" for c in duplicates[:3]
            )
            self.query_one("#form-error", Static).update(
                f"[b $warning]This may be someone already on the caseload: {escape(listing)}.[/] "
                "ctrl+s again takes them on as a new client anyway."
            )
            raise StayOpen()
        return self.caseload.add_quick_referral(values)
