"""Clients v2 (DOMAIN.md): ethnicity `99` beside `Z`, and the quick referral (name and date of birth
only) in the services, the import, the returns and the terminal."""

from datetime import date, datetime

import pytest
from textual.widgets import Input, Static

from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.returns import template as templates
from cjcase.returns.build import build
from cjcase.returns.measures import compute
from cjcase.services.importing.importer import import_path
from cjcase.services.integrity import check
from cjcase.tui.app import make_app
from cjcase.tui.dialogs.quick_referral_dialog import QuickReferralDialog
from tests.helpers import make_client, make_episode, settle, wait_until

Q2 = parse_quarter("2026-27 Q2")
QUICK = {"client_ref": "QR-1", "first_name": "Dan", "last_name": "Riley", "date_of_birth": date(1991, 3, 2)}


def test_ethnicity_99_is_not_known_beside_z(caseload):
    client = make_client(caseload, ethnicity="99")
    assert client.ethnicity == "99"
    with pytest.raises(ValidationError, match="ethnicity"):
        make_client(caseload, client_ref="T-2", ethnicity="98")


def test_a_quick_referral_needs_only_name_and_date_of_birth_and_is_audited(caseload, db):
    client = caseload.add_quick_referral(QUICK)
    assert (client.quick_referral, client.sex, client.ethnicity) == ("yes", None, None)
    assert client.missing_details == ["sex", "ethnicity"]
    assert client.missing_details_line == "Quick referral: sex and ethnicity not recorded yet (e edits the client)."
    assert db.execute("SELECT action, entity FROM audit WHERE record_id = ?", [client.id]).fetchall() == [
        ("create", "client")
    ]
    # Every other client rule holds: a reference, both names, a date of birth, an adult at referral.
    for missing in ("client_ref", "first_name", "last_name", "date_of_birth"):
        with pytest.raises(ValidationError) as error:
            caseload.add_quick_referral({**QUICK, "client_ref": "QR-2", missing: None})
        assert error.value.field == missing
    with pytest.raises(ValidationError, match="adults"):
        make_episode(caseload, client.id, referral_date=date(2008, 1, 1))
    # Filling in one field leaves the other named; both clear the line.
    client = caseload.update_client(client.id, {"sex": "male"})
    assert client.missing_details_line == "Quick referral: ethnicity not recorded yet (e edits the client)."
    client = caseload.update_client(client.id, {"ethnicity": "Z"})
    assert client.missing_details == [] and client.missing_details_line is None
    assert check(db) == []


def test_a_client_who_is_not_a_quick_referral_still_needs_sex_and_ethnicity(caseload):
    with pytest.raises(ValidationError) as error:
        make_client(caseload, sex=None)
    assert error.value.field == "sex"
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        caseload.update_client(client.id, {"ethnicity": None})
    assert error.value.field == "ethnicity"


