"""The shared sample's expected return, matched exactly in CSV, JSON and XLSX."""

import csv
import io
import json
import os
from datetime import datetime

import openpyxl
import pytest

from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import IncompleteData
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.returns.writers import to_csv
from tests.helpers import SAMPLE

NOW = datetime(2026, 11, 20, 12, 0)
Q2 = parse_quarter("2026-27 Q2")


def expected(name):
    return (SAMPLE / name).read_bytes()


def written(db, tmp_path, fmt, threshold, name="quarterly_return"):
    template = templates.find(name, None)
    prepared = exporter.prepare(db, template, Q2, threshold, NOW)
    return exporter.write(db, prepared, fmt, tmp_path / f"out.{fmt}", NOW, allow_incomplete=True)


@pytest.mark.parametrize(
    "threshold, name", [(None, "expected_2026-27_Q2.csv"), (5, "expected_2026-27_Q2_suppressed5.csv")]
)
def test_the_csv_matches_the_expected_file_byte_for_byte(sample_db, tmp_path, threshold, name):
    result = written(sample_db, tmp_path, "csv", threshold)
    assert result.path.read_bytes() == expected(name)


def test_the_template_default_threshold_is_5(sample_db):
    template = templates.find("quarterly_return", None)
    assert exporter.threshold_for(template, None, False) == 5
    prepared = exporter.prepare(sample_db, template, Q2, exporter.threshold_for(template, None, False), NOW)
    assert to_csv(prepared.table) == expected("expected_2026-27_Q2_suppressed5.csv")


@pytest.mark.parametrize(
    "threshold, name", [(None, "expected_2026-27_Q2.csv"), (5, "expected_2026-27_Q2_suppressed5.csv")]
)
def test_the_json_holds_the_same_rows_with_numbers_and_stars(sample_db, tmp_path, threshold, name):
    document = json.loads(written(sample_db, tmp_path, "json", threshold).path.read_text())
    assert document["template"] == "quarterly_return"
    assert document["period"] == {"label": "2026-27 Q2", "start": "2026-07-01", "end": "2026-09-30"}
    assert document["suppression"] == threshold
    rows = list(csv.DictReader(io.StringIO(expected(name).decode())))
    assert len(document["rows"]) == len(rows)
    for got, want in zip(document["rows"], rows, strict=False):
        assert (got["measure"], got["group"]) == (want["measure"], want["group"])
        if want["value"] == "*":
            assert got["value"] == "*"
        elif want["value"] == "":
            assert got["value"] is None
        elif want["measure"].endswith("_rate"):
            assert isinstance(got["value"], float) and f"{got['value']:.1f}" == want["value"]
        else:
            assert isinstance(got["value"], int) and got["value"] == int(want["value"])


@pytest.mark.parametrize(
    "threshold, name", [(None, "expected_2026-27_Q2.csv"), (5, "expected_2026-27_Q2_suppressed5.csv")]
)
def test_the_xlsx_reads_back_to_the_same_rows_with_a_cover(sample_db, tmp_path, threshold, name):
    exporter.set_organisation(sample_db, "Leeds Recovery Link")
    book = openpyxl.load_workbook(written(sample_db, tmp_path, "xlsx", threshold).path)
    assert book.sheetnames == ["Cover", "Rows", "Definitions"]
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True)}
    assert cover["Organisation"] == "Leeds Recovery Link"
    assert cover["Period"].startswith("2026-27 Q2")
    assert cover["Figures as at"] == "20/11/2026" and "Suppression" in cover and "*" in cover
    assert "doubtful" in cover["Data quality"]
    got = [
        ["" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v)) for v in row[:3]]
        for row in book["Rows"].iter_rows(values_only=True)
    ]
    want = list(csv.reader(io.StringIO(expected(name).decode())))
    assert got == want


def test_every_export_is_audited_with_its_hash(sample_db, tmp_path):
    import hashlib

    result = written(sample_db, tmp_path, "csv", 5)
    history = exporter.history(sample_db)
    assert len(history) == 1
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() in history[0].detail
    assert "period 2026-27 Q2" in history[0].detail and "suppression 5" in history[0].detail


