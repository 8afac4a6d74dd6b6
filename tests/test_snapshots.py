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
        focused = pilot.app.screen.focused
        if focused is not None and hasattr(focused, "cursor_blink"):
            focused.cursor_blink = False  # the search box's cursor, caught mid-blink otherwise
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


def test_the_record_header_of_the_clinical_record_at_80_by_24(snap_compare, sample_app, caseload):
    """A quick referral still without ethnicity, on heroin and crack, released from prison, with an
    open safeguarding concern, who died: each line of the header at 80 columns."""
    from datetime import date

    client = caseload.add_quick_referral(
        {
            "client_ref": "QR-1",
            "first_name": "Dan",
            "last_name": "Riley",
            "date_of_birth": date(1991, 3, 2),
            "sex": "male",
        }
    )
    caseload.add_episode(
        client.id,
        {
            "referral_date": date(2026, 9, 1),
            "referral_source": "prison",
            "pathway": "prison_link",
            "primary_substance": "heroin",
            "drug_2": "crack",
            "route": "inject",
            "injecting_status": "currently",
            "start_date": date(2026, 9, 2),
        },
    )
    caseload.releases.add(
        client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 2), "actual_date": date(2026, 11, 2)}
    )
    caseload.safeguarding.add(
        client.id, {"raised_date": date(2026, 10, 5), "raised_with": "Leeds MASH", "category": "child"}
    )
    caseload.deaths.record(client.id, {"date_of_death": date(2026, 11, 13), "drug_related_suspected": "yes"})

    async def open_client(pilot):
        pilot.app.open_client(client.id)
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_client)


def test_the_new_top_form_at_80_by_24(snap_compare, sample_app, caseload):
    client = caseload.client_by_ref("CJ-17429")

    async def open_form(pilot):
        pilot.app.open_client(client.id)
        await settle(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "takes_keys", False))
        pilot.app.screen.focused.cursor_blink = False  # the date field's cursor, caught mid-blink otherwise
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_form)


def test_a_saved_top_with_its_change_from_start_at_80_by_24(snap_compare, sample_app, caseload):
    client = caseload.client_by_ref("CJ-52057")  # the exit TOP of 09/03/2026, against the start of 07/04/2025

    async def open_form(pilot):
        pilot.app.open_client(client.id)
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("down", "e")  # the list is latest first: the exit TOP is the second row
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "takes_keys", False))
        pilot.app.screen.focused.cursor_blink = False  # the date field's cursor, caught mid-blink otherwise
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_form)


def test_the_new_arrest_referral_form_at_80_by_24(snap_compare, sample_app):
    async def open_form(pilot):
        await settle(pilot)
        await pilot.app.run_action("new_arrest_referral")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "takes_keys", False))
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_form)


def test_the_releases_view_at_80_by_24(snap_compare, sample_app, caseload):
    from datetime import date, datetime

    due = caseload.client_by_ref("CJ-17429")
    caseload.releases.add(
        due.id, {"prison": "HMP Leeds", "expected_date": date(2026, 11, 27), "gate_pickup_booked": "yes"}
    )
    released = caseload.client_by_ref("CJ-43974")
    caseload.releases.add(
        released.id,
        {
            "prison": "HMP Hull",
            "expected_date": date(2026, 11, 9),
            "actual_date": date(2026, 11, 10),
            "naloxone_offered": "yes",
            "naloxone_issued": "yes",
            "first_appointment_provider": "Forward Leeds",
            "first_appointment_at": datetime(2026, 11, 12, 10, 0),
        },
    )

    async def open_view(pilot):
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=open_view)


def test_a_form_with_toasts_up_at_80_by_24(snap_compare, sample_app):
    """The reminders of the opening and a Saved are still up when the next form opens: they must
    leave the form's fields and its Save key readable."""

    async def open_form(pilot):
        await settle(pilot)
        pilot.app.notify("Saved.", timeout=60)  # long enough to outlast a slow machine's form opening
        pilot.app.notify(
            "Court tomorrow 10:00 for Stephen Moore (plea, Leeds Magistrates' Court)", title="Reminder", timeout=60
        )
        await pilot.press("n")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "takes_keys", False))
        pilot.app.screen.focused.cursor_blink = False  # the reference field's cursor, caught mid-blink otherwise
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
