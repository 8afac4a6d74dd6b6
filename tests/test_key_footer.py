"""The footer: the keys a screen offers now, drawn as one line, and a click on a key presses it."""

from textual.app import App
from textual.binding import Binding
from textual.widgets import Input

from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path
from cjcase.tui.app import make_app
from cjcase.tui.widgets.key_footer import KeyFooter
from tests.helpers import SAMPLE, SAMPLE_TODAY, settle


class Keys(App):
    """A screen with shown, hidden and disabled keys, and an input that brings its own."""

    BINDINGS = [
        # Function keys: a focused input takes printable keys, and Textual then drops their bindings.
        Binding("f5", "add", "Add"),
        Binding("f6", "hidden", "Hidden", show=False),
        Binding("f7", "remove", "Remove"),
        Binding("f8", "gone", "Gone"),
    ]

    def __init__(self):
        super().__init__()
        self.done: list[str] = []

    def compose(self):
        yield Input(id="typing")
        yield KeyFooter()

    def check_action(self, action, parameters):
        if action == "gone":
            return False  # not offered here: not shown
        if action == "remove":
            return None  # offered but not now: shown dimmed
        return True

    def action_add(self):
        self.done.append("add")

    def action_remove(self):
        self.done.append("remove")


def footer_line(app) -> str:
    return app.screen.query_one(KeyFooter).render().plain


async def test_it_shows_the_keys_offered_in_order_and_the_palette_key_at_the_right_edge():
    app = Keys()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        assert line.startswith(" f5 Add  f7 Remove ")
        assert "Hidden" not in line and "Gone" not in line
        assert line.endswith("^p palette ") and len(line) == 60
        footer = app.screen.query_one(KeyFooter)
        remove = footer.key_at(line.index("Remove"))
        assert remove.action == "remove" and not remove.enabled
        dimmed = [span for span in footer.render().spans if "Remove" in line[span.start : span.end]]
        assert dimmed and all(span.style.dim for span in dimmed)


async def test_a_click_on_a_key_runs_it_even_from_an_input_and_a_disabled_key_only_rings():
    app = Keys()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        await pilot.click(KeyFooter, offset=(line.index("Add"), 0))
        await pilot.click(KeyFooter, offset=(line.index("Remove"), 0))
        await pilot.click(KeyFooter, offset=(len(" f5 Add  f7 Remove ") + 5, 0))  # no key there
        await pilot.pause()
        assert app.done == ["add"]
        assert app.screen.query_one(Input).value == ""  # the focused input took no key


async def test_keys_that_do_not_fit_are_cut_before_the_palette_key():
    app = Keys()
    async with app.run_test(size=(22, 10)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        assert line == " f5 Add    ^p palette "  # f7 Remove does not fit whole
        footer = app.screen.query_one(KeyFooter)
        assert footer.key_at(21).description == "palette"


async def test_the_footer_follows_the_screen_and_read_only_mode(tmp_path, db, clock):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert footer_line(app).startswith(" l Log session  a Attended  d DNA ")
        client = app.caseload.client_by_ref("CJ-17429")
        app.open_client(client.id)
        await settle(pilot)
        assert footer_line(app).startswith(" esc Back  l Log session ")
    db.close()

    reader = open_caseload(tmp_path / "caseload.db", read_only=True)
    app = make_app(reader, clock, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        line = footer_line(app)
        assert line.startswith(" esc Back ") and "Log session" not in line
    reader.close()
