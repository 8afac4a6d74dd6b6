"""The Orders tab of a client's record: the client's community orders and the legal requirements
they are under, and the selected order's timeline from sentence to outcome. Mixed into
ClientScreen, which owns the tab's widgets."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import TabbedContent

from cjcase.domain import codes
from cjcase.domain.codes import label as words
from cjcase.tui.base import add_fixed_columns
from cjcase.tui.widgets.row_table import RowTable


def orders_widgets() -> dict[str, Any]:
    """The tab's widgets, made before the tab is mounted: the orders, and the timeline."""
    orders = RowTable(id="orders")
    add_fixed_columns(orders, [("Order", 24), ("Court", 22), ("Treatment", 12), ("Status", 13)])
    timeline = RowTable(id="order-timeline")
    add_fixed_columns(timeline, [("Date", 8), ("Timeline of the selected order", 66)])
    requirements = RowTable(id="requirements")
    add_fixed_columns(requirements, [("Requirement", 12), ("From", 8), ("To", 8), ("Tell of absences", 44)])
    return {"orders": orders, "order-timeline": timeline, "requirements": requirements}


class OrdersTab:
    """What the record does on its Orders tab (keys: O new order, P order event, L new
    requirement; e edits the selected order, or the selected event on the timeline, or the
    selected requirement)."""

    _hidden: dict[str, Any]
    client_id: int

    def _show_orders(self) -> None:
        screen: Any = self
        today = screen.app.clock.today()
        orders = screen.orders.of_client(self.client_id)
        rows = []
        for order in orders:
            if order.treatment_start_date is None:
                treatment = "not started"
            else:
                treatment = "within 3 wks" if order.started_within_3_weeks else "after 3 wks"
            if order.outcome:
                status = words(order.outcome)
            elif order.running_on(today):
                status = f"to {order.end:%d/%m/%y}"
            else:
                status = "not begun"
            kinds = "+".join(r.upper() for r in order.requirements)
            rows.append(
                (
                    f"{kinds} {order.length_months}m, {order.sentence_date:%d/%m/%y}",
                    order.court,
                    treatment,
                    Text(status),
                )
            )
        if rows:
            self._hidden["orders"].replace_rows(rows, records=orders)
        else:
            self._hidden["orders"].replace_rows([("No order yet: O (shift+o) records one.", "", "", "")])
        requirements = screen.requirements.of_client(self.client_id)
        table = self._hidden["requirements"]
        if requirements:
            table.replace_rows(
                [
                    (
                        codes.REQUIREMENT_SHORT[r.requirement],
                        f"{r.start_date:%d/%m/%y}",
                        f"{r.end_date:%d/%m/%y}" if r.end_date else "open",
                        r.agency + (f" ({r.notify_contact})" if r.notify_contact else ""),
                    )
                    for r in requirements
                ],
                records=requirements,
            )
        else:
            table.replace_rows([("None yet", "", "", "L (shift+l) records a requirement")])
        self._show_order_timeline()

    def selected_order(self):
        return self._hidden["orders"].cursor_record

    def _show_order_timeline(self) -> None:
        screen: Any = self
        order = self.selected_order()
        table = self._hidden["order-timeline"]
        if order is None:
            table.replace_rows([])
            return
        lines = screen.orders.timeline(order.id)
        table.replace_rows([(f"{line.day:%d/%m/%y}", line.what) for line in lines], records=lines)

    def _on_orders_tab(self) -> bool:
        screen: Any = self
        return screen.query_one("#tabs", TabbedContent).active == "orders-tab"

    def action_add_order(self) -> None:
        """Record a community order the court made."""
        from cjcase.tui.dialogs.order_dialogs import OrderDialog

        screen: Any = self
        screen._show_tab("orders-tab")
        screen._push(OrderDialog(self.client_id, screen.client.name))

    def action_add_order_event(self) -> None:
        """Record a test, review, warning, breach or report on the selected order."""
        from cjcase.tui.dialogs.order_dialogs import OrderEventDialog

        screen: Any = self
        order = self.selected_order()
        if not self._on_orders_tab() or order is None:
            screen._show_tab("orders-tab")
            screen.notify("Select the order in Orders first (O records a new one).", severity="warning")
            return
        screen._push(OrderEventDialog(order))

    def action_add_requirement(self) -> None:
        """Record a legal requirement the client is under."""
        from cjcase.tui.dialogs.order_dialogs import RequirementDialog

        screen: Any = self
        screen._show_tab("orders-tab")
        screen._push(RequirementDialog(self.client_id, screen.client.name))

    def edit_order_selection(self) -> bool:
        """On the Orders tab, edit the selected timeline event or order; False when there is none."""
        from cjcase.tui.dialogs.order_dialogs import OrderDialog, OrderEventDialog

        screen: Any = self
        if not self._on_orders_tab():
            return False
        requirement = self._hidden["requirements"].cursor_record
        if screen.focused is self._hidden["requirements"] and requirement is not None:
            from cjcase.tui.dialogs.order_dialogs import RequirementDialog

            screen._push(RequirementDialog(self.client_id, screen.client.name, requirement))
            return True
        order = self.selected_order()
        if order is None:
            return False
        timeline = self._hidden["order-timeline"]
        line = timeline.cursor_record
        if screen.focused is timeline and line is not None and line.event_id is not None:
            screen._push(OrderEventDialog(order, screen.orders.get_event(line.event_id)))
        else:
            screen._push(OrderDialog(self.client_id, screen.client.name, order))
        return True
