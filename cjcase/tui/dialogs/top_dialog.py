"""A TOP form entered as one grid."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.model import Top
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

TOP_LABELS = {
    "alcohol_days": "Alcohol",
    "opiates_days": "Opiates",
    "crack_days": "Crack",
    "cocaine_days": "Cocaine",
    "amphetamines_days": "Amphetamines",
    "cannabis_days": "Cannabis",
    "other_drug_days": "Other drug",
    "injecting_days": "Injecting",
    "shoplifting_days": "Shoplifting",
    "drug_selling_days": "Drug selling",
    "other_theft_days": "Other theft",
    "paid_work_days": "Paid work",
    "education_days": "Education",
    "psych_health": "Psych (0-20)",
    "phys_health": "Phys (0-20)",
    "quality_of_life": "QoL (0-20)",
    "assault": "Assault",
    "acute_housing_problem": "Housing crisis",
}


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
                FormField(name, TOP_LABELS[name], "int", required=True, placeholder="0-28")
                for name in codes.TOP_DAY_FIELDS
            ],
            *[
                FormField(name, TOP_LABELS[name], "int", required=True, placeholder="0-20")
                for name in codes.TOP_SCORE_FIELDS
            ],
            *[
                FormField(name, TOP_LABELS[name], "select", code_options(codes.YES_NO), required=True)
                for name in codes.TOP_YES_NO_FIELDS
            ],
        ]

    def initial(self) -> dict[str, Any]:
        return {"date": self.app.clock.today(), "stage": self.stage, "assault": "no", "acute_housing_problem": "no"}

    def submit(self, values: dict[str, Any]) -> Top:
        return self.app.caseload.add_top(self.client_id, values)
