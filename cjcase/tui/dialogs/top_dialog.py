"""A TOP form entered as one grid."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.model import Top
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options


class TopDialog(FormDialog[Top]):
    """Record a TOP: days in the past 28 for each measure, scores 0-20."""

    def __init__(self, client_id: int, client_name: str, stage: str = "review"):
        super().__init__()
        self.client_id = client_id
        self.stage = stage
        self.form_title = f"TOP · {client_name} (days in the past 28)"

    def fields(self) -> list[FormField]:
        return [
            FormField("date", "Date", "date", direction=PAST, required=True),
            FormField("stage", "Stage", "select", code_options(codes.TOP_STAGE), required=True),
            *[
                FormField(name, codes.TOP_LABEL[name], "int", required=True, placeholder="0-28")
                for name in codes.TOP_DAY_FIELDS
            ],
            *[
                FormField(name, codes.TOP_LABEL[name], "int", required=True, placeholder="0-20")
                for name in codes.TOP_SCORE_FIELDS
            ],
            *[
                FormField(name, codes.TOP_LABEL[name], "select", code_options(codes.YES_NO), required=True)
                for name in codes.TOP_YES_NO_FIELDS
            ],
        ]

    def initial(self) -> dict[str, Any]:
        return {"date": self.app.clock.today(), "stage": self.stage, "assault": "no", "acute_housing_problem": "no"}

    def submit(self, values: dict[str, Any]) -> Top:
        return self.caseload.add_top(self.client_id, values)
