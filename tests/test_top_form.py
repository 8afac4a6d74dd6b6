"""The TOP form at 80×24, by keyboard alone: four sections, nothing pre-filled, digits, y/n and
n/a; the change from the start TOP beside each item once saved; edit and delete from the record."""

from datetime import date

from textual.widgets import Input, Static

from cjcase.domain import codes
from cjcase.tui.app import make_app
from tests.helpers import make_client, make_episode, press_at_once, settle, top_form, wait_until

# What is typed into each item, in the form's order, and what it is stored as.
TYPED = {
    "alcohol_days": ("4", 4),
    "alcohol_units_per_drinking_day": ("n/a", None),
    "opiates_days": ("6", 6),
    "crack_days": ("0", 0),
    "cocaine_days": ("0", 0),
    "amphetamines_days": ("N/A", None),
    "cannabis_days": ("2", 2),
    "other_drug_days": ("0", 0),
    "tobacco_days": ("28", 28),
    "injecting_days": ("3", 3),
    "sharing_needles": ("y", "yes"),
    "sharing_paraphernalia": ("na", None),
    "shoplifting_days": ("1", 1),
    "drug_selling_days": ("0", 0),
    "other_theft_days": ("0", 0),
    "vehicle_theft": ("n", "no"),
    "property_theft_burglary": ("n", "no"),
    "fraud_forgery_handling": ("yes", "yes"),
    "assault": ("n", "no"),
    "psych_health": ("12", 12),
    "paid_work_days": ("0", 0),
    "education_days": ("0", 0),
    "phys_health": ("11", 11),
    "acute_housing_problem": ("n", "no"),
    "eviction_risk": ("n/a", None),
    "quality_of_life": ("14", 14),
}


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def client_with_a_start_top(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 1))
    caseload.add_top(
        client.id, top_form(date=date(2026, 6, 1), stage="start", opiates_days=20, tobacco_days="NA", psych_health=8)
    )
    return client


async def open_outcomes(app, pilot, client_id):
    await settle(pilot)
    app.open_client(client_id)
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)


def test_the_form_follows_the_paper_forms_four_sections_with_every_item():
    assert [heading for heading, _ in codes.TOP_SECTIONS] == [
        "Substance use",
        "Injecting risk behaviour",
        "Crime",
        "Health and social functioning",
    ]
    assert set(codes.TOP_ITEMS) == set(TYPED) and len(codes.TOP_ITEMS) == 26


async def test_a_top_is_typed_by_keys_alone_and_shows_the_change_from_start_once_saved(db, clock, caseload):
    client = client_with_a_start_top(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot, client.id)
        await pilot.press("t")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TopDialog")
        # Nothing pre-filled: every item is empty until typed.
        assert all(app.screen.query_one(f"#field-{name}", Input).value == "" for name in codes.TOP_ITEMS)
        keys = ["1/11", "tab", "tab", "tab"]  # the date; stage (review) and setting as offered
        for name in codes.TOP_ITEMS:
            keys += [TYPED[name][0], "tab"]
        await press_at_once(pilot, *keys, "ctrl+s")
        await wait_until(pilot, lambda: caseload.tops(client.id)[-1].stage == "review")
        saved = caseload.tops(client.id)[-1]
        assert saved.top_date == date(2026, 11, 1) and saved.setting == "community"
        assert {name: getattr(saved, name) for name in codes.TOP_ITEMS} == {n: v for n, (_, v) in TYPED.items()}
        # The form stays, with each item's change from the start TOP beside it.
        assert type(app.screen).__name__ == "TopDialog"
        assert text_of(app, "#change-opiates_days") == "-14 from 20"
        assert text_of(app, "#change-psych_health") == "+4 from 8"
        assert text_of(app, "#change-tobacco_days") == "n/a at start"
        assert text_of(app, "#change-eviction_risk") == "n/a now"
        assert text_of(app, "#change-sharing_needles") == "no→yes"
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ClientScreen")
        assert len(app.screen.tops) == 2


async def test_an_item_left_empty_is_refused_beside_it_and_nothing_is_saved(db, clock, caseload):
    client = client_with_a_start_top(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot, client.id)
        await pilot.press("t")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TopDialog")
        await press_at_once(pilot, "tab", "tab", "tab", "5", "ctrl+s")
        assert "n/a if not answered" in text_of(app, "#error-alcohol_units_per_drinking_day")
        assert app.screen.focused.id == "field-alcohol_units_per_drinking_day"
        assert len(caseload.tops(client.id)) == 1


