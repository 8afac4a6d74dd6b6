"""Forms as a keyworker types into them on a loaded laptop: keys arrive in bursts, Esc is
pressed once too often, names come from the organisation's lists."""

from datetime import date, datetime

from textual.widgets import Input, TextArea

from cjcase.tui.app import make_app
from cjcase.tui.dialogs.client_dialog import ClientDialog
from cjcase.tui.dialogs.session_dialog import SessionDialog
from cjcase.tui.screens.client_screen import ClientScreen
from cjcase.tui.widgets.confirm import ConfirmDialog
from tests.helpers import make_client, make_episode, press_at_once, settle, wait_until


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


async def test_keys_wait_until_the_forms_first_field_has_the_cursor(db, clock, caseload, monkeypatch):
    # In a real terminal the first field's focus can come after the form is mounted; a key let in
    # before it was typed into the field and then selected and overwritten ("AB-9" became "B-9").
    # Here the focus is made to come late on purpose.
    from textual.widgets import Input

    from cjcase.tui.widgets.forms import FormInput

    def late_focus(widget, scroll_visible=True):
        widget.set_timer(0.3, lambda: Input.focus(widget, scroll_visible))
        return widget

    monkeypatch.setattr(FormInput, "focus", late_focus)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_at_once(pilot, "n", "AB-9", "tab", "First")
        await wait_until(pilot, lambda: field(app, "first_name") == "First", seconds=5)
        assert (field(app, "client_ref"), field(app, "first_name")) == ("AB-9", "First")


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


def test_a_keyworker_or_court_not_on_the_list_is_refused_until_added_deliberately(db, caseload):
    import pytest

    from cjcase.domain.errors import ValidationError
    from cjcase.services import names

    names.add_name(db, "keyworker", "Tom Gallagher")
    client = make_client(caseload)
    with pytest.raises(ValidationError, match="Tom is not on the organisation's list of keyworkers. Did you mean Tom"):
        caseload.change_keyworker([client.id], "Tom", date(2026, 11, 20))
    with pytest.raises(ValidationError, match="list of keyworkers"):
        caseload.update_client(client.id, {"keyworker": "Tom"})
    with pytest.raises(ValidationError, match="list of courts"):
        caseload.add_court_date(
            client.id, {"when": datetime(2026, 12, 1, 10, 0), "court": "Leeds Mags", "hearing_type": "plea"}
        )
    assert names.known(db, "keyworker") == ["Tom Gallagher"]
    assert names.resolve(db, "keyworker", "tom") == "Tom Gallagher"
    assert names.add_name(db, "keyworker", "tom gallagher") == "Tom Gallagher"  # no second Tom
    names.add_name(db, "keyworker", "Tom Ellis")
    assert names.resolve(db, "keyworker", "tom") is None  # two Toms: type more
    assert caseload.change_keyworker([client.id], "Tom Ellis", date(2026, 11, 20)) == 1


def test_names_an_import_brings_join_the_lists(db, caseload):
    from cjcase.services import names
    from cjcase.services.importing.importer import import_path
    from tests.helpers import SAMPLE, SAMPLE_TODAY

    import_path(db, SAMPLE, SAMPLE_TODAY)
    keyworkers = names.known(db, "keyworker")
    courts = names.known(db, "court")
    assert keyworkers and courts
    client = make_client(caseload, client_ref="NEW-1")
    caseload.update_client(client.id, {"keyworker": keyworkers[0]})
    assert caseload.get_client(client.id).keyworker == keyworkers[0]


async def test_the_keyworker_field_picks_from_the_list_and_a_new_name_is_a_deliberate_step(db, clock, caseload):
    from cjcase.services import names

    names.add_name(db, "keyworker", "Tom Gallagher")
    client = make_client(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await press_at_once(pilot, "k", "tom", "ctrl+s")
        assert caseload.get_client(client.id).keyworker == "Tom Gallagher"
        await press_at_once(pilot, "k", "Tomm", "ctrl+s")
        form = app.screen
        assert "not on the organisation's list" in str(form.query_one("#error-keyworker").render())
        assert caseload.get_client(client.id).keyworker == "Tom Gallagher"
        form.query_one("#field-keyworker", Input).focus()
        await press_at_once(pilot, *["backspace"] * 4, "Sam Okafor", "ctrl+n")
        assert isinstance(app.screen, ConfirmDialog)
        await press_at_once(pilot, "y", "ctrl+s")
        assert isinstance(app.screen, ClientScreen)
        assert caseload.get_client(client.id).keyworker == "Sam Okafor"
        assert names.known(db, "keyworker") == ["Sam Okafor", "Tom Gallagher"]
