"""Custody and contacts in the terminal, driven through the real app with Pilot: a contact logged
from the record in a few keys, the arrests with their RA stages on the record, RA2."""

import time
from datetime import datetime

from textual.widgets import Static, TabbedContent

from cjcase.services.custody import Custody
from cjcase.tui.app import make_app
from cjcase.tui.dialogs.booking_dialog import BookingDialog
from cjcase.tui.dialogs.contact_dialog import ContactDialog
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import make_client, make_episode, settle, wait_until


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def positive_event(**overrides):
    values = {
        "arrested_at": datetime(2026, 11, 14, 1, 30),
        "custody_suite": "Elland Road",
        "offence": "trigger",
        "test_at": datetime(2026, 11, 14, 3, 0),
        "test_result": "positive",
        "substances_positive": "opiates",
        "ra_imposed": "yes",
    }
    values.update(overrides)
    return values


async def open_record(pilot, client_id) -> None:
    await settle(pilot)
    pilot.app.open_client(client_id)
    await settle(pilot)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientScreen))


async def test_a_contact_is_logged_from_the_record_in_a_few_keys_and_shown_on_the_timeline_only(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, client.id)
        started = time.monotonic()
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDialog))
        await pilot.press("tab", *"rang twice, no answer", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        assert time.monotonic() - started < 10
        (contact,) = caseload.sessions(client.id)
        assert (contact.kind, contact.status, contact.notes) == (
            "attempted_contact",
            "attended",
            "rang twice, no answer",
        )
        assert contact.starts_at == datetime(2026, 11, 20, 12, 0)
        await settle(pilot)
        assert "Tried to reach the client: rang twice, no answer" in text_of(app, "#timeline")
        app.screen.query_one("#tabs", TabbedContent).active = "sessions-tab"
        await settle(pilot)
        assert app.screen.query_one("#sessions", RowTable).row_count == 0  # not an appointment


async def test_the_record_shows_each_arrest_with_its_ra_stages_in_order_and_ra2_moves_the_booking(db, clock, caseload):
    client = make_client(caseload)
    custody = Custody(caseload)
    custody.add_event(client.id, positive_event())
    custody.book_stage(client.id, datetime(2026, 11, 24, 10, 0))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, client.id)
        shown = text_of(app, "#custody")
        assert "Arrested Sat 14 Nov 2026 01:30 at Elland Road · test positive (opiates)" in shown
        assert shown.index("RA1 Required Assessment imposed") < shown.index("RA initial Tue 24 Nov 2026 10:00")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BookingDialog))
        field = app.screen.query_one("#field-when")
        field.value = "25/11/2026 14:00"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(pilot)
        assert [(s.starts_at.day, s.status, s.requirement) for s in caseload.sessions(client.id)] == [
            (25, "scheduled", "ra_initial"),
            (24, "rearranged", "ra_initial"),
        ]
        await pilot.press("1")
        await settle(pilot)
        shown = text_of(app, "#custody")
        assert shown.index("RA initial Tue 24 Nov 2026 10:00: rearranged") < shown.index(
            "RA initial Wed 25 Nov 2026 14:00: scheduled"
        )
