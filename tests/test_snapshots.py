"""Snapshots of the main screens at 80x24 with the clock fixed, over the sample caseload.

The real assertions live in the Pilot tests; these catch layouts that break (run
`pytest tests/test_snapshots.py --snapshot-update` after a deliberate change, and look at the SVGs).
"""

import pytest

from cjcase.services.importing.importer import import_path
from cjcase.tui.app import make_app
from tests.helpers import SAMPLE, SAMPLE_TODAY, add_hearing, settle, wait_until


@pytest.fixture
def sample_app(db, clock):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    return make_app(db, clock)


def test_the_agenda_at_80_by_24(snap_compare, sample_app):
    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=settle)


def test_the_caseload_at_80_by_24(snap_compare, sample_app):
    async def open_caseload(pilot):
        await pilot.press("slash")
        # The first page loads in a worker that starts after the screen's first refresh.
        # The first page, and then the count of matches, arrive from workers that start after the
        # screen's first refresh: wait for both.
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#clients").row_count > 0)
        await wait_until(pilot, lambda: "client" in str(pilot.app.screen.query_one("#count").render()))
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_caseload)


def test_a_client_record_at_80_by_24(snap_compare, sample_app, caseload):
    client = caseload.client_by_ref("CJ-17429")

    async def open_client(pilot):
        pilot.app.open_client(client.id)
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_client)


def test_the_log_session_form_at_80_by_24(snap_compare, sample_app, caseload):
    client = caseload.client_by_ref("CJ-17429")

    async def open_form(pilot):
        pilot.app.open_client(client.id)
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_form)


def test_the_adjourn_hearing_form_at_80_by_24(snap_compare, sample_app, caseload):
    client = caseload.client_by_ref("CJ-17429")
    from datetime import datetime

    add_hearing(
        caseload,
        client.id,
        {
            "when": datetime(2026, 11, 23, 10, 0),
            "court": "Leeds Magistrates' Court",
            "hearing_type": "plea",
            "support_needed": "Meet 9:15 at the cafe",
        },
    )

    async def open_form(pilot):
        pilot.app.open_client(client.id)
        await settle(pilot)
        await pilot.press("4", "j")
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_form)


def _book(caseload, when):
    from datetime import datetime

    client = caseload.client_by_ref("CJ-17429")
    caseload.add_session(client.id, {"when": datetime.fromisoformat(when), "kind": "keywork", "status": "scheduled"})
    return client


async def _edit_first_session(pilot, client):
    pilot.app.open_client(client.id)
    await settle(pilot)
    await pilot.press("2", "e")
    await settle(pilot)


def test_the_move_booking_form_at_80_by_24(snap_compare, sample_app, caseload):
    client = caseload.client_by_ref("CJ-17429")  # the top row of Sessions: the booking on Thu 26 Nov
    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=lambda pilot: _edit_first_session(pilot, client))


def test_the_record_outcome_form_at_80_by_24(snap_compare, sample_app, caseload):
    client = _book(caseload, "2026-11-20 10:00")
    # With no booking still to come, the appointment due this morning is the top row.
    caseload.db.execute("DELETE FROM sessions WHERE client_id = ? AND starts_at > '2026-11-20 10:00'", [client.id])
    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=lambda pilot: _edit_first_session(pilot, client))


def test_the_new_arrest_referral_form_at_80_by_24(snap_compare, sample_app):
    async def open_form(pilot):
        await settle(pilot)
        await pilot.app.run_action("new_arrest_referral")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "takes_keys", False))
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_form)


def test_the_orders_tab_at_80_by_24(snap_compare, db, clock, caseload):
    from cjcase.services.orders import Orders
    from cjcase.services.requirements import Requirements
    from tests.helpers import make_client, press_at_once

    client = make_client(caseload)
    orders = Orders(caseload)
    order = orders.add(
        client.id,
        {
            "order_type": "combined",
            "components": "drr;atr",
            "sentence_date": "2026-06-01",
            "court": "Leeds Magistrates' Court",
            "length_months": 12,
            "consent_date": "2026-06-01",
            "treatment_start_date": "2026-06-15",
            "review_frequency": "monthly",
        },
    )
    for values in (
        {"kind": "test", "date": "2026-07-01", "result": "opiates"},
        {"kind": "progress_report_sent", "date": "2026-07-24"},
        {"kind": "review", "date": "2026-07-28", "result": "adequate"},
        {"kind": "test", "date": "2026-08-03", "result": "negative"},
        {"kind": "warning", "date": "2026-09-14", "notes": "Two missed appointments"},
        {"kind": "breach_laid", "date": "2026-10-01"},
        {"kind": "breach_outcome", "date": "2026-10-20", "result": "continued"},
    ):
        orders.add_event(order.id, values)
    requirements = Requirements(caseload)
    requirements.add(client.id, {"requirement": "drr", "start_date": "2026-06-01"})
    requirements.add(client.id, {"requirement": "licence", "start_date": "2026-01-10", "notify_contact": "OM Priya"})
    app = make_app(db, clock)

    async def open_orders(pilot):
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "7")
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#order-timeline").row_count > 5)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_orders)
