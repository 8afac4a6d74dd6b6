"""Forms as a keyworker types into them on a loaded laptop: keys arrive in bursts, Esc is
pressed once too often, names come from the organisation's lists."""

from datetime import date

from textual.widgets import Input, TextArea

from cjcase.tui.app import make_app
from cjcase.tui.dialogs.client_dialog import ClientDialog
from cjcase.tui.dialogs.session_dialog import SessionDialog
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.confirm import ConfirmDialog
from tests.helpers import make_client, make_episode, press_at_once, settle


async def test_esc_on_a_form_with_changes_asks_before_throwing_them_away(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SessionDialog)
        form.query_one("#field-notes", TextArea).focus()
        await pilot.press(*"Talked about housing", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Discard changes?" in str(app.screen.question)
        await pilot.press("escape")  # the extra Esc keeps the form and what was typed
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#field-notes", TextArea).text == "Talked about housing"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        assert caseload.sessions(client.id) == []


async def test_esc_closes_an_untouched_form_at_once(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ClientDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "AgendaScreen"
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"AB", "backspace", "backspace", "escape")  # typed and taken back: unchanged
        await settle(pilot)
        assert type(app.screen).__name__ == "AgendaScreen"


def field(app, name: str) -> str:
    return app.screen.query_one(f"#field-{name}", Input).value


async def test_keys_typed_while_the_new_client_form_opens_reach_it_in_order(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "n", "REFY", "tab", "First", "tab", "Last")
        assert isinstance(app.screen, ClientDialog)
        assert (field(app, "client_ref"), field(app, "first_name"), field(app, "last_name")) == (
            "REFY",
            "First",
            "Last",
        )


async def test_keys_typed_while_the_log_form_opens_go_to_its_fields(db, clock, caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        # e (edit) and the rest would be the record's keys if they reached it instead of the form
        await press_at_once(pilot, "l", *["backspace"] * 16, "today 9am")
        assert isinstance(app.screen, SessionDialog)
        assert field(app, "when") == "today 9am"


async def test_a_pasted_row_with_tabs_fills_one_field_each(db, clock, caseload):
    from textual import events

    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#field-client_ref", Input).post_message(events.Paste("REF\tFirst\tLast"))
        await settle(pilot)
        assert (field(app, "client_ref"), field(app, "first_name"), field(app, "last_name")) == (
            "REF",
            "First",
            "Last",
        )
        assert app.screen.focused.id == "field-last_name"


async def test_a_paste_sent_as_keys_fills_one_field_each(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "n", "REF", "tab", "First", "tab", "Last", "tab", "Jo", "tab", "17/5/1990")
        values = [field(app, name) for name in ("client_ref", "first_name", "last_name", "preferred_name")]
        assert values == ["REF", "First", "Last", "Jo"]
        assert field(app, "date_of_birth") == "17/5/1990"
