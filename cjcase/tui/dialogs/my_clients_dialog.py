"""Who "my clients" are on this laptop: a keyworker picked from the organisation's list."""

from __future__ import annotations

from typing import Any

from cjcase.domain.errors import ValidationError
from cjcase.tui.widgets.forms import FormDialog, FormField


class MyClientsDialog(FormDialog[str]):
    """Pick the keyworker whose clients the agenda's "my clients" shows; returns the listed name."""

    form_title = "My clients · whose clients are yours on this laptop?"

    def __init__(self, current: str | None = None):
        super().__init__()
        self.current = current

    def fields(self) -> list[FormField]:
        return [FormField("keyworker", "I am", "name", names="keyworker", required=True)]

    def initial(self) -> dict[str, Any]:
        return {"keyworker": self.current}

    def submit(self, values: dict[str, Any]) -> str:
        listed = self.caseload.resolve_name("keyworker", values["keyworker"])
        if listed is None:
            raise ValidationError("keyworker", "Pick a keyworker on the organisation's list: type the first letters.")
        return listed
