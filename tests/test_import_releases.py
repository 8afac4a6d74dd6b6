"""Importing releases: releases.csv with its rules and key, problems as file:line: column, and
episodes.csv's v1 `prison_release_date` still making the release it always meant."""

import pytest

from cjcase.domain.errors import ImportRejected
from cjcase.services.importing.importer import import_path
from tests.helpers import SAMPLE_TODAY

HEADER = "client_ref,prison,expected_date,actual_date,release_type,naloxone_offered,naloxone_issued,community_start_date,confirmed_by,coc_exclusion\n"


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def problems_of(db, path):
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, path, SAMPLE_TODAY)
    return [str(p) for p in rejected.value.problems]


def releases(db):
    return [
        (r["client_ref"], r["prison"], r["expected_date"], r["actual_date"], r["from_v1"])
        for r in db.query(
            "SELECT c.client_ref, r.* FROM releases r JOIN clients c ON c.id = r.client_id "
            "ORDER BY c.client_ref, r.expected_date"
        )
    ]


def test_the_sample_s_v1_release_dates_become_releases(db, sample_db):
    found = releases(db)
    assert len(found) == 7
    assert ("CJ-94984", None, "2026-08-17", "2026-08-17", 1) in found  # the UK date read as ever


def test_releases_csv_imports_and_a_v1_date_it_holds_makes_no_second_release(db, sample_copy):
    write(
        sample_copy,
        "releases.csv",
        HEADER
        + "CJ-94984,HMP Leeds,2026-08-14,17/08/2026,licence,yes,yes,2026-08-18,Sam at Forward Leeds,\n"
        + "CJ-12197,HMP New Hall,2026-12-01,,,,,,,\n",
    )
    report = import_path(db, sample_copy, SAMPLE_TODAY)
    assert report.counts["releases"].created == 8
    found = [r for r in releases(db) if r[0] in ("CJ-94984", "CJ-12197")]
    assert found == [
        ("CJ-12197", "HMP New Hall", "2026-12-01", None, 0),
        ("CJ-94984", "HMP Leeds", "2026-08-14", "2026-08-17", 0),
    ]
    again = import_path(db, sample_copy, SAMPLE_TODAY)
    assert again.changed == 0 and again.counts["releases"].unchanged == 2


def test_a_broken_releases_row_is_reported_as_file_line_column(db, sample_copy):
    write(
        sample_copy,
        "releases.csv",
        HEADER
        + "CJ-94984,HMP Leeds,2026-09-01,2026-09-01,parole,no,yes,,,\n"  # line 2: two problems
        + "CJ-12197,HMP New Hall,2026-12-01,,,,,,,\n"
        + "CJ-12197,HMP New Hall,2026-12-08,,,,,,,\n"  # line 4: a second due release
        + "CJ-17429,HMP Hull,2026-09-01,2026-08-30,,,,2026-08-29,Sam,\n"  # line 5: start before release
        + "CJ-52057,HMP Hull,2026-09-01,2026-09-02,,,,2026-09-05,Sam,re_imprisoned\n"  # line 6: engaged
        + "CJ-72403,HMP Hull,2026-12-20,2026-12-20,,,,,,\n"  # line 7: actual date in the future
        + "CJ-79059,,2026-06-30,2026-07-01,,,,,,\n"  # line 8: no prison
        + "NOBODY,HMP Hull,2026-06-30,,,,,,,\n",
    )
    problems = problems_of(db, sample_copy)
    assert problems == [
        "releases.csv:2: release_type: 'parole' is not a release type code: use one of licence, end_of_sentence, "
        "home_detention_curfew, remand_or_court, other",
        "releases.csv:5: community_start_date: the community start is before the release: a start before release "
        "is not continuity of care",
        "releases.csv:6: coc_exclusion: the community start is inside the window, so the release is engaged: it "
        "cannot be excluded",
        "releases.csv:7: actual_date: the actual date is in the future",
        "releases.csv:8: prison: the prison is required",
        "releases.csv:9: client_ref: no client has the reference NOBODY: add them to clients.csv",
        "releases.csv:4: expected_date: the client already has a release due, expected 2026-12-01 (line 3): a "
        "moved date is changed in the program, or the old release recorded or excluded",
    ]


def test_a_naloxone_issue_with_no_offer_is_reported_on_its_column(db, sample_copy):
    write(sample_copy, "releases.csv", HEADER + "CJ-94984,HMP Leeds,2026-09-01,2026-09-01,,no,yes,,,\n")
    assert problems_of(db, sample_copy) == [
        "releases.csv:2: naloxone_issued: naloxone issued 'yes' needs naloxone offered 'yes'"
    ]


def test_a_missing_required_column_is_on_line_1(db, sample_copy):
    write(sample_copy, "releases.csv", "client_ref,expected_date\nCJ-94984,2026-09-01\n")
    assert problems_of(db, sample_copy) == ["releases.csv:1: prison: required column is missing"]


def test_two_releases_on_one_actual_day_are_refused_on_the_later_row(db, sample_copy):
    write(
        sample_copy,
        "releases.csv",
        HEADER + "CJ-94984,HMP Leeds,2026-09-01,2026-09-03,,,,,,\nCJ-94984,HMP Leeds,2026-09-02,2026-09-03,,,,,,\n",
    )
    assert problems_of(db, sample_copy) == [
        "releases.csv:3: actual_date: the client already has a release on 2026-09-03 (line 2): one release per day"
    ]


def test_a_future_v1_date_makes_a_due_release_and_two_episodes_with_one_date_make_one(db, sample_copy):
    text = (sample_copy / "episodes.csv").read_text(encoding="utf-8-sig")
    text = text.replace("CJ-43974,2026-08-17,", "CJ-43974,2026-08-17,", 1)
    lines = text.splitlines()
    header = lines[0].split(",")
    at = header.index("prison_release_date")
    for number, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == "CJ-43974":
            cells[at] = "2026-12-02"
            lines[number] = ",".join(cells)
    (sample_copy / "episodes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_path(db, sample_copy, SAMPLE_TODAY)
    assert ("CJ-43974", None, "2026-12-02", None, 1) in releases(db)
