"""The gate before a return is written: each blocking problem on its own, and what does not block."""

from datetime import date, datetime

import pytest

from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import IncompleteData
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.returns.quality import findings
from tests.helpers import make_client, make_episode, top_form

NOW = datetime(2026, 11, 20, 12, 0)
Q2 = parse_quarter("2026-27 Q2")


@pytest.fixture
def clean(caseload):
    """One client in treatment through Q2 with a start TOP and regular contact: nothing to report."""
    client = make_client(caseload, consent_to_share="yes")
    make_episode(caseload, client.id, referral_date=date(2026, 6, 1), start_date=date(2026, 6, 8))
    caseload.add_top(client.id, top_form(date=date(2026, 6, 8), stage="start"))
    caseload.add_session(client.id, {"when": datetime(2026, 9, 20, 10, 0), "kind": "keywork", "status": "attended"})
    return caseload


def gate(db, now=NOW):
    return [(f.message, f.client_refs) for f in findings(db, Q2, now)]


def test_a_clean_caseload_passes_the_gate(clean, db, tmp_path):
    assert gate(db) == []
    prepared = exporter.prepare(db, templates.find("quarterly_return", None), Q2, 5, NOW)
    exporter.write(db, prepared, "csv", tmp_path / "q.csv", NOW)  # no --allow-incomplete needed


def second_client(caseload, **client):
    return make_client(caseload, client_ref="T-2", consent_to_share="yes", **client)


def test_a_past_session_still_scheduled_blocks(clean, db):
    other = second_client(clean)
    clean.add_session(other.id, {"when": datetime(2026, 8, 3, 10, 0), "kind": "keywork", "status": "scheduled"})
    assert gate(db) == [("1 past session in the period still marked scheduled (outcome not recorded)", ["T-2"])]


def test_a_session_attended_on_a_date_after_today_blocks(clean, db):
    other = second_client(clean)
    session = clean.add_session(
        other.id, {"when": datetime(2026, 11, 20, 9, 0), "kind": "keywork", "status": "attended"}
    )
    assert gate(db) == []  # today, earlier or later in the day: dates, not times of day
    db.execute("UPDATE sessions SET starts_at = '2026-11-21 09:00' WHERE id = ?", [session.id])
    assert gate(db) == [("1 session marked attended on a date after today", ["T-2"])]


def test_a_prison_link_episode_with_no_release_blocks(clean, db):
    other = second_client(clean)
    make_episode(clean, other.id, referral_date=date(2026, 7, 1), pathway="prison_link", referral_source="prison")
    assert gate(db) == [("1 Prison Link episode in the period with no prison release date", ["T-2"])]


@pytest.mark.parametrize("pathway", ["drr", "atr"])
def test_a_drr_or_atr_episode_with_no_order_blocks(clean, db, pathway):
    other = second_client(clean)
    make_episode(clean, other.id, referral_date=date(2026, 7, 1), pathway=pathway, referral_source="court")
    assert gate(db) == [("1 DRR or ATR episode in the period with no order start date", ["T-2"])]
    db.execute("UPDATE episodes SET order_start = '2026-06-20' WHERE pathway = ?", [pathway])
    assert gate(db) == []


def test_a_started_episode_with_no_start_top_blocks(clean, db):
    other = second_client(clean)
    make_episode(clean, other.id, referral_date=date(2026, 7, 1), start_date=date(2026, 7, 6))
    clean.add_session(other.id, {"when": datetime(2026, 9, 1, 10, 0), "kind": "keywork", "status": "attended"})
    assert gate(db) == [("1 started episode in the period with no start TOP", ["T-2"])]


def test_an_empty_consent_blocks(clean, db):
    other = make_client(clean, client_ref="T-2")
    make_episode(clean, other.id, referral_date=date(2026, 7, 1))
    (message, refs), *rest = gate(db)
    assert message.startswith("1 client in the period with no answer recorded for consent") and refs == ["T-2"]
    assert rest == []


def test_an_episode_in_treatment_with_no_contact_for_90_days_blocks(clean, db):
    db.execute("DELETE FROM sessions")
    clean.add_session(1, {"when": datetime(2026, 7, 2, 10, 0), "kind": "keywork", "status": "attended"})
    assert gate(db) == [
        (
            "1 episode counted in treatment at the end of the period with no attended session in the 90 days before it",
            ["T-1"],
        )
    ]
    clean.add_session(1, {"when": datetime(2026, 7, 3, 10, 0), "kind": "keywork", "status": "attended"})
    assert gate(db) == []  # 3 July is within the 90 days to 30 September


