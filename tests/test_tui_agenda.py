"""The agenda screen, driven through the real app with Pilot."""

import asyncio
from datetime import datetime

from textual.widgets import Static

from cjcase.tui.app import make_app
from cjcase.tui.widgets.row_table import RowTable
from tests.helpers import make_client, settle, wait_until


async def test_the_agenda_title_shows_today_and_the_fixed_clock_banner(db, clock):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert app.screen.title == "Agenda · Fri 20 Nov 2026"
        banner = app.screen.query_one("#clock-banner", Static)
        assert "CJCASE_TODAY" in str(banner.render())


async def test_an_empty_database_says_how_to_start(db, clock):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await settle(pilot)
        empty = app.screen.query_one("#empty", Static)
        assert empty.display
        assert "cjcase demo" in str(empty.render())


async def test_an_appointment_shows_under_its_day(db, clock, caseload):
    client = make_client(caseload)
    caseload.add_session(client.id, {"when": datetime(2026, 11, 21, 10, 0), "kind": "keywork", "status": "scheduled"})
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await settle(pilot)
        table = app.screen.query_one("#agenda", RowTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [["Sat 21 Nov 2026", "", ""], ["10:00", "Jo Bloggs (T-1)", "Keywork (scheduled)"]]


async def test_cjcase_paints_first_then_opens_the_database(db_path, clock, caseload):
    from cjcase.services.caseload_file import open_caseload
    from cjcase.tui.app import make_opening_app

    client = make_client(caseload)
    caseload.add_session(client.id, {"when": datetime(2026, 11, 21, 10, 0), "kind": "keywork", "status": "scheduled"})
    caseload.db.close()
    app = make_opening_app(lambda: open_caseload(db_path, verify=False), clock, path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        # The file opens after the first frame, in a worker that may not have started yet.
        await wait_until(pilot, lambda: app.caseload is not None)
        await settle(pilot)
        table = app.screen.query_one("#agenda", RowTable)
        assert ["10:00", "Jo Bloggs (T-1)", "Keywork (scheduled)"] in [
            [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)
        ]
    app.caseload.db.close()


async def test_the_apps_own_keys_are_offered_once_the_file_is_open(db_path, clock, caseload):
    import threading

    from cjcase.services.caseload_file import open_caseload
    from cjcase.tui.app import make_opening_app

    make_client(caseload)
    caseload.db.close()
    may_open = threading.Event()

    def slow_open():
        may_open.wait(10)
        return open_caseload(db_path, verify=False)

    app = make_opening_app(slow_open, clock, path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await asyncio.sleep(0.2)  # painted, focus settled, the file still opening
        # What is on screen (a footer drawn before the file opened would keep its old keys).
        assert "palette" not in app.export_screenshot() and "Quit" in app.export_screenshot()
        may_open.set()
        await settle(pilot)
        assert app.caseload is not None
        assert "palette" in app.export_screenshot()
    app.caseload.db.close()


async def test_a_database_that_cannot_be_opened_ends_the_app_with_its_sentence(db_path, clock):
    from cjcase.services.caseload_file import open_caseload
    from cjcase.tui.app import make_opening_app

    holder = open_caseload(db_path)  # another cjcase is writing
    app = make_opening_app(lambda: open_caseload(db_path, verify=False), clock, path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(20):  # the app ends itself once the opener has failed
            await pilot.pause(0.05)
    assert app.return_code == 1 and "Another cjcase is already open" in app.return_value
    holder.close()


async def test_the_days_are_shown_while_the_action_list_is_still_being_worked_out(db, clock, caseload, monkeypatch):
    import asyncio
    import threading

    from cjcase.services import agenda

    client = make_client(caseload)
    caseload.add_session(client.id, {"when": datetime(2026, 11, 23, 10, 0), "kind": "keywork", "status": "scheduled"})
    release = threading.Event()
    actions = agenda.actions

    def slow_actions(*args):
        release.wait(10)  # as on a large caseload
        return actions(*args)

    monkeypatch.setattr(agenda, "actions", slow_actions)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        days = app.screen.query_one("#agenda", RowTable)
        for _ in range(200):
            await asyncio.sleep(0.01)
            if days.row_count:
                break
        assert [str(cell) for cell in days.get_row_at(1)][0] == "10:00"
        assert "looking" in str(app.screen.query_one("#actions-heading", Static).render())
        release.set()
        await settle(pilot)
        assert "Needs action (0)" in str(app.screen.query_one("#actions-heading", Static).render())
