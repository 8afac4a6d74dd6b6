"""Discharge an episode: reason, transfer, open goals, and the exit TOP a planned exit needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Episode
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options


@dataclass
class Discharged:
    """What a discharge did, for the screen to report and follow up."""

    episode: Episode
    cancelled_sessions: int
    closed_goals: int
    needs_exit_top: bool


class DischargeDialog(FormDialog[Discharged]):
    """Close an episode with a reason from the list."""

    def __init__(self, episode: Episode, client_name: str, open_goals: int):
        super().__init__()
        self.episode = episode
        self.open_goals = open_goals
        self.form_title = f"Discharge · {client_name}"

    def fields(self) -> list[FormField]:
        fields = [
            FormField("discharge_date", "Discharge date", "date", direction=PAST, required=True),
            FormField(
                "discharge_reason",
                "Reason",
                "select",
                [(codes.DISCHARGE_REASON_LABEL.get(code, codes.label(code)), code) for code in codes.DISCHARGE_REASON],
                required=True,
            ),
            FormField("transferred_to", "Transferred to", placeholder="for a transfer: the service or prison"),
        ]
        if self.open_goals:
            fields.append(FormField("close_goals", f"Close {self.open_goals} open goal(s)", "check"))
            fields.append(FormField("goal_status", "…as", "select", code_options(codes.GOAL_STATUS[1:]), required=True))
        return fields

    def initial(self) -> dict[str, Any]:
        return {"discharge_date": self.app.clock.today(), "close_goals": True, "goal_status": "not_achieved"}

    def submit(self, values: dict[str, Any]) -> Discharged:
        reason = values["discharge_reason"]
        if reason is None:
            raise ValidationError("discharge_reason", "Choose the reason for the discharge.")
        caseload = self.caseload
        outcome = caseload.discharge_episode(
            self.episode.id,
            values["discharge_date"],
            reason,
            values.get("transferred_to"),
            close_goals_as=values.get("goal_status") if values.get("close_goals") else None,
        )
        return Discharged(
            caseload.get_episode(self.episode.id),
            outcome.cancelled_sessions,
            outcome.closed_goals,
            outcome.needs_exit_top,
        )