def write_clients(folder, header, *rows):
    folder.mkdir(exist_ok=True)
    (folder / "clients.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def test_the_import_takes_quick_referral_and_absent_means_no(db, tmp_path):
    header = "client_ref,first_name,last_name,date_of_birth,sex,ethnicity,quick_referral"
    folder = write_clients(
        tmp_path / "in",
        header,
        "Q-1,Ann,Lee,1980-01-01,,,yes",
        "Q-2,Bo,Ray,1981-01-01,male,99,",
        "Q-3,Cy,Day,1982-01-01,,Z,YES",
    )
    import_path(db, folder, date(2026, 11, 20))
    rows = db.execute("SELECT client_ref, sex, ethnicity, quick_referral FROM clients ORDER BY client_ref").fetchall()
    assert rows == [("Q-1", None, None, "yes"), ("Q-2", "male", "99", "no"), ("Q-3", None, "Z", "yes")]
    # Without the column, every client is not a quick referral: sex and ethnicity are required.
    folder = write_clients(
        tmp_path / "v1", "client_ref,first_name,last_name,date_of_birth,sex,ethnicity", "V-1,Di,Fox,1980-01-01,,A"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, folder, date(2026, 11, 20))
    assert [str(p) for p in rejected.value.problems] == [
        "clients.csv:2: sex: the sex is required (only a quick referral may leave it empty until it is asked)"
    ]
    # The columns stay required in the header, even though a quick referral may leave them empty.
    folder = write_clients(
        tmp_path / "nosex", "client_ref,first_name,last_name,date_of_birth,ethnicity", "N-1,E,F,1980-01-01,A"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, folder, date(2026, 11, 20))
    assert [str(p) for p in rejected.value.problems] == ["clients.csv:1: sex: required column is missing"]


def test_returns_count_empty_sex_and_99_or_empty_ethnicity_as_not_stated(caseload, db):
    quick = caseload.add_quick_referral({**QUICK, "consent_to_share": "yes"})
    known = make_client(caseload, client_ref="K-1", ethnicity="99", consent_to_share="yes")
    for client in (quick, known):
        make_episode(caseload, client.id, referral_date=date(2026, 7, 1), start_date=date(2026, 7, 2))
    by_sex = dict(compute(db, "new_starts_by_sex", Q2))
    assert (by_sex["sex:not_stated"], by_sex["sex:female"]) == (1, 1)
    assert dict(compute(db, "new_starts_by_ethnicity", Q2))["ethnic_group:not_stated"] == 2
    table = build(db, templates.find("pseudonymised_extract", None), Q2, None)
    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    assert sorted((row["sex"], row["ethnicity"]) for row in rows) == [("female", "99"), ("not_stated", "99")]


async def test_quick_referral_from_the_caseload_key_and_its_line_on_the_record(db, clock, caseload):
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        app.screen.query_one("#clients").focus()
        await pilot.press("Q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuickReferralDialog))
        for name, text in (("client_ref", "QR-9"), ("first_name", "Dan"), ("last_name", "Riley")):
            app.screen.query_one(f"#field-{name}", Input).value = text
        app.screen.query_one("#field-date_of_birth", Input).value = "02/03/1991"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen.query("#client-header"))
        await settle(pilot)
        header = str(app.screen.query_one("#client-header", Static).render())
        assert "Quick referral: sex and ethnicity not recorded yet" in header
        client = caseload.client_by_ref("QR-9")
        assert (client.quick_referral, client.sex) == ("yes", None)


async def test_the_palette_offers_the_quick_referral_and_a_read_only_view_does_not(db, clock):
    for read_only in (False, True):
        app = make_app(db, clock, read_only=read_only)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            titles = [command.title for command in app.get_system_commands(app.screen)]
            assert ("Client: quick referral" in titles) is not read_only


def test_a_quick_referral_row_in_a_sample_like_import_then_completed(db, tmp_path, caseload):
    header = "client_ref,first_name,last_name,date_of_birth,sex,ethnicity,quick_referral"
    import_path(db, write_clients(tmp_path / "a", header, "Q-1,Ann,Lee,1980-01-01,,,yes"), date(2026, 11, 20))
    import_path(db, write_clients(tmp_path / "b", header, "Q-1,Ann,Lee,1980-01-01,female,C,yes"), date(2026, 11, 20))
    assert caseload.client_by_ref("Q-1").missing_details == []


def test_check_13_lists_quick_referrals_naming_the_empty_fields(caseload, db):
    from cjcase.returns import quality

    caseload.add_quick_referral(QUICK)
    caseload.add_quick_referral({**QUICK, "client_ref": "QR-2", "sex": "female"})
    caseload.add_quick_referral({**QUICK, "client_ref": "QR-3", "sex": "female", "ethnicity": "99"})
    notes = [n for n in quality.notes(db, Q2, datetime(2026, 11, 20, 12)) if "quick-referral" in n.message]
    assert [(n.message, n.client_refs) for n in notes] == [
        (
            "2 quick-referral clients with sex or ethnicity not recorded yet",
            ["QR-1 (sex and ethnicity)", "QR-2 (ethnicity)"],
        )
    ]
