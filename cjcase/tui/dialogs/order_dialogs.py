"""Community orders: add or edit an order, record what happened on one (an order event); and the
legal requirements the client is under."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.model import Order, OrderEvent, Requirement
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

RESULT_HINT = "test: negative, refused or opiates; cocaine… · review: good, adequate, poor · breach outcome: continued…"


class OrderDialog(FormDialog[Order]):
    """Record an order the court made, or change one (consent, treatment start, outcome)."""

    def __init__(self, client_id: int, client_name: str, order: Order | None = None):
        super().__init__()
        self.client_id = client_id
        self.order = order
        self.form_title = f"{'Edit order' if order else 'New order'} · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("order_type", "Order", "select", code_options(codes.ORDER_TYPE), required=True),
            FormField("components", "If combined", "flags", code_options(codes.ORDER_COMPONENT)),
            FormField("sentence_date", "Sentenced", "date", direction=PAST, required=True),
            FormField("court", "Court", "name", required=True, names="court"),
            FormField("length_months", "Months (1-36)", "int", required=True),
            FormField("consent_date", "Consent given", "date", direction=PAST),
            FormField("suitability_assessed_date", "Suitability assessed", "date", direction=PAST),
            FormField("treatment_start_date", "Treatment started", "date", direction=PAST),
            FormField("review_frequency", "Court reviews", "select", code_options(codes.REVIEW_FREQUENCY)),
            FormField("outcome", "Outcome", "select", code_options(codes.ORDER_OUTCOME)),
            FormField("outcome_date", "Outcome date", "date", direction=PAST),
            FormField("notes", "Notes", "note"),
        ]

    def initial(self) -> dict[str, Any]:
        if self.order:
            values = {field.name: getattr(self.order, field.name) for field in self.fields()}
            values["components"] = self.order.requirements if self.order.order_type == "combined" else []
            return values
        return {"sentence_date": self.app.clock.today(), "length_months": 12, "review_frequency": "monthly"}

    def submit(self, values: dict[str, Any]) -> Order:
        if values.get("order_type") != "combined":
            values["components"] = None  # the ticks belong to a combined order only
        if self.order:
            return self.orders.update(self.order.id, values)
        return self.orders.add(self.client_id, values)


class OrderEventDialog(FormDialog[OrderEvent]):
    """Record a test, review, warning, breach or progress report on an order, or correct one."""

    def __init__(self, order: Order, event: OrderEvent | None = None):
        super().__init__()
        self.order = order
        self.event = event
        self.form_title = f"{'Edit event' if event else 'Order event'} · {order.title}"

    def fields(self) -> list[FormField]:
        return [
            FormField("kind", "What", "select", code_options(codes.ORDER_EVENT_KIND), required=True),
            FormField("date", "Date", "date", direction=PAST, required=True),
            FormField("result", "Result", placeholder=RESULT_HINT),
            FormField("notes", "Notes", "note"),
        ]

    def initial(self) -> dict[str, Any]:
        if self.event:
            return {
                "kind": self.event.kind,
                "date": self.event.event_date,
                "result": self.event.result,
                "notes": self.event.notes,
            }
        return {"date": self.app.clock.today()}

    def submit(self, values: dict[str, Any]) -> OrderEvent:
        if self.event:
            return self.orders.update_event(self.event.id, values)
        return self.orders.add_event(self.order.id, values)


class RequirementDialog(FormDialog[Requirement]):
    """Record a legal requirement the client is under, or change one (end it, name who to tell)."""

    def __init__(self, client_id: int, client_name: str, requirement: Requirement | None = None):
        super().__init__()
        self.client_id = client_id
        self.requirement = requirement
        self.form_title = f"{'Edit requirement' if requirement else 'New requirement'} · {client_name}"

    def fields(self) -> list[FormField]:
        return [
            FormField("requirement", "Requirement", "select", code_options(codes.REQUIREMENT), required=True),
            FormField("start_date", "From", "date", direction=PAST, required=True),
            FormField("end_date", "To", "date", placeholder="empty: open-ended"),
            FormField(
                "agency_to_notify",
                "Tell of absences",
                "select",
                code_options(codes.AGENCY),
                placeholder="empty: police for RA, RoB, IOM; probation for the others",
            ),
            FormField("notify_contact", "Contact", placeholder="the named officer, team or address"),
            FormField("notes", "Notes", "note"),
        ]

    def initial(self) -> dict[str, Any]:
        if self.requirement:
            return {field.name: getattr(self.requirement, field.name) for field in self.fields()}
        return {"start_date": self.app.clock.today()}

    def submit(self, values: dict[str, Any]) -> Requirement:
        if self.requirement:
            return self.requirements.update(self.requirement.id, values)
        return self.requirements.add(self.client_id, values)