async def test_a_review_on_the_day_of_the_start_top_is_refused_in_the_form(db, clock, caseload):
    client = client_with_a_start_top(caseload)
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot, client.id)
        await pilot.press("t")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TopDialog")
        keys = ["1/6/2026", "tab", "tab", "tab"] + ["n/a", "tab"] * len(codes.TOP_ITEMS)
        await press_at_once(pilot, *keys, "ctrl+s")
        assert "start TOP is on this day" in text_of(app, "#error-date")
        assert len(caseload.tops(client.id)) == 1


async def test_a_saved_top_is_corrected_from_outcomes_with_na_shown_as_typed(db, clock, caseload):
    client = client_with_a_start_top(caseload)
    review = caseload.add_top(client.id, top_form(date=date(2026, 9, 1), stage="review", opiates_days="NA"))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot, client.id)
        await pilot.press("e")  # the latest TOP is the first row of the list
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TopDialog")
        assert app.screen.query_one("#field-opiates_days", Input).value == "n/a"
        assert app.screen.query_one("#field-assault", Input).value == "n"
        assert text_of(app, "#change-opiates_days") == "n/a now"
        app.screen.query_one("#field-quality_of_life", Input).focus()
        await press_at_once(pilot, "15", "ctrl+s")
        await wait_until(pilot, lambda: caseload.get_top(review.id).quality_of_life == 15)
        assert caseload.get_top(review.id).opiates_days is None  # NA kept as NA
        assert text_of(app, "#change-quality_of_life") == "+5 from 10"
        details = [r["detail"] for r in db.query("SELECT detail FROM audit WHERE action = 'update' AND entity = 'top'")]
        assert details == ["fields: quality_of_life"]


async def test_a_top_is_deleted_from_outcomes_only_after_confirming(db, clock, caseload):
    client = client_with_a_start_top(caseload)
    review = caseload.add_top(client.id, top_form(date=date(2026, 9, 1), stage="review"))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot, client.id)
        await pilot.press("delete")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.press("n")
        await settle(pilot)
        assert len(caseload.tops(client.id)) == 2
        await pilot.press("delete")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.press("y")
        await wait_until(pilot, lambda: len(caseload.tops(client.id)) == 1)
        assert caseload.tops(client.id)[0].stage == "start"
        assert (
            db.execute(
                "SELECT count(*) FROM audit WHERE action = 'delete' AND entity = 'top' AND record_id = ?", [review.id]
            ).fetchone()[0]
            == 1
        )


async def test_entering_correcting_and_deleting_a_top_are_in_the_palette_and_not_for_volunteers(db, clock, caseload):
    client = client_with_a_start_top(caseload)
    for read_only in (False, True):
        app = make_app(db, clock, read_only=read_only)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.open_client(client.id)
            await settle(pilot)
            titles = {command.title for command in app.get_system_commands(app.screen)}
            wanted = {"Client: enter top", "Client: delete top", "Client: edit"}
            assert wanted <= titles if not read_only else not wanted & titles


async def test_after_editing_a_top_the_selection_stays_on_it_so_delete_aims_at_it(db, clock, caseload):
    client = client_with_a_start_top(caseload)
    start = caseload.tops(client.id)[0]
    review = caseload.add_top(client.id, top_form(date=date(2026, 9, 1), stage="review"))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot, client.id)
        await pilot.press("down")  # the start TOP, below the latest
        await settle(pilot)
        assert app.screen.selected_top().id == start.id
        await pilot.press("e")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TopDialog")
        app.screen.query_one("#field-quality_of_life", Input).focus()
        await press_at_once(pilot, "15", "ctrl+s")
        await wait_until(pilot, lambda: caseload.get_top(start.id).quality_of_life == 15)
        if type(app.screen).__name__ == "TopDialog":  # a review's form stays, to show the change
            await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ClientScreen")
        await settle(pilot)
        assert app.screen.selected_top().id == start.id
        await pilot.press("delete")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.press("y")
        await wait_until(pilot, lambda: len(caseload.tops(client.id)) == 1)
        assert caseload.tops(client.id)[0].id == review.id
