"""Notes show who wrote them (issue 16, item 9): the keyworker chosen as "me" on this laptop, else
the client's own keyworker, changeable in the form to another name on the organisation's list."""

import pytest
from textual.widgets import Static

from cjcase.domain.errors import ValidationError
from cjcase.services import names
from cjcase.tui.app import make_app
from cjcase.tui.screens.client_screen import ClientScreen
from tests.helpers import make_client, make_episode, press_at_once, settle, wait_until


def test_a_note_records_its_author_the_clients_keyworker_unless_another_is_named(caseload):
    client = make_client(caseload, keyworker="Priya Shah")
    names.add_name(caseload.db, "keyworker", "Tom Gallagher")
    assert caseload.add_note(client.id, "Rang the hostel").written_by == "Priya Shah"
    assert caseload.add_note(client.id, "Covered the visit", written_by="Tom Gallagher").written_by == "Tom Gallagher"
    with pytest.raises(ValidationError) as refused:
        caseload.add_note(client.id, "Typo", written_by="Tom")
    assert refused.value.field == "written_by" and "Did you mean Tom Gallagher" in refused.value.message
    assert [n.written_by for n in caseload.notes(client.id)] == ["Tom Gallagher", "Priya Shah"]


def test_an_unallocated_clients_note_has_no_author_to_guess(caseload):
    client = make_client(caseload)
    assert caseload.add_note(client.id, "Walked in").written_by is None


async def test_the_overview_shows_who_wrote_each_note(db, clock, caseload):
    client = make_client(caseload, keyworker="Priya Shah")
    make_episode(caseload, client.id)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ClientScreen(client.id))
        await settle(pilot)
        await press_at_once(pilot, "m")
        await wait_until(pilot, lambda: getattr(app.screen, "takes_keys", False))
        await press_at_once(pilot, *"Left a card", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen))
        notes = app.screen.query_one("#notes", Static)
        await wait_until(pilot, lambda: "Priya Shah: Left a card" in str(notes.render()))