def test_the_export_log_names_the_organisation_user_options_and_problems(sample_db, tmp_path, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "manager1")
    exporter.set_organisation(sample_db, "Leeds Recovery Link")
    result = written(sample_db, tmp_path, "csv", 5)
    detail = exporter.history(sample_db)[0].detail
    assert "organisation Leeds Recovery Link;" in detail and "user manager1;" in detail
    assert "allow_incomplete yes;" in detail
    notes_hash = exporter.name_hash(sample_db, "out.notes.txt")
    assert f"notes {tmp_path.resolve()}{os.sep}<name {notes_hash}>;" in detail
    problems = detail.split("; problems ", 1)[1]
    assert problems == " | ".join(f.message for f in result.prepared.findings)


def test_a_doubtful_return_is_refused_unless_allowed(sample_db, tmp_path):
    template = templates.find("quarterly_return", None)
    prepared = exporter.prepare(sample_db, template, Q2, 5, NOW)
    messages = [f.message for f in prepared.findings]
    assert "9 past sessions in the period still marked scheduled (outcome not recorded)" in messages
    assert "1 Prison Link episode in the period with no prison release date" in messages
    assert not any("21 days" in m or "not stated" in m for m in messages)
    with pytest.raises(IncompleteData):
        exporter.write(sample_db, prepared, "csv", tmp_path / "x.csv", NOW)
    assert not (tmp_path / "x.csv").exists()
    assert exporter.history(sample_db) == []


def test_a_clean_export_logs_no_options_and_no_problems(db, tmp_path):
    template = templates.find("quarterly_return", None)
    prepared = exporter.prepare(db, template, Q2, 5, NOW)
    assert prepared.findings == []
    exporter.write(db, prepared, "json", tmp_path / "q.json", NOW)
    detail = exporter.history(db)[0].detail
    assert "allow_incomplete no;" in detail and detail.endswith("problems none") and "notes " not in detail


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_the_data_quality_notes_go_on_the_cover_as_notes_without_references(sample_db, tmp_path, fmt):
    template = templates.find("quarterly_return", None)
    prepared = exporter.prepare(sample_db, template, Q2, 5, NOW)
    assert prepared.notes, "the shared sample has data-quality notes for 2026-27 Q2"
    result = exporter.write(sample_db, prepared, fmt, tmp_path / f"out.{fmt}", NOW, allow_incomplete=True)
    if fmt == "csv":
        cover = (tmp_path / "out.notes.txt").read_text()
    elif fmt == "json":
        document = json.loads(result.path.read_text())
        assert document["quality_notes"] == [note.message for note in prepared.notes]
        assert document["problems"] == [finding.message for finding in prepared.findings]
        cover = json.dumps(document)
    else:
        sheet = openpyxl.load_workbook(result.path)["Cover"]
        cover = "\n".join(str(cell.value or "") for row in sheet.iter_rows() for cell in row)
    assert "Data-quality notes" in cover
    for note in prepared.notes:
        assert note.message in cover
        for ref in note.client_refs:
            assert ref not in cover
    if not prepared.findings:
        assert "No problems found" not in cover
    if fmt == "csv":
        assert result.path.read_bytes() == expected("expected_2026-27_Q2_suppressed5.csv")


def test_a_return_with_notes_and_no_problems_does_not_say_no_problems_found(sample_db):
    from cjcase.returns.writers import notes_text

    prepared = exporter.prepare(sample_db, templates.find("quarterly_return", None), Q2, 5, NOW)
    text = notes_text(prepared.table, "Leeds", [], NOW.date(), [note.message for note in prepared.notes]).decode()
    assert "No problems found" not in text
    assert "Data quality: Nothing makes these figures doubtful." in text
    assert "No problems found" in notes_text(prepared.table, "Leeds", [], NOW.date()).decode()
