"""Releases in the terminal: the day-of-release key and the handshake form from the agenda's
action row and from the record, the status on the record and in the caseload, the Releases view,
and a volunteer's view of a due release."""

import time
from datetime import date, datetime, timedelta

from cjcase.services.caseload_file import open_caseload
from cjcase.tui.app import make_app
from tests.helpers import SAMPLE_TODAY, add_release, make_client, make_episode, press_at_once, settle, wait_until

TODAY = SAMPLE_TODAY  # Fri 20 Nov 2026


def rows_of(table) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def due_today(caseload, **fields):
    client = make_client(caseload, client_ref="R-1", first_name="Rory", last_name="Byrne")
    release = caseload.releases.add(
        client.id, {"prison": "HMP Leeds", "expected_date": TODAY, "gate_pickup_booked": "yes", **fields}
    )
    return client, release


async def test_the_day_of_release_key_and_the_handshake_from_the_agenda_action_row(db, clock, caseload):
    _client, release = due_today(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        actions = app.screen.query_one("#actions")
        await wait_until(pilot, lambda: actions.row_count > 0)
        assert rows_of(actions)[0][1] == "Released today, no first appointment booked"
        actions.focus()
        await pilot.press("R")
        await settle(pilot)
        assert caseload.releases.get(release.id).actual_date == TODAY
        await wait_until(pilot, lambda: rows_of(actions)[0][1].startswith("Released Fri 20 Nov, not engaged"))
        assert rows_of(actions)[0][1] == "Released Fri 20 Nov, not engaged: 21 days left"
        started = time.monotonic()
        await pilot.press("H")
        await settle(pilot)
        await press_at_once(
            pilot,
            "Forward Leeds",
            "tab",
            "today",
            "tab",
            "Forward Leeds",
            "tab",
            "23/11 10:00",
            "tab",
            "today",
            "tab",
            "Sam, Forward Leeds",
            "ctrl+s",
        )
        await settle(pilot)
        assert time.monotonic() - started < 30
        saved = caseload.releases.get(release.id)
        assert (saved.onward_provider, saved.onward_referred_date) == ("Forward Leeds", TODAY)
        assert saved.first_appointment_at == datetime(2026, 11, 23, 10, 0)
        assert (saved.community_start_date, saved.confirmed_by) == (TODAY, "Sam, Forward Leeds")
        await wait_until(pilot, lambda: not any(r[1].startswith("Released") for r in rows_of(actions)))


async def test_a_start_before_release_is_shown_beside_its_field_in_the_handshake(db, clock, caseload):
    client = make_client(caseload)
    add_release(caseload, client.id, TODAY - timedelta(days=5))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        await press_at_once(pilot, "tab", "tab", "tab", "tab", "10/11/2026", "tab", "Sam", "ctrl+s")
        await settle(pilot)
        error = app.screen.query_one("#error-community_start_date")
        assert "before the release" in str(error.render())


async def test_recording_the_release_from_the_record_shows_the_window_on_it(db, clock, caseload):
    client, release = due_today(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        coming, line = app.screen.query_one("#coming"), app.screen.query_one("#release")
        assert "Release expected Fri 20 Nov 2026 (HMP Leeds)" in str(coming.render())
        assert str(line.render()).startswith("Release checklist: gate pick-up booked · missing first appointment")
        await pilot.press("R")
        await settle(pilot)
        assert caseload.releases.get(release.id).actual_date == TODAY
        assert "Released Fri 20 Nov 2026 (HMP Leeds): not engaged yet, 21 days left" in str(coming.render())
        assert not line.display  # no handshake yet
        await pilot.press("H")
        await settle(pilot)
        await press_at_once(pilot, "Forward Leeds", "tab", "today", "ctrl+s")
        await settle(pilot)
        assert str(line.render()) == "Handshake: referred to Forward Leeds 20/11"


async def test_the_release_form_moves_the_expected_date_and_keeps_the_release(db, clock, caseload):
    client, release = due_today(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await press_at_once(pilot, "tab", "27/11/2026", "ctrl+s")
        await settle(pilot)
    [kept] = caseload.releases.of_client(client.id)
    assert (kept.id, kept.expected_date) == (release.id, date(2026, 11, 27))


async def test_the_caseload_marks_a_due_release(db, clock, caseload):
    client, _release = due_today(caseload)
    make_episode(caseload, client.id, pathway="prison_link", referral_source="prison", referral_date=date(2026, 11, 1))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        table = app.screen.query_one("#clients")
        await wait_until(pilot, lambda: table.row_count > 0)
        assert rows_of(table)[0][2] == "Prison rel due"


async def test_the_releases_view_from_the_agenda_counts_each_status(db, clock, caseload):
    due_today(caseload)
    other = make_client(caseload, client_ref="R-2")
    add_release(caseload, other.id, date(2026, 10, 1))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.AREA == "Releases"
        counts = str(app.screen.query_one("#release-counts").render())
        assert counts == "2 releases: due 1 · pending 0 · engaged 0 · not engaged 1 · excluded 0"
        assert [row[2] for row in rows_of(app.screen.query_one("#releases"))] == ["not engaged", "due"]


async def test_a_volunteer_sees_a_due_release_with_the_gate_pickup_only(tmp_path, clock):
    from cjcase.services.caseload import Caseload

    path = tmp_path / "c.db"
    db = open_caseload(path)
    due_today(Caseload(db, clock), naloxone_offered="yes")
    db.close()
    reader = open_caseload(path, read_only=True)
    app = make_app(reader, clock, path=path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        agenda_rows = rows_of(app.screen.query_one("#agenda"))
        assert ["", "Rory Byrne (R-1)", "Due for release from HMP Leeds: gate pick-up booked"] in agenda_rows
        assert app.screen.check_action("record_release", ()) is False
        assert app.screen.check_action("releases", ()) is False
        await pilot.press("R")
        await settle(pilot)
        app.open_client(Caseload(reader, clock).client_by_ref("R-1").id)
        await settle(pilot)
        line = str(app.screen.query_one("#release").render())
        assert line == "Release from HMP Leeds expected Fri 20 Nov 2026 · gate pick-up booked"
    reader.close()


async def test_the_releases_view_shows_an_appointment_before_release_as_minus_days(db, clock, caseload):
    client = make_client(caseload, client_ref="R-3")
    add_release(caseload, client.id, date(2026, 11, 10))
    db["releases"].update(
        caseload.releases.of_client(client.id)[0].id,
        {"first_appointment_at": "2026-11-08 10:00", "first_appointment_provider": "Forward Leeds"},
    )
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.AREA == "Releases"
        rows = rows_of(app.screen.query_one("#releases"))
        assert [row[3] for row in rows] == ["-2d"]
