"""The XLSX return as a statistical workbook: printable, explained, and the same bytes for the same data."""

import time
from datetime import datetime

import openpyxl
import pytest

from cjcase.domain.dates import parse_quarter
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.returns.writers import plural

NOW = datetime(2026, 11, 20, 12, 0)
Q2 = parse_quarter("2026-27 Q2")


def write_xlsx(db, tmp_path, name="quarterly_return", filename="r.xlsx", now=NOW, folder=None):
    template = templates.find(name, folder)
    prepared = exporter.prepare(db, template, Q2, 5 if template.kind == "aggregate" else None, now)
    return exporter.write(
        db, prepared, "xlsx", tmp_path / filename, now, allow_incomplete=True, allow_small_groups=True
    )


@pytest.mark.parametrize("name", ["quarterly_return", "pseudonymised_extract"])
def test_the_same_data_gives_the_same_bytes_twice(sample_db, tmp_path, name):
    exporter.set_organisation(sample_db, "Leeds Recovery Link")
    first = write_xlsx(sample_db, tmp_path, name, "a.xlsx")
    time.sleep(2.1)  # the zip format keeps times to two seconds
    second = write_xlsx(sample_db, tmp_path, name, "b.xlsx", now=datetime(2026, 11, 20, 16, 45))
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256


def test_print_settings_footer_frozen_header_and_filter(sample_db, tmp_path):
    exporter.set_organisation(sample_db, "Leeds & District Recovery")
    book = openpyxl.load_workbook(write_xlsx(sample_db, tmp_path).path)
    rows = book["Rows"]
    assert rows.print_title_rows == "$1:$1"
    assert rows.freeze_panes == "A2"
    assert rows.auto_filter.ref == f"A1:E{rows.max_row}"
    assert rows.page_setup.fitToWidth == 1 and rows.sheet_properties.pageSetUpPr.fitToPage
    for sheet in book:
        assert sheet.oddFooter.center.text == "Page &P of &N"
        assert sheet.oddFooter.left.text == "Quarterly return, 2026-27 Q2"
        assert sheet.oddFooter.right.text == "Leeds && District Recovery"
    properties = book.properties
    assert properties.title == "Quarterly return" and properties.creator == "Leeds & District Recovery"
    assert properties.subject.startswith("2026-27 Q2")
    assert properties.created == properties.modified == datetime(2026, 11, 20)


def test_groups_in_words_blank_rates_explained_and_definitions(sample_db, tmp_path):
    book = openpyxl.load_workbook(write_xlsx(sample_db, tmp_path).path)
    rows = list(book["Rows"].iter_rows(values_only=True))
    assert rows[0] == ("measure", "group", "value", "group_in_words", "note")
    by_key = {(r[0], r[1]): r for r in rows[1:]}
    assert by_key[("referrals_received", "pathway:arrest_referral")][3] == "Arrest referral"
    assert by_key[("new_starts_by_age", "age_band:18-24")][3] == "Aged 18-24"
    assert by_key[("court_hearings", "hearing_type:first_appearance")][2:] == (
        "*",
        "First appearance",
        "Hidden by small-number suppression.",
    )
    assert "Empty rate" in {r[0] for r in book["Cover"].iter_rows(values_only=True)}
    definitions = {r[1]: r[2] for r in book["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert len(definitions) == 25 and all(definitions.values())
    assert definitions["clients_seen"] == "Distinct clients with an attended session in the period."


def test_an_empty_rate_is_explained_beside_it(db, tmp_path):
    rows = list(openpyxl.load_workbook(write_xlsx(db, tmp_path).path)["Rows"].iter_rows(values_only=True))
    empty = [r for r in rows[1:] if r[0].endswith("_rate") and r[2] is None]
    assert len(empty) == 4 and all(r[4] == "No rate: the denominator is 0." for r in empty)


def test_a_long_custom_label_and_its_own_definition_are_not_cut(sample_db, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    label = "Clients who attended at least one appointment in the quarter, any kind"
    (folder / "long.toml").write_text(
        'kind = "aggregate"\nmeasures = [\n'
        f'  {{ measure = "clients_seen", label = "{label}", definition = "People we saw." }},\n]\n'
    )
    book = openpyxl.load_workbook(write_xlsx(sample_db, tmp_path, "long", folder=folder).path)
    assert book["Rows"].column_dimensions["A"].width >= len(label)
    assert list(book["Definitions"].iter_rows(min_row=2, values_only=True)) == [
        (label, "clients_seen", "People we saw.")
    ]


def test_one_thing_and_two_things():
    assert plural(1, "thing makes", "things make") == "1 thing makes"
    assert plural(2, "thing makes", "things make") == "2 things make"


def written_as(db, tmp_path, fmt, name="quarterly_return"):
    exporter.set_organisation(db, "Leeds Recovery Link")
    template = templates.find(name, None)
    prepared = exporter.prepare(db, template, Q2, 5 if template.kind == "aggregate" else None, NOW)
    return exporter.write(
        db, prepared, fmt, tmp_path / f"r.{fmt}", NOW, allow_incomplete=True, allow_small_groups=True
    ), prepared


def test_the_json_carries_the_covers_caveats_and_the_problems(sample_db, tmp_path):
    import json

    result, prepared = written_as(sample_db, tmp_path, "json")
    document = json.loads(result.path.read_text())
    assert document["suppression"] == 5
    assert document["problems"] == [f.message for f in prepared.findings] and document["problems"]
    assert document["notes"]["Organisation"] == "Leeds Recovery Link"
    assert document["notes"]["Figures as at"] == "20/11/2026"
    assert document["notes"]["Suppression"].startswith("Counts from 1 to 4 are shown as *")
    extract, _ = written_as(sample_db, tmp_path / "x", "json", "pseudonymised_extract")
    assert json.loads(extract.path.read_text())["notes"]["Consent"].startswith("1 row is")


def test_a_csv_return_has_its_notes_in_a_sidecar_and_stays_three_columns(sample_db, tmp_path):
    from tests.helpers import SAMPLE

    result, prepared = written_as(sample_db, tmp_path, "csv")
    assert result.path.read_bytes() == (SAMPLE / "expected_2026-27_Q2_suppressed5.csv").read_bytes()
    notes = (tmp_path / "r.notes.txt").read_text(encoding="utf-8")
    assert "Organisation: Leeds Recovery Link" in notes and "Figures as at: 20/11/2026" in notes
    assert "Suppression: Counts from 1 to 4 are shown as *" in notes
    assert f"Data quality: {len(prepared.findings)} things make these figures doubtful:" in notes
    assert all(f"  - {f.message}" in notes for f in prepared.findings)
