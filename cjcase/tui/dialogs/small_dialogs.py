"""Small dialogs: a note, a change of keyworker."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from cjcase.domain.dates import PAST
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import CaseNote
from cjcase.tui.widgets.forms import FormDialog, FormField


class NoteDialog(FormDialog[CaseNote]):
    """Write a dated note on a client's record (a DNA follow-up is one)."""

    def __init__(self, client_id: int, client_name: str, kind: str = "note"):
        super().__init__()
        self.client_id = client_id
        self.kind = kind
        self.form_title = f"{'DNA follow-up' if kind == 'dna_follow_up' else 'Note'} · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("text", "Note", "note", required=True),
            FormField("written_by", "Written by", "name", names="keyworker"),
        ]

    def initial(self) -> dict[str, Any]:
        return {"written_by": self.caseload.note_author(self.caseload.get_client(self.client_id)) or ""}

    def on_mount(self) -> None:
        super().on_mount()
        if self.kind == "dna_follow_up":
            # The follow-up starts from what gets in the way of attending.
            checklist = self.engagement.checklist_text(self.client_id)
            from rich.text import Text

            self.query_one("#form-error", Static).update(
                Text(
                    "Compliance checklist:\n" + (checklist or "nothing recorded yet: b on the client's record adds it")
                )
            )

    def submit(self, values: dict[str, Any]) -> CaseNote:
        if not values["text"]:
            raise ValidationError("text", "Write the note before saving it.")
        return self.caseload.add_note(
            self.client_id, values["text"], kind=self.kind, written_by=values.get("written_by") or None
        )


class KeyworkerDialog(FormDialog[int]):
    """Move one or more clients to another keyworker from a date (empty: unallocated)."""

    def __init__(self, client_ids: list[int], description: str):
        super().__init__()
        self.client_ids = client_ids
        self.form_title = f"Change keyworker · {description}"

    def fields(self) -> list[FormField]:
        return [
            FormField("keyworker", "New keyworker", "name", names="keyworker", placeholder="empty: unallocated"),
            FormField("changed_on", "From", "date", direction=PAST, required=True),
        ]

    def initial(self) -> dict[str, Any]:
        return {"changed_on": self.app.clock.today()}

    def submit(self, values: dict[str, Any]) -> int:
        return self.caseload.change_keyworker(self.client_ids, values["keyworker"], values["changed_on"])
