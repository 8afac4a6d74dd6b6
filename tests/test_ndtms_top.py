"""`cjcase export ndtms_top`: one NDTMS-shaped row per TOP in the period, NA where not answered,
SHARING and OTHTHEFT derived as DOMAIN.md writes them, consent to NDTMS respected, through the
same guard, data-quality gate and export log as every return."""

import csv
import itertools
from datetime import date, datetime

import pytest

from cjcase.domain import codes
from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import IncompleteData
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.returns.build import build
from cjcase.services.importing.importer import import_path
from cjcase.services.keys import get_key, pseudo_id
from tests.helpers import SAMPLE, SAMPLE_TODAY, make_client, make_episode, run_cjcase, top_form

NOW = datetime(2027, 1, 20, 12, 0)  # the period below is final by then
Q3 = parse_quarter("2026-27 Q3")
HEADER = (
    "pseudo_id CONSENT setting TOPDATE TRSTAGE ALCUSE OPIUSE CRAUSE COCAUSE AMPHUSE CANNUSE OTDRGUSE IVDRGUSE "
    "SHARING SHOTHEFT DRGSELL OTHTHEFT ASSAULT PSYHSTAT PWORK EDUCAT PHSTAT ACUTHPBM HRISK QUALLIFE"
).split()
ANSWERS = ("yes", "no", None)


# ---------------------------------------------------------------- the roll-up table


@pytest.mark.parametrize(("needles", "paraphernalia"), list(itertools.product(ANSWERS, ANSWERS)))
def test_sharing_is_y_if_either_is_yes_n_if_both_are_no_else_na(needles, paraphernalia):
    expected = {
        ("yes", "yes"): "Y",
        ("yes", "no"): "Y",
        ("yes", None): "Y",
        ("no", "yes"): "Y",
        (None, "yes"): "Y",
        ("no", "no"): "N",
        ("no", None): "NA",
        (None, "no"): "NA",
        (None, None): "NA",
    }[(needles, paraphernalia)]
    assert codes.ndtms_sharing(needles, paraphernalia) == expected


@pytest.mark.parametrize(("vehicle", "property_", "fraud"), list(itertools.product(ANSWERS, ANSWERS, ANSWERS)))
@pytest.mark.parametrize("other_days", [None, 0, 5])
def test_oththeft_for_every_combination(vehicle, property_, fraud, other_days):
    items = [vehicle, property_, fraud]
    if items.count("yes"):
        expected = "Y"
    elif items.count("no") == 3:
        expected = "N"
    elif items.count(None) == 3:  # the three v2 items all NA: the v1 days decide
        expected = {None: "NA", 0: "N", 5: "Y"}[other_days]
    else:  # some no, some NA, none yes
        expected = "NA"
    assert codes.ndtms_other_theft(vehicle, property_, fraud, other_days) == expected


# ---------------------------------------------------------------- the rows


def rows_of(db, template_name="ndtms_top", period=Q3):
    table = build(db, templates.find(template_name, None), period, None)
    return table, [dict(zip(table.header, row, strict=True)) for row in table.rows]


def test_one_row_per_top_in_the_period_with_the_ndtms_names_and_na(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 9, 1), start_date=date(2026, 9, 2))
    caseload.add_top(client.id, top_form(date=date(2026, 9, 30), stage="start"))  # before the period
    caseload.add_top(
        client.id,
        top_form(
            date=date(2026, 11, 2),
            stage="review",
            opiates_days="NA",
            alcohol_days=3,
            injecting_days=2,
            sharing_needles="yes",
            sharing_paraphernalia="NA",
            vehicle_theft="NA",
            property_theft_burglary="NA",
            fraud_forgery_handling="NA",
            other_theft_days=4,
            assault="NA",
            eviction_risk="yes",
            quality_of_life=14,
        ),
    )
    caseload.add_top(client.id, top_form(date=date(2026, 12, 1), stage="review", setting="custody"))
    table, rows = rows_of(db)
    assert table.header == HEADER
    assert [(r["TOPDATE"], r["TRSTAGE"], r["setting"]) for r in rows] == [
        ("2026-11-02", "review", "community"),
        ("2026-12-01", "review", "custody"),
    ]
    first = rows[0]
    assert first["pseudo_id"] == pseudo_id(get_key(db), "T-1")
    assert (first["ALCUSE"], first["OPIUSE"], first["IVDRGUSE"], first["SHARING"]) == (3, "NA", 2, "Y")
    assert (first["OTHTHEFT"], first["ASSAULT"], first["HRISK"], first["QUALLIFE"]) == ("Y", "NA", "Y", 14)
    assert first["CONSENT"] is None  # consent to NDTMS not asked yet: written in full