@pytest.mark.parametrize(
    "today, words",
    [(datetime(2026, 9, 15, 9, 0), "has not ended yet"), (datetime(2026, 10, 6, 9, 0), "ended less than 7 days ago")],
)
def test_a_period_not_yet_final_is_written_only_when_allowed_and_says_so(clean, db, tmp_path, today, words):
    import openpyxl

    (message, refs), *_ = gate(db, today)
    assert message == f"The period {words} (it ends on 30/09/2026): its figures are not final until 07/10/2026"
    assert refs == []
    assert gate(db, datetime(2026, 10, 7, 9, 0)) == []
    prepared = exporter.prepare(db, templates.find("quarterly_return", None), Q2, 5, today)
    with pytest.raises(IncompleteData):
        exporter.write(db, prepared, "xlsx", tmp_path / "q.xlsx", today)
    path = exporter.write(db, prepared, "xlsx", tmp_path / "q.xlsx", today, allow_incomplete=True).path
    cover = [row[1] for row in openpyxl.load_workbook(path)["Cover"].iter_rows(values_only=True)]
    assert message in cover


@pytest.mark.parametrize(
    "case",
    ["referral waiting over 21 days", "ethnicity Z", "sex not stated", "release with no session since"],
)
def test_what_the_return_reports_or_a_valid_answer_does_not_block(clean, db, case):
    if case == "referral waiting over 21 days":
        other = second_client(clean)
        make_episode(clean, other.id, referral_date=date(2026, 7, 1))
    elif case == "ethnicity Z":
        other = second_client(clean, ethnicity="Z")
        make_episode(clean, other.id, referral_date=date(2026, 9, 25))
    elif case == "sex not stated":
        other = second_client(clean, sex="not_stated")
        make_episode(clean, other.id, referral_date=date(2026, 9, 25))
    else:
        other = second_client(clean)
        make_episode(
            clean,
            other.id,
            referral_date=date(2026, 7, 1),
            pathway="prison_link",
            referral_source="prison",
            prison_release_date=date(2026, 9, 1),
        )
    assert gate(db) == []


def test_a_data_quality_note_is_shown_but_never_blocks_a_return(clean, db, tmp_path, monkeypatch):
    from cjcase.returns import quality

    other = second_client(clean)
    monkeypatch.setattr(
        quality,
        "NOTES",
        [("{n} client{s} with no postcode", "SELECT client_ref FROM clients WHERE postcode IS NULL OR postcode = ''")],
    )
    db.execute("UPDATE clients SET postcode = CASE id WHEN ? THEN NULL ELSE 'LS1 1AA' END", [other.id])
    prepared = exporter.prepare(db, templates.find("quarterly_return", None), Q2, 5, NOW)
    assert prepared.findings == []
    assert [(n.message, n.client_refs) for n in prepared.notes] == [("1 client with no postcode", ["T-2"])]
    exporter.write(db, prepared, "csv", tmp_path / "q.csv", NOW)  # written with no --allow-incomplete
    assert "T-2" not in (tmp_path / "q.csv").read_text()


def test_check_lists_data_quality_findings_as_notes_and_exits_0(tmp_path, clock):
    from cjcase.services.caseload import Caseload
    from cjcase.services.caseload_file import open_caseload
    from tests.helpers import run_cjcase

    path = tmp_path / "c.db"
    db = open_caseload(path)
    caseload = Caseload(db, clock)
    client = make_client(caseload, client_ref="Q-7", consent_to_share="yes")
    make_episode(caseload, client.id, referral_date=date(2026, 10, 1), consent_to_ndtms="yes")
    caseload.add_session(client.id, {"when": datetime(2026, 10, 5, 10, 0), "kind": "keywork", "status": "scheduled"})
    db.close()
    result = run_cjcase("--db", str(path), "check")
    assert result.returncode == 0, result.stderr
    assert (
        "Note (2026-27 Q3): 1 past session in the period still marked scheduled (outcome not recorded) (Q-7)."
        in result.stdout
    )
    assert "1 data-quality note above" in result.stdout
