"""The Orders tab of the record, driven from the keyboard: record an order, then events on it, and
see its timeline."""

from datetime import date

from textual.widgets import Select

from cjcase.services.orders import Orders
from cjcase.tui.app import make_app
from cjcase.tui.dialogs.order_dialogs import OrderDialog, OrderEventDialog
from tests.helpers import make_client, press_at_once, settle, wait_until


def timeline_text(app) -> list[str]:
    table = app.screen.query_one("#order-timeline")
    return [" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_an_order_and_its_events_are_recorded_from_the_orders_tab(db, clock, caseload):
    from cjcase.services import names

    client = make_client(caseload)
    names.add_name(db, "court", "Leeds Magistrates' Court")
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "7")
        await wait_until(pilot, lambda: app.screen.query_one("#orders").row_count == 1)
        await press_at_once(pilot, "O")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDialog))
        app.screen.query_one("#field-order_type", Select).value = "drr"
        for name, text in (
            ("sentence_date", "02/11/2026"),
            ("court", "Leeds Magistrates' Court"),
            ("length_months", "12"),
            ("treatment_start_date", "24/11"),  # 22 days after the sentence
        ):
            app.screen.query_one(f"#field-{name}").value = text
        await press_at_once(pilot, "ctrl+s")
        await settle(pilot)
        # 24/11 is read as the last one (the past): 24 Nov 2025, before the sentence.
        assert isinstance(app.screen, OrderDialog)
        app.screen.query_one("#field-treatment_start_date").value = "20/11/2026"
        await press_at_once(pilot, "ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, OrderDialog))
        (order,) = Orders(caseload).of_client(client.id)
        assert (order.order_type, order.sentence_date, order.started_within_3_weeks) == (
            "drr",
            date(2026, 11, 2),
            True,
        )
        await wait_until(pilot, lambda: str(app.screen.query_one("#orders").get_row_at(0)[0]) == "DRR 12m, 02/11/26")
        assert "within 3 wks" in str(app.screen.query_one("#orders").get_row_at(0)[2])
        # An event by keyboard: w, the kind, the result, save.
        await press_at_once(pilot, "P")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderEventDialog))
        app.screen.query_one("#field-kind", Select).value = "test"
        app.screen.query_one("#field-date").value = "18/11/2026"
        app.screen.query_one("#field-result").value = "opiates; cocaine"
        await press_at_once(pilot, "ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, OrderEventDialog))
        await wait_until(pilot, lambda: any("Test: positive: opiates, cocaine" in line for line in timeline_text(app)))
        lines = timeline_text(app)
        assert lines[0] == "02/11/26 DRR 12 months at Leeds Magistrates' Court"
        assert lines[-1] == "01/11/27 Order ends"
        # A breach outcome with no breach laid is refused beside its field.
        await press_at_once(pilot, "P")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderEventDialog))
        app.screen.query_one("#field-kind", Select).value = "breach_outcome"
        app.screen.query_one("#field-result").value = "continued"
        await press_at_once(pilot, "ctrl+s")
        await settle(pilot)
        assert "breach laid" in str(app.screen.query_one("#error-kind").render())
        assert [e.kind for e in Orders(caseload).events(order.id)] == ["test"]


async def test_the_orders_tab_is_not_for_volunteers(db, clock, caseload):
    client = make_client(caseload)
    app = make_app(db, clock, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "7", "O")
        assert app.screen.query_one("#tabs").active != "orders-tab"
        assert not isinstance(app.screen, OrderDialog)


async def test_a_requirement_is_added_and_ended_from_the_orders_tab(db, clock, caseload):
    from cjcase.services.requirements import Requirements
    from cjcase.tui.dialogs.order_dialogs import RequirementDialog

    client = make_client(caseload)
    Requirements(caseload).add(client.id, {"requirement": "licence", "start_date": "2026-01-10"})
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "7", "L")
        await wait_until(pilot, lambda: isinstance(app.screen, RequirementDialog))
        app.screen.query_one("#field-requirement", Select).value = "atr"
        app.screen.query_one("#field-start_date").value = "01/11/2026"
        app.screen.query_one("#field-agency_to_notify", Select).value = "court"
        await press_at_once(pilot, "ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, RequirementDialog))
        in_force = [(r.requirement, r.agency) for r in caseload.requirements_on(client.id, date(2026, 11, 20))]
        assert in_force == [("atr", "court"), ("licence", "probation")]
        table = app.screen.query_one("#requirements")
        await wait_until(pilot, lambda: table.row_count == 2)
        assert "On ATR (tell court), licence (tell probation)" in str(app.screen.query_one("#client-header").render())
        # End the licence: select it in the list, e, the end date.
        table.focus()
        table.cursor_row = [r.requirement for r in table._records].index("licence")
        await press_at_once(pilot, "e")
        await wait_until(pilot, lambda: isinstance(app.screen, RequirementDialog))
        app.screen.query_one("#field-end_date").value = "19/11/2026"
        await press_at_once(pilot, "ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, RequirementDialog))
        assert [r.requirement for r in caseload.requirements_on(client.id, date(2026, 11, 20))] == ["atr"]
