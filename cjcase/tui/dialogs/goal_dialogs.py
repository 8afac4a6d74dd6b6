"""Care-plan goals: add or edit, review with a note, close."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import FUTURE, PAST
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Goal, GoalReview
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options


class GoalDialog(FormDialog[Goal]):
    """Add a goal to the care plan, or change one."""

    def __init__(self, client_id: int, client_name: str, goal: Goal | None = None):
        super().__init__()
        self.client_id = client_id
        self.goal = goal
        self.form_title = f"{'Edit goal' if goal else 'New goal'} · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("domain", "Domain", "select", code_options(codes.GOAL_DOMAIN), required=True),
            FormField("description", "Goal", required=True),
            FormField("set_date", "Set on", "date", direction=PAST, required=True),
            FormField("review_date", "Review on", "date", direction=FUTURE),
        ]

    def initial(self) -> dict[str, Any]:
        if self.goal:
            return {name: getattr(self.goal, name) for name in ("domain", "description", "set_date", "review_date")}
        today = self.app.clock.today()
        from datetime import timedelta

        return {"set_date": today, "review_date": today + timedelta(weeks=4)}

    def submit(self, values: dict[str, Any]) -> Goal:
        if self.goal:
            return self.caseload.update_goal(self.goal.id, values)
        return self.caseload.add_goal(self.client_id, {**values, "status": "open"})


class GoalReviewDialog(FormDialog[GoalReview]):
    """Review a goal: what was found, and when to look again."""

    def __init__(self, goal: Goal):
        super().__init__()
        self.goal = goal
        self.form_title = f"Review goal · {goal.description}"

    def fields(self) -> list[FormField]:
        return [
            FormField("reviewed_on", "Reviewed on", "date", direction=PAST, required=True),
            FormField("note", "Review notes", "note"),
            FormField("next_review_date", "Next review", "date", direction=FUTURE),
        ]

    def initial(self) -> dict[str, Any]:
        from datetime import timedelta

        today = self.app.clock.today()
        return {"reviewed_on": today, "next_review_date": today + timedelta(weeks=4)}

    def submit(self, values: dict[str, Any]) -> GoalReview:
        return self.caseload.review_goal(
            self.goal.id, values["reviewed_on"], values["note"] or "", values["next_review_date"]
        )


class GoalCloseDialog(FormDialog[Goal]):
    """Close a goal as achieved, partly achieved, not achieved or withdrawn."""

    def __init__(self, goal: Goal):
        super().__init__()
        self.goal = goal
        self.form_title = f"Close goal · {goal.description}"

    def fields(self) -> list[FormField]:
        return [
            FormField("status", "Outcome", "select", code_options(codes.GOAL_STATUS[1:]), required=True),
            FormField("closed_date", "Closed on", "date", direction=PAST, required=True),
        ]

    def initial(self) -> dict[str, Any]:
        return {"closed_date": self.app.clock.today()}

    def submit(self, values: dict[str, Any]) -> Goal:
        if values["status"] is None:
            raise ValidationError("status", "Choose how the goal ended.")
        return self.caseload.close_goal(self.goal.id, values["status"], values["closed_date"])