def test_an_imported_na_reaches_the_export_as_na(db, tmp_path):
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(SAMPLE, folder)
    lines = (folder / "tops.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = next(n for n, line in enumerate(lines[1:], start=1) if "2026-07-01" <= line.split(",")[1] <= "2026-09-30")
    cells = lines[at].split(",")
    cells[header.index("psych_health")] = "NA"
    lines[at] = ",".join(cells)
    (folder / "tops.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_path(db, folder, SAMPLE_TODAY)
    day = cells[header.index("date")]
    _, rows = rows_of(db, period=parse_quarter("2026-27 Q2"))
    who = pseudo_id(get_key(db), cells[0])
    (row,) = [r for r in rows if (r["pseudo_id"], r["TOPDATE"], r["TRSTAGE"]) == (who, day, cells[2])]
    assert row["PSYHSTAT"] == "NA" and row["HRISK"] == "NA"  # absent v2 column: NA


def test_a_client_who_says_no_to_ndtms_gives_only_the_pseudonym_and_consent(caseload, db):
    said_no = make_client(caseload, client_ref="T-1")
    said_yes = make_client(caseload, client_ref="T-2", first_name="Al", last_name="Yeo")
    for client, consent in ((said_no, "no"), (said_yes, "yes")):
        make_episode(caseload, client.id, referral_date=date(2026, 10, 1), consent_to_ndtms=consent)
        caseload.add_top(client.id, top_form(date=date(2026, 10, 5), opiates_days=9))
    table, rows = rows_of(db)
    by_pseudonym = {r["pseudo_id"]: r for r in rows}
    withheld = by_pseudonym[pseudo_id(get_key(db), "T-1")]
    assert {k: v for k, v in withheld.items() if v is not None} == {"pseudo_id": withheld["pseudo_id"], "CONSENT": "N"}
    given = by_pseudonym[pseudo_id(get_key(db), "T-2")]
    assert (given["CONSENT"], given["OPIUSE"], given["TOPDATE"]) == ("Y", 9, "2026-10-05")
    assert table.withheld == [True, False] or table.withheld == [False, True]


# ---------------------------------------------------------------- the return's gate, log and cover


def test_the_template_turns_the_small_group_check_off_with_its_reason_and_the_cover_repeats_it(caseload, db, tmp_path):
    template = templates.find("ndtms_top", None)
    assert template.min_group == 0 and "NDTMS data controller" in template.min_group_reason
    assert "data-sharing agreement" in template.min_group_reason
    client = make_client(caseload)
    caseload.add_top(client.id, top_form(date=date(2026, 10, 5)))
    prepared = exporter.prepare(db, template, Q3, None, NOW)
    written = exporter.write(db, prepared, "csv", tmp_path / "t.csv", NOW, allow_incomplete=True)
    notes = (tmp_path / "t.notes.txt").read_text(encoding="utf-8")
    assert "Small groups: Not checked (min_group = 0): " + template.min_group_reason in notes
    detail = db.execute("SELECT detail FROM audit WHERE action = 'export' AND entity = 'ndtms_top'").fetchone()[0]
    assert written.sha256 in detail and "period 2026-27 Q3" in detail


def test_the_data_quality_gate_stops_it_as_it_stops_every_return(caseload, db, tmp_path):
    client = make_client(caseload)
    make_episode(caseload, client.id, referral_date=date(2026, 10, 1), start_date=date(2026, 10, 1))
    caseload.add_top(client.id, top_form(date=date(2026, 10, 5)))
    caseload.add_session(client.id, {"when": datetime(2026, 10, 6, 10, 0), "kind": "keywork", "status": "scheduled"})
    prepared = exporter.prepare(db, templates.find("ndtms_top", None), Q3, None, NOW)
    with pytest.raises(IncompleteData):
        exporter.write(db, prepared, "csv", tmp_path / "t.csv", NOW)
    assert not (tmp_path / "t.csv").exists()


def test_the_command_writes_it(tmp_path):
    db_path = tmp_path / "c.db"
    env = {"CJCASE_TODAY": "2026-11-20"}
    assert run_cjcase("--db", str(db_path), "import", str(SAMPLE), env=env).returncode == 0
    out = tmp_path / "top.csv"
    result = run_cjcase(
        "--db",
        str(db_path),
        "export",
        "ndtms_top",
        "--period",
        "2026-27 Q2",
        "--allow-incomplete",
        "--out",
        str(out),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == HEADER and len(rows) == 24
    assert all("2026-07-01" <= r["TOPDATE"] <= "2026-09-30" for r in rows)
    assert {r["HRISK"] for r in rows} == {"NA"} and {r["SHARING"] for r in rows} == {"NA"}


async def test_the_returns_screen_previews_and_writes_it(db, clock, caseload, tmp_path):
    from textual.widgets import Input, Select

    from cjcase.tui.app import make_app
    from tests.helpers import settle, wait_until

    client = make_client(caseload, consent_to_share="yes")
    make_episode(caseload, client.id, referral_date=date(2026, 8, 1))
    caseload.add_top(client.id, top_form(date=date(2026, 8, 3), opiates_days="NA"))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_returns("ndtms_top")
        await settle(pilot)
        app.screen.query_one("#out", Input).value = str(tmp_path)
        app.screen.query_one("#format", Select).value = "csv"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        if type(app.screen).__name__ == "ConfirmDialog":  # the period is not final yet: it asks first
            await pilot.press("y")
        written = tmp_path / "ndtms_top_2026-27_Q2.csv"
        await wait_until(pilot, written.exists)
        assert ",NA," in written.read_text(encoding="utf-8")
